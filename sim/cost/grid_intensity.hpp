#pragma once
// Grid carbon intensity by region: 2023 figures in gCO2e/kWh as collected in
// docs/sources/hardware-datasheets.md (the US figure counts CO2 only). The
// scenario schema declares the same names for cost.grid_region.
#include <string>
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace orrery {

const std::vector<std::string>& grid_region_names();          // "custom" first
// The intensity the run uses: the region's preset, or cost.grid_gco2_per_kwh
// for "custom". Throws std::invalid_argument for an unknown region.
double grid_gco2_per_kwh(const CostSpec& cost);

}  // namespace orrery
