#include "reports/csv_report.hpp"

#include <array>
#include <string_view>
#include <vector>

namespace orrery {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

// The unit a key's last name gives, or empty.
std::string unit_of_name(std::string_view name) {
  struct Rule {
    std::string_view suffix;
    std::string_view unit;
  };
  // First match wins: the longer, more specific names come first.
  static constexpr std::array<Rule, 23> rules{{
      {"usd_per_gpu_hour", "USD/GPU-hour"},
      {"usd_per_node_hour", "USD/node-hour"},
      {"usd_per_kwh", "USD/kWh"},
      {"usd_per_million_tokens", "USD/million tokens"},
      {"gco2_per_kwh", "gCO2e/kWh"},
      {"tokens_per_s", "tokens/s"},
      {"tflops_per_gpu", "TFLOP/s"},
      {"_w_per_gpu", "W"},
      {"_gb_per_s", "GB/s"},
      {"gpu_hours", "GPU-hours"},
      {"tco2e", "tCO2e"},
      {"_mwh", "MWh"},
      {"_gib", "GiB"},
      {"_bytes", "bytes"},
      {"_usd", "USD"},
      {"usd", "USD"},
      {"_hours", "hours"},
      {"seconds", "s"},
      {"_s", "s"},
      {"_w", "W"},
      {"flops", "FLOP"},
      {"days", "days"},
      {"steps", "steps"},
  }};
  // "_mwh" matches energy_mwh and a bare mwh (the parent of mwh_by_cause.*).
  for (const Rule& r : rules)
    if (ends_with(name, r.suffix) || (r.suffix.front() == '_' && name == r.suffix.substr(1)))
      return std::string(r.unit);
  if (name.starts_with("days_")) return "days";  // days_p50, days_mean
  if (name == "mfu" || name == "hfu" || name == "ettr" || name.starts_with("ettr_") || name.ends_with("_fraction"))
    return "fraction";   // ettr_p10 ...
  return {};
}

void rows(const nlohmann::json& j, const std::string& key, std::string& out) {
  // Keys are built with appends: GCC 12 warns falsely (-Wrestrict) on "." + string.
  if (j.is_object()) {
    for (const auto& [name, value] : j.items()) {
      std::string child = key;
      if (!child.empty()) child += '.';
      child += name;
      rows(value, child, out);
    }
    return;
  }
  if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) {
      std::string child = key;
      child += '[';
      child += std::to_string(i);
      child += ']';
      rows(j[i], child, out);
    }
    return;
  }
  const bool text = j.is_string();
  const std::string value = text ? j.get<std::string>() : j.is_null() ? std::string() : j.dump();
  out += csv_field(key, false);
  out += ',';
  out += csv_field(value, text);
  out += ',';
  out += csv_field(text || j.is_boolean() ? std::string() : unit_of_key(key), false);
  out += "\r\n";
}

}  // namespace

// RFC 4180 quoting; a text value that a spreadsheet would run as a formula
// (= + - @ first) gets a leading apostrophe (OWASP's CSV-injection advice).
std::string csv_field(const std::string& s, bool text) {
  std::string v;
  if (text && !s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos) v += '\'';
  v += s;
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string q = "\"";
  for (const char c : v) {
    if (c == '"') q += '"';
    q += c;
  }
  q += '"';
  return q;
}

std::string unit_of_key(const std::string& key) {
  // The names along the key, array indices dropped:
  // "memory.per_stage[0].peak_gib" -> memory, per_stage, peak_gib.
  std::vector<std::string> names(1);
  bool in_index = false;
  for (const char c : key) {
    if (c == '[') in_index = true;
    else if (c == ']') in_index = false;
    else if (in_index) continue;
    else if (c == '.') names.emplace_back();
    else names.back() += c;
  }
  std::string unit = unit_of_name(names.back());
  if (!unit.empty() || names.size() < 2) return unit;
  // A by-cause entry is in its parent's unit: cost.by_cause.rework is dollars
  // (the cost section's money), cost.mwh_by_cause.rework megawatt-hours,
  // run.interruptions_by_cause.gpu a count.
  const std::string& parent = names[names.size() - 2];
  if (parent == "by_cause") return names.size() >= 3 && names[names.size() - 3] == "cost" ? "USD" : std::string();
  if (parent.ends_with("_by_cause")) return unit_of_name(parent.substr(0, parent.size() - 9));
  return {};
}

std::string render_csv_report(const nlohmann::json& results) {
  std::string out = "key,value,unit\r\n";
  rows(results, "", out);
  return out;
}

}  // namespace orrery
