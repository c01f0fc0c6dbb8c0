#pragma once
// Catalog: named accelerators, links, nodes and models. The built-in
// catalogs (hardware/catalog/*.json, models/catalog/*.json) are compiled into
// the binary, so `orrery` runs from any directory. Users add folders of JSON
// files (--catalog DIR, or ORRERY_CATALOG=DIR1:DIR2); a name defined twice is
// an error. Every entry is validated against its schema (sim/scenario/schema).
//
// File format: an object with any of the sections "accelerators", "links",
// "nodes", "models"; each maps an entry name to an object whose keys are the
// member names of the matching spec struct (the name itself is the key).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hardware/specs.hpp"
#include "models/model_spec.hpp"

namespace orrery {

class Catalog {
public:
  // The built-in entries only.
  static Catalog builtin();
  // Built-in + ORRERY_CATALOG folders + `extra_dirs`, in that order.
  static Catalog load(const std::vector<std::string>& extra_dirs);

  // Adds every *.json file of `dir` (sorted by name, for determinism).
  void add_directory(const std::filesystem::path& dir);
  // Adds one catalog document; `origin` names it in errors.
  void add_document(const nlohmann::json& doc, const std::string& origin);

  const AcceleratorSpec& accelerator(const std::string& name, const std::string& json_path = "") const;
  const LinkSpec& link(const std::string& name, const std::string& json_path = "") const;
  const NodeSpec& node(const std::string& name, const std::string& json_path = "") const;
  const ModelSpec& model(const std::string& name, const std::string& json_path = "") const;

  // The raw (validated) JSON of an entry, for inline overrides.
  const nlohmann::json& raw(const std::string& section, const std::string& name,
                            const std::string& json_path = "") const;

  std::vector<std::string> names(const std::string& section) const;   // sorted

private:
  std::map<std::string, std::map<std::string, nlohmann::json>> raw_;   // section -> name -> entry
  std::map<std::string, std::map<std::string, std::string>> origin_;   // where each was defined
  std::map<std::string, AcceleratorSpec> accelerators_;
  std::map<std::string, LinkSpec> links_;
  std::map<std::string, NodeSpec> nodes_;
  std::map<std::string, ModelSpec> models_;
};

}  // namespace orrery
