#pragma once
// Test helper: the models of models/catalog/models.json as ModelSpecs.
// The real loader (with schema, ranges and "did you mean") is sim/scenario's;
// this one only maps the JSON keys onto the struct and fails on any key that
// is missing or unknown, so the catalog stays in step with ModelSpec.
#include <string>
#include <vector>

#include "models/model_spec.hpp"

namespace orrery::test {

ModelSpec catalog_model(const std::string& name);
std::vector<std::string> catalog_model_names();

}  // namespace orrery::test
