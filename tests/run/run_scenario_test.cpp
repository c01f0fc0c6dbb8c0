// The run's scenario sections: defaults, how they reach the Scenario, and
// the errors that only make sense together.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sim/run/run_plan.hpp"
#include "sim/scenario/input_error.hpp"
#include "sim/scenario/scenario_loader.hpp"

using namespace orrery;
using nlohmann::json;

namespace {

json base() {
  return json::parse(R"({"name": "t", "seed": 9, "model": "llama3-8b",
    "cluster": {"node": "dgx-h100", "nodes": 4},
    "training": {"seq_len": 4096, "global_batch": 64, "total_tokens": 1e10},
    "parallelism": {"tp": 8, "pp": 1}})");
}

Scenario parse(const json& doc) { return parse_scenario(doc, Catalog::builtin()); }

std::string error_of(const json& doc) {
  try {
    parse(doc);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("The run sections default to the declared values, failures.seed to the scenario's seed") {
  const Scenario s = parse(base());
  CHECK(s.failures.preset == "default");
  CHECK(s.failures.trials == 100);
  CHECK(s.failures.seed == 9);
  CHECK(s.failures.rate_overrides.empty());
  CHECK(s.recovery.spare_nodes == 0);
  CHECK(s.checkpoint.interval == "auto");
  CHECK(s.cost.pricing == "on_demand");
  CHECK(s.cost.grid_region == "custom");
}

TEST_CASE("The run sections reach the Scenario") {
  json doc = base();
  doc["failures"] = {{"preset", "meta-rsc2"}, {"seed", 5}, {"trials", 7}, {"distribution", "weibull"},
                     {"rates_per_million_hours", {{"hbm", 12.5}}}};
  doc["recovery"] = {{"spare_nodes", 3}, {"repair_hours", 6}, {"maintenance_interval_hours", 100},
                     {"detection_s_by_cause", {{"sdc", 7200}}}};
  doc["checkpoint"] = {{"interval", "fixed"}, {"interval_s", 1800}, {"mode", "async"}};
  doc["stragglers"] = {{"jitter_fraction", 0.01}};
  doc["cost"] = {{"pricing", "owned"}, {"capex_usd_per_gpu", 40000}, {"grid_region", "norway"}};
  const Scenario s = parse(doc);
  CHECK(s.failures.preset == "meta-rsc2");
  CHECK(s.failures.seed == 5);
  CHECK(s.failures.trials == 7);
  CHECK(s.failures.distribution == "weibull");
  CHECK(s.failures.rate_overrides == std::map<std::string, double>{{"hbm", 12.5}});
  CHECK(s.recovery.spare_nodes == 3);
  CHECK(s.recovery.repair_hours == 6);
  CHECK(s.recovery.maintenance_interval_hours == 100);
  CHECK(s.recovery.detection_overrides == std::map<std::string, double>{{"sdc", 7200}});
  CHECK(s.checkpoint.interval_s == 1800);
  CHECK(s.checkpoint.mode == "async");
  CHECK(s.stragglers.jitter_fraction == 0.01);
  CHECK(s.cost.capex_usd_per_gpu == 40000);
  CHECK(s.cost.grid_region == "norway");
}

TEST_CASE("Owned hardware needs its price, a grid region and an intensity do not go together") {
  json doc = base();
  doc["cost"] = {{"pricing", "owned"}};
  CHECK_THAT(error_of(doc), Catch::Contains("cost.capex_usd_per_gpu: 0"));
  doc = base();
  doc["cost"] = {{"grid_region", "france"}, {"grid_gco2_per_kwh", 50}};
  CHECK_THAT(error_of(doc), Catch::Contains("cost.grid_gco2_per_kwh: 50"));
  CHECK_THAT(error_of(doc), Catch::Contains("give one of the two"));
}

TEST_CASE("Bad run inputs name the key, with a suggestion") {
  json doc = base();
  doc["failures"] = {{"rates_per_million_hours", {{"hmb", 1}}}};
  CHECK_THAT(error_of(doc), Catch::Contains("failures.rates_per_million_hours.hmb"));
  CHECK_THAT(error_of(doc), Catch::Contains("did you mean \"hbm\"?"));
  doc = base();
  doc["failures"] = {{"preset", "llama"}};
  CHECK_THAT(error_of(doc), Catch::Contains("did you mean \"llama3\"?"));
  doc = base();
  doc["checkpoint"] = {{"interval", "dally"}};
  CHECK_THAT(error_of(doc), Catch::Contains("did you mean \"daly\"?"));
  doc = base();
  doc["recovery"] = {{"spare_nodes", -1}};
  CHECK_THAT(error_of(doc), Catch::Contains("recovery.spare_nodes: -1"));
  doc = base();
  doc["recovery"] = {{"detection_s_by_cause", {{"softwre", 1800}}}};
  CHECK_THAT(error_of(doc), Catch::Contains("recovery.detection_s_by_cause.softwre"));
  CHECK_THAT(error_of(doc), Catch::Contains("did you mean \"software\"?"));
}

TEST_CASE("The plan follows the scenario: 1e10 tokens / (64 x 4096) steps, storage times from the bytes") {
  const Scenario s = parse(base());
  StepResult step;
  step.time_s = 2;
  const RunPlan p = plan_run(s, step);
  CHECK(p.steps == Approx(1e10 / (64 * 4096.0)));
  CHECK(p.checkpoint_write_s == Approx(p.checkpoint_bytes / 100e9));   // 100 GB/s write
  CHECK(p.checkpoint_load_s == Approx(p.checkpoint_bytes / 200e9));    // 200 GB/s read
  CHECK(p.checkpoint_copy_s == Approx(p.checkpoint_bytes / (32 * 25e9)));   // 32 GPUs x 25 GB/s
  CHECK(p.detection_s == 300);
  CHECK(p.repair_s == 24 * 3600);
  CHECK(p.interval_rule == "daly");
  CHECK(p.causes.size() == 10);
}

TEST_CASE("Evaluation: floor(steps / interval) evaluations of eval_batches forward-only batches, stragglers included") {
  json doc = base();
  doc["training"]["eval_interval_steps"] = 1000;
  doc["training"]["eval_batches"] = 29;
  doc["stragglers"] = {{"jitter_fraction", 0.01}};
  const Scenario s = parse(doc);
  StepResult step, eval_batch;
  step.time_s = 2;
  eval_batch.time_s = 0.5;
  const RunPlan p = plan_run(s, step, nullptr, &eval_batch);
  // 1e10 / 262,144 = 38,146.97 steps: 38 evaluations.
  CHECK(p.evaluations == 38);
  // 4 nodes: stragglers x (1 + 0.01 x H(4)) = 1 + 0.01 x 25/12.
  const double stragglers = 1 + 0.01 * 25.0 / 12;
  CHECK(p.eval_s == Approx(29 * 0.5 * stragglers));
  CHECK(p.eval_work_s == Approx(38 * p.eval_s));
  CHECK(p.work_s() == Approx(p.steps * 2 * stragglers + 38 * 29 * 0.5 * stragglers));
  // With a batch ramp the evaluations inside it are shorter, as its steps are:
  // 1e10 tokens / 4096 = 2,441,406 sequences; a ramp 16 -> 64 by 16 over
  // 960,000 sequences (3 stages of 320,000: 20,000 + 10,000 + 6,667 steps) at
  // 1 s, 1.333 s, 1.667 s per step (the line through 1 s at 16 and 2 s at 64).
  doc["training"]["eval_batches"] = 29;
  doc["training"]["batch_ramp_start"] = 16;
  doc["training"]["batch_ramp_increment"] = 16;
  doc["training"]["batch_ramp_samples"] = 960000;
  doc.erase("stragglers");
  const Scenario ramped = parse(doc);
  StepResult start;
  start.time_s = 1;
  const RunPlan r = plan_run(ramped, step, &start, &eval_batch);
  CHECK(r.ramp_steps == Approx(36666.667));
  CHECK(r.ramp_work_s == Approx(20000 + 10000 * 4.0 / 3 + 6666.667 * 5.0 / 3));
  // (2,441,406 - 960,000) / 64 = 23,147 full steps: 59,813.8 steps, 59 evaluations, 36 in the ramp.
  CHECK(r.evaluations == 59);
  const double ramp_scale = r.ramp_work_s / r.ramp_steps / 2;
  CHECK(r.eval_work_s == Approx(29 * 0.5 * (23 + 36 * ramp_scale)));
  // Without the simulated batch, or without an interval: no evaluation.
  CHECK(plan_run(s, step).evaluations == 0);
  CHECK(plan_run(parse(base()), step, nullptr, &eval_batch).evaluations == 0);
  doc["training"]["eval_batches"] = 0;
  CHECK_THAT(error_of(doc), Catch::Contains("training.eval_batches"));
}

TEST_CASE("A job time limit shorter than a restart, reload, save and step is refused with the numbers") {
  json doc = base();
  doc["recovery"] = {{"job_time_limit_hours", 0.1}, {"restart_s", 600}};
  const Scenario s = parse(doc);
  StepResult step;
  step.time_s = 2;
  try {
    plan_run(s, step);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("recovery.job_time_limit_hours"));
    CHECK_THAT(what, Catch::Contains("restart (600 s)"));
  }
  doc["recovery"]["job_time_limit_hours"] = 20;
  CHECK(plan_run(parse(doc), step).job_time_limit_s == 72000);
}
