#pragma once
// Looking up a report figure's results-JSON key ("memory.per_stage[1].peak_gib")
// and the ways the reports may format its value, for the tests that check that
// every figure shown equals the JSON.
#include <cmath>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/number_format.hpp"

namespace orrery::test {

// The value at a dotted key with [i] array indices; null if absent.
inline nlohmann::json json_at(const nlohmann::json& j, const std::string& key) {
  const nlohmann::json* at = &j;
  std::size_t i = 0;
  while (i < key.size()) {
    std::size_t end = key.find_first_of(".[", i);
    if (end == std::string::npos) end = key.size();
    if (end > i) {
      const std::string name = key.substr(i, end - i);
      if (!at->is_object() || !at->contains(name)) return nullptr;
      at = &at->at(name);
    }
    i = end;
    if (i < key.size() && key[i] == '[') {
      const std::size_t close = key.find(']', i);
      const std::size_t index = std::stoul(key.substr(i + 1, close - i - 1));
      if (!at->is_array() || index >= at->size()) return nullptr;
      at = &(*at)[index];
      i = close + 1;
    }
    if (i < key.size() && key[i] == '.') ++i;
  }
  return *at;
}

// Every way the reports write a value: text as is, integers in full, numbers
// with three significant digits, with a k/M/B/T suffix, or as a percentage.
inline std::set<std::string> shown_forms(const nlohmann::json& v) {
  if (v.is_string()) return {v.get<std::string>()};
  if (v.is_boolean()) return {v.get<bool>() ? "true" : "false"};
  if (!v.is_number()) return {};
  // Rounding noise (|v| < 1e-9) is shown as 0 (report_tables.hpp: tidy).
  const double d = std::fabs(v.get<double>()) < 1e-9 ? 0.0 : v.get<double>();
  std::set<std::string> forms{format_3sig(d), format_scaled(d), format_percent(d)};
  if (v.is_number_integer()) forms.insert(v.dump());
  return forms;
}

// Undoes escape_xml.
inline std::string unescape_html(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const std::size_t semi = s.find(';', i);
    const std::string e = s.substr(i, semi - i + 1);
    out += e == "&amp;" ? "&" : e == "&lt;" ? "<" : e == "&gt;" ? ">" : e == "&quot;" ? "\"" : e == "&#39;" ? "'" : e;
    i = semi;
  }
  return out;
}

}  // namespace orrery::test
