// Checkpoint size and the optimum interval: Young's formula, Daly's reference
// cases (tests/validation/data/checkpoint-interval.json) and the run plan's rules.
#include <cmath>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "models/parameters.hpp"
#include "sim/run/checkpoint_model.hpp"
#include "sim/run/run_plan.hpp"
#include "sim/scenario/catalog.hpp"

using namespace orrery;

TEST_CASE("Daly's reference cases: 117, 57 and 9.1 minutes") {
  std::ifstream in(std::string(ORRERY_SOURCE_DIR) + "/tests/validation/data/checkpoint-interval.json");
  REQUIRE(in);
  const auto data = nlohmann::json::parse(in);
  int cases = 0;
  for (const auto& c : data.at("reference_cases_daly")) {
    const double delta_s = c.at("checkpoint_minutes").get<double>() * 60;
    const double mtbf_s = c.at("mtbf_hours").get<double>() * 3600;
    const double published = c.at("optimal_interval_minutes").get<double>();
    const double minutes = daly_interval_s(delta_s, mtbf_s) / 60;
    INFO("MTBF " << c.at("mtbf_hours").get<double>() << " h: " << minutes << " min");
    // Published to the digits shown: 117 and 57 to the minute, 9.1 to a tenth.
    const double half_unit = published < 10 ? 0.05 : 0.5;
    CHECK(std::abs(minutes - published) <= half_unit);
    ++cases;
  }
  CHECK(cases == 3);
}

TEST_CASE("Young's interval is sqrt(2 delta M), Daly's is M once delta >= 2M") {
  // delta 5 min, M 24 h: sqrt(2 x 300 x 86,400) = 7,200 s.
  CHECK(young_interval_s(300, 86400) == Approx(7200));
  // delta 2 s, M 10,000 s: sqrt(40,000) = 200 s.
  CHECK(young_interval_s(2, 10000) == Approx(200));
  CHECK(daly_interval_s(300, 100) == 100);
  CHECK(daly_interval_s(200, 100) == 100);     // delta = 2M exactly
  CHECK(std::isinf(young_interval_s(10, INFINITY)));
  CHECK(std::isinf(daly_interval_s(10, INFINITY)));
}

TEST_CASE("Daly's expected wall time reduces to the work without failures and to M(e^(L/M) - 1) per segment") {
  // One segment of L = M, no restart: M (e - 1).
  CHECK(daly_expected_wall_s({1000}, 0, 1000) == Approx(1000 * (std::exp(1.0) - 1)));
  // Restart R multiplies by e^(R/M).
  CHECK(daly_expected_wall_s({1000, 1000}, 500, 1000) == Approx(2000 * (std::exp(1.0) - 1) * std::exp(0.5)));
  // M >> L: about the work.
  CHECK(daly_expected_wall_s({10, 20}, 5, 1e12) == Approx(30).epsilon(1e-9));
}

TEST_CASE("Checkpoint bytes: weights plus optimizer state, as the memory model counts them") {
  TrainingSpec t;
  t.precision = Precision::bf16;
  t.optimizer = "adam";
  CHECK(checkpoint_bytes_per_parameter(t) == 14);   // 2 + fp32 master 4 + two moments 8
  t.optimizer = "sgd";
  CHECK(checkpoint_bytes_per_parameter(t) == 10);   // 2 + 4 + one moment 4
  t.precision = Precision::fp32;
  CHECK(checkpoint_bytes_per_parameter(t) == 8);    // 4 + one moment 4
  t.optimizer = "adam";
  CHECK(checkpoint_bytes_per_parameter(t) == 12);   // 4 + two moments 8
}

TEST_CASE("Megatron's 1T checkpoint: 13.8 TB published, within 3%") {
  // Narayanan et al. SC'21 (megatron-sc21-table1.json "checkpointing"):
  // 1.38e13 bytes. 1.008e12 parameters x 14 bytes = 1.411e13 (+2.3%).
  const Catalog catalog = Catalog::builtin();
  Scenario s;
  s.model = catalog.model("megatron-gpt-1t", "model");
  s.training.precision = Precision::fp16;
  s.training.optimizer = "adam";
  const double bytes = checkpoint_bytes(s);
  CHECK(bytes == Approx(count_parameters(s.model).total * 14));
  CHECK(std::abs(bytes / 1.38e13 - 1) < 0.03);
}

TEST_CASE("Interval rules: whole steps, async never below the write, none without failures") {
  RunPlan p;
  p.steps = 100000;
  p.step_time_s = 7;
  p.checkpoint_write_s = 60;
  p.checkpoint_copy_s = 2;
  p.causes = {{"gpu", 0, 0, 1.0 / 36000, 1, std::nullopt}};   // job MTBF 10 h
  // Young, sync: sqrt(2 x 60 x 36,000) = 2078.46 s -> 297 steps of 7 s = 2079 s.
  CHECK(rule_interval_s(p, "young") == Approx(2079));
  // Async: the stall is the 2 s copy: sqrt(2 x 2 x 36,000) = 379.5 s -> 54 steps = 378 s.
  p.async_checkpoint = true;
  CHECK(rule_interval_s(p, "young") == Approx(378));
  // ... but never below the 60 s write... with a 1-minute MTBF the optimum would be 15.5 s.
  p.causes[0].rate_per_s = 1.0 / 60;
  CHECK(rule_interval_s(p, "young") == Approx(63));   // 60 s -> 9 steps
  // No failure: no checkpoint.
  p.causes[0].rate_per_s = 0;
  CHECK(std::isinf(rule_interval_s(p, "daly")));
  // Whole steps, at least one.
  CHECK(whole_steps_interval(2, 7) == 7);
  CHECK(whole_steps_interval(24.6, 7) == 28);
}

TEST_CASE("Async stall: the copy, plus the wait for the previous write when the interval is shorter") {
  RunPlan p;
  p.async_checkpoint = true;
  p.checkpoint_copy_s = 2;
  p.checkpoint_write_s = 30;
  p.interval_s = 100;
  CHECK(p.checkpoint_stall_s() == 2);
  p.interval_s = 20;
  CHECK(p.checkpoint_stall_s() == 12);   // 2 + (30 - 20)
  p.async_checkpoint = false;
  CHECK(p.checkpoint_stall_s() == 30);
}
