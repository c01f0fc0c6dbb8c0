#include "sim/scenario/suggest.hpp"

#include <algorithm>
#include <cctype>

namespace orrery {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  // Two-row dynamic programme: O(|a| |b|) time, O(|b|) memory.
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates,
                          std::size_t max_distance) {
  // Very long words (a pasted blob) are never a typo of a key; skip the work.
  if (word.size() > 256) return {};
  std::string best;
  std::size_t best_distance = max_distance + 1, best_length_gap = 0;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(word, c);
    // A suggestion that rewrites every character is not a suggestion.
    if (d > max_distance || d >= std::max(word.size(), c.size())) continue;
    // Ties go to the candidate of the closest length ("llama3-7b" -> "llama3-8b",
    // not "llama3-70b"), then to the earlier one.
    const std::size_t gap = word.size() > c.size() ? word.size() - c.size() : c.size() - word.size();
    if (d < best_distance || (d == best_distance && gap < best_length_gap)) {
      best = c;
      best_distance = d;
      best_length_gap = gap;
    }
  }
  return best;
}

std::string join(const std::vector<std::string>& items, const std::string& last_separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? last_separator : ", ";
    out += items[i];
  }
  return out;
}

std::string join_or(const std::vector<std::string>& items) { return join(items, " or "); }

std::vector<std::int64_t> divisors(std::int64_t n) {
  std::vector<std::int64_t> low, high;
  for (std::int64_t d = 1; d * d <= n; ++d) {
    if (n % d != 0) continue;
    low.push_back(d);
    if (d != n / d) high.push_back(n / d);
  }
  low.insert(low.end(), high.rbegin(), high.rend());
  return low;
}

std::vector<std::string> to_strings(const std::vector<std::int64_t>& values) {
  std::vector<std::string> out;
  out.reserve(values.size());
  for (auto v : values) out.push_back(std::to_string(v));
  return out;
}

}  // namespace orrery
