// Patterson et al. 2021, Table 4 (tests/validation/data/patterson-2021-energy.json):
// with the published average power per chip as the all-in power input, the
// run's energy and operational carbon agree within 2% with every row.
//   energy = hours x chips x W x PUE;  tCO2e = energy x kgCO2e/kWh
// The run is failure-free, days x 86400 s of productive time.
#include <cmath>
#include <cstdio>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sim/cost/run_cost.hpp"

using namespace orrery;

TEST_CASE("Patterson 2021 Table 4: energy and CO2e within 2% of every row") {
  std::ifstream in(std::string(ORRERY_SOURCE_DIR) + "/tests/validation/data/patterson-2021-energy.json");
  REQUIRE(in);
  const auto data = nlohmann::json::parse(in);
  std::printf("\n%-12s %6s %7s %10s %10s %7s %9s %9s %7s\n", "model", "chips", "days", "MWh pub", "MWh pred", "error",
              "t pub", "t pred", "error");
  int rows = 0;
  for (const auto& row : data.at("rows")) {
    const int chips = row.at("chips").get<int>();
    REQUIRE(chips % 8 == 0);
    Scenario s;
    s.cluster.node.gpus_per_node = 8;
    s.cluster.nodes = chips / 8;
    s.training.total_tokens = 1e12;
    s.cost.average_power_w_per_gpu = row.at("average_watts_per_chip").get<double>();
    s.cost.pue = row.at("pue").get<double>();
    s.cost.grid_gco2_per_kwh = row.at("kg_co2e_per_kwh").get<double>() * 1000;
    RunSimulation run;
    run.trials = 1;
    run.time_mean.productive_s = row.at("days").get<double>() * 86400;
    const RunCost c = estimate_cost(s, StepResult{}, run);

    const double mwh = row.at("energy_mwh").get<double>(), t = row.at("tco2e").get<double>();
    const double mwh_err = c.energy_mwh / mwh - 1, t_err = c.tco2e / t - 1;
    std::printf("%-12s %6d %7.1f %10.1f %10.1f %+6.1f%% %9.1f %9.1f %+6.1f%%\n",
                row.at("model").get<std::string>().c_str(), chips, row.at("days").get<double>(), mwh, c.energy_mwh,
                100 * mwh_err, t, c.tco2e, 100 * t_err);
    INFO(row.at("model").get<std::string>());
    CHECK(std::abs(mwh_err) < 0.02);
    CHECK(std::abs(t_err) < 0.02);
    ++rows;
  }
  CHECK(rows == 5);
}
