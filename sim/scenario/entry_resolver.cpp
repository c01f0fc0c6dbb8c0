#include "sim/scenario/entry_resolver.hpp"

#include <fmt/format.h>

#include "sim/scenario/entry_specs.hpp"
#include "sim/scenario/input_error.hpp"
#include "sim/scenario/suggest.hpp"

namespace orrery {

namespace {

// How an override reads in the resolved entry's name ("llama3-70b (layers 40)").
std::string short_value(const nlohmann::json& v) {
  if (v.is_object()) return "(inline)";
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  return s.size() > 40 ? s.substr(0, 40) + "..." : s;
}

std::string string_key(const nlohmann::json& obj, const std::string& key, const std::string& path,
                       const std::string& allowed) {
  const nlohmann::json& v = obj.at(key);
  if (!v.is_string() || v.get_ref<const std::string&>().empty() || v.get_ref<const std::string&>().size() > 100)
    throw InputError(join_path(path, key), describe_value(v), allowed);
  return v.get<std::string>();
}

}  // namespace

ResolvedEntry resolve_entry(const Catalog& catalog, const Schema& schema, const std::string& section,
                            const nlohmann::json& value, const std::string& path) {
  const std::string kind = entry_kind(section);
  if (value.is_string()) {
    const std::string name = value.get<std::string>();
    return {name, catalog.raw(section, name, path)};
  }
  if (!value.is_object())
    throw InputError(path, describe_value(value),
                     "expected a " + kind + " name from the catalog, or an object with \"base\" and overrides");

  const Section& s = schema.at(section);
  std::vector<std::string> keys = s.keys();
  keys.insert(keys.begin(), {"base", "name"});
  for (const auto& [key, v] : value.items()) {
    if (key == "base" || key == "name" || s.find(key)) continue;
    const std::string close = closest_match(key, keys);
    throw InputError(join_path(path, key), "unknown key", "a " + kind + " takes " + join(keys),
                     close.empty() ? std::string() : "did you mean " + quoted(close) + "?");
  }

  nlohmann::json merged = nlohmann::json::object();
  std::string base;
  if (value.contains("base")) {
    base = string_key(value, "base", path, "expected the name of a catalog " + kind);
    merged = catalog.raw(section, base, join_path(path, "base"));
  } else {
    for (const auto& f : s.fields)
      if (f.required && !value.contains(f.key))
        throw InputError(join_path(path, f.key), "missing", "required: " + describe_allowed(f),
                         "an inline " + kind + " without \"base\" gives every required field; or start from a "
                         "catalog entry with \"base\"");
  }
  std::vector<std::string> changes;
  for (const auto& [key, v] : value.items()) {
    if (key == "base" || key == "name") continue;
    merged[key] = v;
    changes.push_back(key + " " + short_value(v));
  }

  ResolvedEntry r;
  r.entry = normalize_section(merged, s, schema, path, true);
  check_entry(section, r.entry, path);
  if (value.contains("name")) r.name = string_key(value, "name", path, "expected a name of 1 to 100 characters");
  else if (base.empty()) r.name = "custom " + kind;
  else if (changes.empty()) r.name = base;
  else r.name = fmt::format("{} ({})", base, join(changes));
  return r;
}

}  // namespace orrery
