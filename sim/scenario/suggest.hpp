#pragma once
// "Did you mean": the closest known name to a mistyped one, and the small
// helpers that turn lists of names into the text of error messages.
#include <cstdint>
#include <string>
#include <vector>

namespace orrery {

// Levenshtein distance (insert, delete, substitute; case-insensitive).
std::size_t edit_distance(const std::string& a, const std::string& b);

// The candidate closest to `word` if it is within `max_distance` edits and
// closer than a full rewrite; ties go to the closest length, then the first.
// "" when nothing is close enough.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates,
                          std::size_t max_distance = 3);

// "a, b, c" / "a, b or c" (for hints such as "try 1, 2, 4 or 8").
std::string join(const std::vector<std::string>& items, const std::string& last_separator = ", ");
std::string join_or(const std::vector<std::string>& items);

// Positive divisors of n in increasing order (n >= 1).
std::vector<std::int64_t> divisors(std::int64_t n);
std::vector<std::string> to_strings(const std::vector<std::int64_t>& values);

}  // namespace orrery
