#pragma once
// Catalog entries: normalized JSON (see schema_declarations.cpp) -> spec
// structs, and the rules that tie an entry's fields together.
#include <string>

#include <nlohmann/json.hpp>

#include "hardware/specs.hpp"
#include "models/model_spec.hpp"

namespace orrery {

// `entry` must already be normalized against its section's schema. Entry
// references (a node's accelerator and links) are copied as names; objects
// leave them empty for the caller to fill in once resolved.
AcceleratorSpec accelerator_from_json(const std::string& name, const nlohmann::json& entry);
LinkSpec link_from_json(const std::string& name, const nlohmann::json& entry);
NodeSpec node_from_json(const std::string& name, const nlohmann::json& entry);
ModelSpec model_from_json(const std::string& name, const nlohmann::json& entry);

// Cross-field rules of one entry (e.g. hidden is a multiple of heads).
// `section` is "accelerators", "links", "nodes" or "models"; throws InputError.
void check_entry(const std::string& section, const nlohmann::json& entry, const std::string& path);

// "accelerators" -> "accelerator" (for messages).
std::string entry_kind(const std::string& section);

}  // namespace orrery
