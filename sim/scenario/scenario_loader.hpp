#pragma once
// Reading scenario files: JSON -> schema validation (unknown keys, types,
// ranges, with did-you-mean) -> catalog resolution with inline overrides ->
// plan consistency checks -> Scenario. Every failure is an InputError naming
// the JSON path, the value, what is allowed and a hint.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/scenario/catalog.hpp"
#include "sim/scenario/input_error.hpp"
#include "sim/scenario/scenario.hpp"

namespace orrery {

// Refuses files larger than this before reading them.
inline constexpr std::size_t kMaxScenarioBytes = 16u << 20;

// base_dir: where relative paths in the document (calibration) start; empty
// for the current directory. load_scenario_file uses the file's folder.
Scenario parse_scenario(const nlohmann::json& doc, const Catalog& catalog, const std::filesystem::path& base_dir = {});
Scenario load_scenario_file(const std::string& path, const Catalog& catalog);
// The built-in default scenario (scenarios/default.json, compiled in).
Scenario default_scenario(const Catalog& catalog);
const std::string& default_scenario_json();

// Reads and parses JSON text with size and syntax errors turned into InputError.
nlohmann::json parse_json_text(const std::string& text, const std::string& origin);
nlohmann::json read_json_file(const std::string& path);

// docs/scenario-format.md, generated from the schema declarations.
std::string scenario_format_markdown();

}  // namespace orrery
