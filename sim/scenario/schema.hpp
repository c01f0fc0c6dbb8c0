#pragma once
// The parameter declarations (DESIGN.md rule 7): every key of a scenario file
// and of a catalog entry is declared once, as a Field, with its type, unit,
// default, allowed range and meaning. The same declarations validate input
// (normalize_section) and generate docs/scenario-format.md.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace orrery {

enum class FieldType {
  integer,   // whole number within [min, max]; 8.0 and 1e3 count, 8.5 does not
  number,    // finite number within [min, max]
  boolean,
  string,    // length within [min, max] characters when max > 0
  choice,    // one of `choices`
  entry,     // a catalog name in section `target` (or, in scenarios, an inline object)
  section,   // a nested object declared by the Section with id `target`
};

// Members all have default initializers so declarations can name only what
// they set (designated initializers).
struct Field {
  std::string key{};
  FieldType type = FieldType::number;
  std::string unit{};                               // "" when dimensionless
  std::string doc{};                                // one line: what it means
  nlohmann::json default_value{};                   // null: required or derived
  bool required = false;
  double min = 0;                                   // inclusive
  double max = 0;
  std::vector<std::string> choices{};
  std::map<std::string, std::string> planned{};     // choice values that arrive later -> note
  std::string target{};                             // entry: catalog section; section: Section id
  std::string default_note{};                       // docs: a default derived from other fields
  std::string note{};                               // why the range is what it is
};

struct Section {
  std::string id{};      // JSON path of the section ("" for the top level) or catalog section
  std::string title{};
  std::string doc{};
  std::vector<Field> fields{};
  std::map<std::string, std::string> planned_keys{};  // keys that arrive later -> note

  const Field* find(const std::string& key) const;
  std::vector<std::string> keys() const;
};

struct Schema {
  std::vector<Section> sections;   // in documentation order
  const Section& at(const std::string& id) const;
};

// All declarations: the scenario sections, then the four catalog entry kinds
// (ids "accelerators", "links", "nodes", "models").
Schema make_schema();

// Validates `value` against `section` and returns it with defaults filled in
// and integers stored as integers. Throws InputError naming `path`.
// `inline_entries`: entry fields may be objects (scenarios) or only names
// (catalog files, which refer to each other by name).
nlohmann::json normalize_section(const nlohmann::json& value, const Section& section, const Schema& schema,
                                 const std::string& path, bool inline_entries);
nlohmann::json normalize_field(const nlohmann::json& value, const Field& field, const Schema& schema,
                               const std::string& path, bool inline_entries);

// Message pieces shared by every error.
std::string join_path(const std::string& parent, const std::string& key);
std::string describe_value(const nlohmann::json& value);   // "the string \"8\"", "8.5", "an object"
std::string describe_allowed(const Field& field);          // "an integer from 1 to 1024"
std::string format_number(double v);                      // 16384, 0.5, 1e+12
std::string quoted(const std::string& s);                  // "s" (JSON-escaped, truncated)

}  // namespace orrery
