#include "sim/scenario/schema.hpp"

#include <climits>
#include <cmath>

#include <fmt/format.h>

#include "sim/scenario/input_error.hpp"
#include "sim/scenario/suggest.hpp"

namespace orrery {

const Field* Section::find(const std::string& key) const {
  for (const auto& f : fields)
    if (f.key == key) return &f;
  return nullptr;
}

std::vector<std::string> Section::keys() const {
  std::vector<std::string> out;
  for (const auto& f : fields) out.push_back(f.key);
  return out;
}

const Section& Schema::at(const std::string& id) const {
  for (const auto& s : sections)
    if (s.id == id) return s;
  // A declaration bug, not bad input: every target is declared in make_schema.
  throw std::logic_error("orrery schema: no section \"" + id + "\"");
}

std::string join_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string format_number(double v) { return fmt::format("{}", v); }

std::string quoted(const std::string& s) {
  // Error messages quote user text; keep them one line and bounded.
  constexpr std::size_t kMax = 60;
  const std::string cut = s.size() > kMax ? s.substr(0, kMax) : s;
  std::string out = nlohmann::json(cut).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() > kMax) out.insert(out.size() - 1, "...");
  return out;
}

std::string describe_value(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::string: return "the string " + quoted(v.get<std::string>());
    case nlohmann::json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::number_float: {
      const double d = v.get<double>();
      if (std::isnan(d)) return "NaN";
      if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
      return v.dump();
    }
    default: return v.dump();
  }
}

namespace {

std::string with_unit(const std::string& text, const Field& f) {
  return f.unit.empty() ? text : text + " " + f.unit;
}

std::string quoted_list(const std::vector<std::string>& items) {
  std::vector<std::string> q;
  for (const auto& i : items) q.push_back(quoted(i));
  return join(q);
}

[[noreturn]] void type_error(const nlohmann::json& v, const Field& f, const std::string& path,
                             std::string hint = {}) {
  if (hint.empty() && v.is_string() && f.type != FieldType::string && f.type != FieldType::choice) {
    const auto& s = v.get_ref<const std::string&>();
    if (s == "true" || s == "false") hint = "write " + s + " without quotes";
    else if (!s.empty() && s.size() < 40 && s.find_first_not_of("0123456789+-.eE") == std::string::npos)
      hint = "write numbers without quotes: " + s;
  }
  throw InputError(path, describe_value(v), "expected " + describe_allowed(f), hint);
}

nlohmann::json normalize_integer(const nlohmann::json& v, const Field& f, const std::string& path) {
  if (!v.is_number()) type_error(v, f, path);
  const double d = v.get<double>();
  if (!std::isfinite(d)) type_error(v, f, path, "numbers must be finite");
  if (v.is_number_float() && d != std::floor(d))
    throw InputError(path, describe_value(v), "expected " + describe_allowed(f),
                     fmt::format("use a whole number: {} or {}", format_number(std::floor(d)),
                                 format_number(std::ceil(d))));
  if (d < f.min || d > f.max) {
    std::string hint = f.note;
    if (std::fabs(d) > static_cast<double>(INT_MAX))
      hint = (hint.empty() ? "" : hint + "; ") + "the value does not even fit in a 32-bit integer";
    throw InputError(path, describe_value(v), "expected " + describe_allowed(f), hint);
  }
  // In range, so it fits in int64 whichever way nlohmann stored it.
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<std::int64_t>();
  if (v.is_number_unsigned()) return static_cast<std::int64_t>(v.get<std::uint64_t>());
  return static_cast<std::int64_t>(d);
}

nlohmann::json normalize_number(const nlohmann::json& v, const Field& f, const std::string& path) {
  if (!v.is_number()) type_error(v, f, path);
  const double d = v.get<double>();
  if (!std::isfinite(d)) type_error(v, f, path, "numbers must be finite");
  if (d < f.min || d > f.max)
    throw InputError(path, describe_value(v), "expected " + describe_allowed(f), f.note);
  return d;
}

nlohmann::json normalize_choice(const nlohmann::json& v, const Field& f, const std::string& path) {
  if (!v.is_string()) type_error(v, f, path);
  const auto& s = v.get_ref<const std::string&>();
  for (const auto& c : f.choices)
    if (c == s) return v;
  if (auto it = f.planned.find(s); it != f.planned.end())
    throw InputError(path, quoted(s), "not supported yet; supported: " + quoted_list(f.choices), it->second);
  const std::string close = closest_match(s, f.choices);
  throw InputError(path, quoted(s), "expected " + describe_allowed(f),
                   close.empty() ? std::string() : "did you mean " + quoted(close) + "?");
}

}  // namespace

std::string describe_allowed(const Field& f) {
  switch (f.type) {
    case FieldType::integer:
      return with_unit(fmt::format("an integer from {} to {}", format_number(f.min), format_number(f.max)), f);
    case FieldType::number:
      return with_unit(fmt::format("a number from {} to {}", format_number(f.min), format_number(f.max)), f);
    case FieldType::boolean: return "true or false";
    case FieldType::string:
      if (f.max <= 0) return "a string";
      if (f.min > 0) return fmt::format("a string of {} to {} characters", format_number(f.min), format_number(f.max));
      return fmt::format("a string of at most {} characters", format_number(f.max));
    case FieldType::choice: return "one of " + quoted_list(f.choices);
    case FieldType::entry: return "a name from the " + f.target + " catalog, or an object with \"base\" and overrides";
    case FieldType::section: return "an object";
  }
  return "?";
}

nlohmann::json normalize_field(const nlohmann::json& v, const Field& f, const Schema& schema,
                               const std::string& path, bool inline_entries) {
  switch (f.type) {
    case FieldType::integer: return normalize_integer(v, f, path);
    case FieldType::number: return normalize_number(v, f, path);
    case FieldType::boolean:
      if (!v.is_boolean()) type_error(v, f, path);
      return v;
    case FieldType::string: {
      if (!v.is_string()) type_error(v, f, path);
      const double n = static_cast<double>(v.get_ref<const std::string&>().size());
      if (f.max > 0 && (n < f.min || n > f.max))
        throw InputError(path, fmt::format("{} ({} characters)", describe_value(v), format_number(n)),
                         "expected " + describe_allowed(f));
      return v;
    }
    case FieldType::choice: return normalize_choice(v, f, path);
    case FieldType::entry:
      if (v.is_string() && !v.get_ref<const std::string&>().empty()) return v;
      if (v.is_object() && inline_entries) return v;   // resolved against the catalog later
      if (v.is_object())
        throw InputError(path, "an object", "expected a name from the " + f.target + " catalog",
                         "catalog entries refer to each other by name; inline objects are for scenario files");
      throw InputError(path, describe_value(v),
                       "expected " + (inline_entries ? describe_allowed(f)
                                                      : "a name from the " + f.target + " catalog"));
    case FieldType::section: return normalize_section(v, schema.at(f.target), schema, path, inline_entries);
  }
  return v;
}

nlohmann::json normalize_section(const nlohmann::json& value, const Section& section, const Schema& schema,
                                 const std::string& path, bool inline_entries) {
  const std::string label = path.empty() ? std::string("the top level") : path;
  if (!value.is_object())
    throw InputError(path, describe_value(value), "expected an object (" + section.title + ")");

  for (const auto& [key, v] : value.items()) {
    if (section.find(key)) continue;
    const std::string where = join_path(path, key);
    if (auto it = section.planned_keys.find(key); it != section.planned_keys.end())
      throw InputError(where, "not supported yet", it->second, "remove the key for now");
    const std::string close = closest_match(key, section.keys());
    throw InputError(where, "unknown key", label + " takes " + join(section.keys()),
                     close.empty() ? std::string() : "did you mean " + quoted(close) + "?");
  }

  nlohmann::json out = nlohmann::json::object();
  for (const auto& f : section.fields) {
    const std::string where = join_path(path, f.key);
    if (auto it = value.find(f.key); it != value.end()) {
      out[f.key] = normalize_field(*it, f, schema, where, inline_entries);
    } else if (f.required) {
      throw InputError(where, "missing", "required: " + describe_allowed(f), f.doc);
    } else if (f.type == FieldType::section) {
      out[f.key] = normalize_section(nlohmann::json::object(), schema.at(f.target), schema, where, inline_entries);
    } else if (!f.default_value.is_null()) {
      out[f.key] = f.default_value;
    }
  }
  return out;
}

}  // namespace orrery
