#include "sim/cost/grid_intensity.hpp"

#include <stdexcept>
#include <utility>

namespace orrery {

namespace {

// Grid carbon intensity of electricity generation in 2023, gCO2e/kWh:
// Ember's yearly electricity data (2024 release) as tabulated by Our World in
// Data, "Carbon intensity of electricity generation" (lifecycle, CO2
// equivalents); world 481 and Norway 30 from Ember's 2023 figures. The US is
// the EIA's 2023 figure, 0.81 lb of CO2 per kWh (CO2 only).
const std::vector<std::pair<std::string, double>>& regions() {
  static const std::vector<std::pair<std::string, double>> table = {
      {"world", 481}, {"us", 367},     {"china", 582},  {"india", 713}, {"germany", 381},
      {"canada", 170}, {"brazil", 98}, {"france", 56}, {"norway", 30},
  };
  return table;
}

}  // namespace

const std::vector<std::string>& grid_region_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out{"custom"};
    for (const auto& [name, intensity] : regions()) out.push_back(name);
    return out;
  }();
  return names;
}

double grid_gco2_per_kwh(const CostSpec& cost) {
  if (cost.grid_region == "custom") return cost.grid_gco2_per_kwh;
  for (const auto& [name, intensity] : regions())
    if (name == cost.grid_region) return intensity;
  throw std::invalid_argument("unknown grid region \"" + cost.grid_region + "\"");
}

}  // namespace orrery
