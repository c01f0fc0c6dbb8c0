#include "catalog_models.hpp"

#include "sim/scenario/catalog.hpp"

namespace orrery::test {

// The real loader: the same schema validation a scenario gets.
ModelSpec catalog_model(const std::string& name) { return Catalog::builtin().model(name); }

std::vector<std::string> catalog_model_names() { return Catalog::builtin().names("models"); }

}  // namespace orrery::test
