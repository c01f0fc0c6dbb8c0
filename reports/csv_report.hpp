#pragma once
// The results as CSV, one row per metric: `key,value,unit`, with the results
// JSON's own dotted keys (docs/results-format.md), array elements as
// `memory.per_stage[0].peak_gib`, in the JSON's (sorted) order. Numbers are
// written as the JSON writes them (shortest round trip), so a spreadsheet and
// a script reading the JSON see the same values.
#include <string>

#include <nlohmann/json.hpp>

namespace orrery {

std::string render_csv_report(const nlohmann::json& results);

// The unit of a results key, from the naming convention (`_s` seconds, `_gib`,
// `_mwh`, `usd`, ...; docs/results-format.md); empty for counts, names and
// flags.
std::string unit_of_key(const std::string& key);

// One CSV field, RFC 4180 quoted when needed; a text value that a spreadsheet
// would run as a formula (= + - @ first) gets a leading apostrophe.
std::string csv_field(const std::string& s, bool text);

}  // namespace orrery
