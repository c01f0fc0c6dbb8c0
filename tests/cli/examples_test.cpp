// Every example scenario a user is pointed at runs, fits in memory and gives
// a step time. The largest (16,384 GPUs) is bench_step's job, not a test's.
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "run_orrery.hpp"

namespace fs = std::filesystem;

TEST_CASE("every example scenario up to 4,096 GPUs runs and fits") {
  const fs::path dir = fs::path(ORRERY_SOURCE_DIR) / "scenarios" / "examples";
  const fs::path out = orrery::test::fresh_temp_dir("cli-examples");
  int ran = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const auto scenario = nlohmann::json::parse(in);
    if (scenario.at("cluster").at("nodes").get<int>() > 512) continue;  // at most 4,096 GPUs on 8-GPU nodes
    INFO(entry.path().filename().string());
    const fs::path json = out / entry.path().filename();
    const auto r = orrery::test::run_orrery("run " + entry.path().string() + " -q --json " + json.string());
    REQUIRE(r.code == 0);
    std::ifstream results(json);
    const auto j = nlohmann::json::parse(results);
    CHECK(j.at("memory").at("fits").get<bool>());
    CHECK(j.at("step").at("time_s").get<double>() > 0);
    ++ran;
  }
  CHECK(ran >= 3);
}
