#include "sim/scenario/catalog.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

#include "sim/scenario/embedded_files.hpp"
#include "sim/scenario/entry_specs.hpp"
#include "sim/scenario/input_error.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/scenario/schema.hpp"
#include "sim/scenario/suggest.hpp"

namespace orrery {

namespace {

constexpr std::array<std::string_view, 4> kSections = {"accelerators", "links", "nodes", "models"};

std::vector<std::string> section_names() { return {kSections.begin(), kSections.end()}; }

bool is_section(const std::string& s) {
  return std::find(kSections.begin(), kSections.end(), s) != kSections.end();
}

void check_entry_name(const std::string& name, const std::string& path) {
  const bool bad_char = std::any_of(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) <= ' ' || c == '\x7f';
  });
  if (name.empty() || name.size() > 100 || bad_char)
    throw InputError(path, quoted(name), "an entry name is 1 to 100 characters without spaces",
                     "use names like \"h100-sxm\" or \"llama3-70b\"");
}

void add_directory_from(Catalog& catalog, const std::string& dir, const std::string& setting) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError(setting, quoted(dir), fs::exists(dir, ec) ? "is not a directory" : "no such directory",
                     setting + " names folders of catalog *.json files");
  catalog.add_directory(dir);
}

}  // namespace

Catalog Catalog::builtin() {
  Catalog c;
  for (const auto& f : embedded_files()) {
    if (!f.path.starts_with("hardware/catalog/") && !f.path.starts_with("models/catalog/")) continue;
    const std::string origin = "builtin:" + std::string(f.path);
    c.add_document(parse_json_text(std::string(f.text), origin), origin);
  }
  return c;
}

Catalog Catalog::load(const std::vector<std::string>& extra_dirs) {
  Catalog c = builtin();
  if (const char* env = std::getenv("ORRERY_CATALOG"); env != nullptr) {
    const std::string list = env;
    std::size_t start = 0;
    while (start <= list.size()) {
      const std::size_t end = std::min(list.find(':', start), list.size());
      if (end > start) add_directory_from(c, list.substr(start, end - start), "ORRERY_CATALOG");
      start = end + 1;
    }
  }
  for (const auto& dir : extra_dirs) add_directory_from(c, dir, "--catalog");
  return c;
}

void Catalog::add_directory(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".json" && it->is_regular_file(ec)) files.push_back(it->path());
  if (ec) throw InputError(dir.string(), "unreadable directory", "expected a folder of catalog *.json files", ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) add_document(read_json_file(f.string()), f.string());
}

void Catalog::add_document(const nlohmann::json& doc, const std::string& origin) {
  const Schema schema = make_schema();
  if (!doc.is_object())
    throw InputError(origin, describe_value(doc),
                     "expected an object with any of the sections " + join(section_names()));

  // Validate everything first, so a bad document leaves the catalog unchanged.
  struct Staged {
    std::string section, name;
    nlohmann::json entry;
  };
  std::vector<Staged> staged;
  for (const auto& [section, entries] : doc.items()) {
    if (!is_section(section)) {
      const std::string close = closest_match(section, section_names());
      throw InputError(origin + ": " + section, "unknown section", "a catalog file has " + join(section_names()),
                       close.empty() ? std::string() : "did you mean " + quoted(close) + "?");
    }
    if (!entries.is_object())
      throw InputError(origin + ": " + section, describe_value(entries), "expected an object: entry name -> entry");
    for (const auto& [name, entry] : entries.items()) {
      const std::string path = origin + ": " + section + "." + name;
      check_entry_name(name, path);
      if (auto it = origin_[section].find(name); it != origin_[section].end())
        throw InputError(path, "defined twice",
                         fmt::format("{} \"{}\" is already defined in {}", entry_kind(section), name, it->second),
                         "rename one of them; to change an entry, override it inline in the scenario "
                         "(\"base\" + fields)");
      nlohmann::json normalized = normalize_section(entry, schema.at(section), schema, path, false);
      check_entry(section, normalized, path);
      staged.push_back({section, name, std::move(normalized)});
    }
  }

  for (auto& s : staged) {
    if (s.section == "accelerators") accelerators_[s.name] = accelerator_from_json(s.name, s.entry);
    else if (s.section == "links") links_[s.name] = link_from_json(s.name, s.entry);
    else if (s.section == "nodes") nodes_[s.name] = node_from_json(s.name, s.entry);
    else models_[s.name] = model_from_json(s.name, s.entry);
    origin_[s.section][s.name] = origin;
    raw_[s.section][s.name] = std::move(s.entry);
  }
}

namespace {

[[noreturn]] void unknown_entry(const Catalog& c, const std::string& section, const std::string& name,
                                const std::string& json_path) {
  const std::vector<std::string> names = c.names(section);
  const std::string kind = entry_kind(section);
  std::string hint;
  if (names.empty()) {
    hint = "the catalog has no " + section + "; add a folder of catalog files with --catalog or ORRERY_CATALOG";
  } else {
    const std::string close = closest_match(name, names);
    if (!close.empty()) hint = "did you mean " + quoted(close) + "? ";
    constexpr std::size_t kShown = 40;
    std::vector<std::string> shown(names.begin(), names.begin() + std::min(names.size(), kShown));
    hint += "available: " + join(shown);
    if (names.size() > kShown) hint += fmt::format(" and {} more", names.size() - kShown);
  }
  throw InputError(json_path.empty() ? section : json_path, quoted(name), "unknown " + kind, hint);
}

template <class Map>
const typename Map::mapped_type& find_or_throw(const Catalog& c, const Map& m, const std::string& section,
                                               const std::string& name, const std::string& json_path) {
  auto it = m.find(name);
  if (it == m.end()) unknown_entry(c, section, name, json_path);
  return it->second;
}

}  // namespace

const AcceleratorSpec& Catalog::accelerator(const std::string& name, const std::string& json_path) const {
  return find_or_throw(*this, accelerators_, "accelerators", name, json_path);
}
const LinkSpec& Catalog::link(const std::string& name, const std::string& json_path) const {
  return find_or_throw(*this, links_, "links", name, json_path);
}
const NodeSpec& Catalog::node(const std::string& name, const std::string& json_path) const {
  return find_or_throw(*this, nodes_, "nodes", name, json_path);
}
const ModelSpec& Catalog::model(const std::string& name, const std::string& json_path) const {
  return find_or_throw(*this, models_, "models", name, json_path);
}

const nlohmann::json& Catalog::raw(const std::string& section, const std::string& name,
                                   const std::string& json_path) const {
  if (!is_section(section))
    throw InputError(json_path, quoted(section), "expected a catalog section: " + join(section_names()));
  auto s = raw_.find(section);
  if (s == raw_.end()) unknown_entry(*this, section, name, json_path);
  return find_or_throw(*this, s->second, section, name, json_path);
}

std::vector<std::string> Catalog::names(const std::string& section) const {
  std::vector<std::string> out;
  if (auto s = raw_.find(section); s != raw_.end())
    for (const auto& [name, entry] : s->second) out.push_back(name);
  return out;   // std::map keeps them sorted
}

}  // namespace orrery
