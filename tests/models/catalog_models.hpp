#pragma once
// Test helper: the models of models/catalog/models.json as ModelSpecs, read
// by sim/scenario's catalog loader (schema-validated, as scenarios see them).
#include <string>
#include <vector>

#include "models/model_spec.hpp"

namespace orrery::test {

ModelSpec catalog_model(const std::string& name);
std::vector<std::string> catalog_model_names();

}  // namespace orrery::test
