#pragma once
// A scenario's reference to a catalog entry, resolved: either a name, or an
// object that starts from `base` (a catalog name) and overrides some fields,
// or a whole inline entry without `base`. `name` may rename the result.
#include <string>

#include <nlohmann/json.hpp>

#include "sim/scenario/catalog.hpp"
#include "sim/scenario/schema.hpp"

namespace orrery {

struct ResolvedEntry {
  std::string name;       // catalog name, the given "name", or "base (key value, ...)"
  nlohmann::json entry;   // normalized against the section's schema
};

// `section`: "accelerators", "links", "nodes" or "models". Entry references
// inside the result (a node's accelerator) are left for the caller to resolve.
ResolvedEntry resolve_entry(const Catalog& catalog, const Schema& schema, const std::string& section,
                            const nlohmann::json& value, const std::string& path);

}  // namespace orrery
