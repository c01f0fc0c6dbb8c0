// The batch-size ramp: Megatron's stages, steps affine in the batch, and the
// scenario checks that keep every ramp batch whole microbatches.
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sim/run/run_plan.hpp"
#include "sim/scenario/input_error.hpp"
#include "sim/scenario/scenario_loader.hpp"

using namespace orrery;
using nlohmann::json;

namespace {

TrainingSpec ramp(int start, int increment, double samples, int global, double total_sequences) {
  TrainingSpec t;
  t.seq_len = 1;
  t.global_batch = global;
  t.total_tokens = total_sequences;
  t.batch_ramp_start = start;
  t.batch_ramp_increment = increment;
  t.batch_ramp_samples = samples;
  return t;
}

json base() {
  return json::parse(R"({"name": "t", "model": "llama3-8b",
    "cluster": {"node": "dgx-h100", "nodes": 4},
    "training": {"seq_len": 4096, "global_batch": 64, "total_tokens": 1e10},
    "parallelism": {"tp": 8, "pp": 1}})");   // dp 4, micro_batch 1: batches in multiples of 4
}

std::string error_of(const json& doc) {
  try {
    parse_scenario(doc, Catalog::builtin());
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("batch ramp: stages, steps and time by hand") {
  // 2 -> 6 by 2 over 12 sequences: 2 stages of 6 sequences, batches 2 and 4:
  // 3 steps + 1.5 steps. Step time through (2, 1 s) and (6, 3 s): 0.5 s per
  // sequence, so 1 s and 2 s: work 3 x 1 + 1.5 x 2 = 6 s.
  const BatchRamp r = batch_ramp(ramp(2, 2, 12, 6, 30), 3.0, 1.0);
  CHECK(r.steps == Approx(4.5));
  CHECK(r.work_s == Approx(6.0));
  CHECK(r.sequences == Approx(12));

  // The run ends inside the ramp: 8 sequences = stage 0's 6 + 2 of stage 1.
  const BatchRamp cut = batch_ramp(ramp(2, 2, 12, 6, 8), 3.0, 1.0);
  CHECK(cut.steps == Approx(3.5));
  CHECK(cut.work_s == Approx(3 * 1.0 + 0.5 * 2.0));
  CHECK(cut.sequences == Approx(8));

  // No ramp: nothing.
  CHECK(batch_ramp(ramp(0, 0, 0, 6, 30), 3.0, 1.0).steps == 0);
}

TEST_CASE("batch ramp: the run plan adds the ramp's steps and their time") {
  Scenario s = parse_scenario(base(), Catalog::builtin());
  s.training.seq_len = 1;
  s.training.global_batch = 6;
  s.training.total_tokens = 30;
  s.training.batch_ramp_start = 2;
  s.training.batch_ramp_increment = 2;
  s.training.batch_ramp_samples = 12;
  s.failures.preset = "none";
  StepResult full, first;
  full.time_s = 3;
  first.time_s = 1;
  const RunPlan p = plan_run(s, full, &first);
  // 4.5 ramp steps, then the last 18 sequences in 3 steps of 6.
  CHECK(p.ramp_steps == Approx(4.5));
  CHECK(p.steps == Approx(7.5));
  CHECK(p.work_s() == Approx(6 + 3 * 3.0));
  // Without the second step the ramp is ignored: 5 full steps.
  const RunPlan flat = plan_run(s, full);
  CHECK(flat.steps == Approx(5));
  CHECK(flat.work_s() == Approx(15));
}

TEST_CASE("batch ramp: scenario checks name the key, the value and a fix") {
  json doc = base();
  doc["training"]["batch_ramp_start"] = 16;
  doc["training"]["batch_ramp_increment"] = 16;
  doc["training"]["batch_ramp_samples"] = 1e6;
  CHECK(error_of(doc) == "no error");

  doc["training"]["batch_ramp_start"] = 18;   // not a multiple of dp 4 x micro_batch 1
  CHECK_THAT(error_of(doc), Catch::Contains("training.batch_ramp_start") && Catch::Contains("multiple of dp 4"));
  doc["training"]["batch_ramp_start"] = 64;   // not below global_batch
  CHECK_THAT(error_of(doc), Catch::Contains("below global_batch 64"));
  doc["training"]["batch_ramp_start"] = 16;
  doc["training"]["batch_ramp_increment"] = 20;   // 48 is not a multiple of 20
  CHECK_THAT(error_of(doc), Catch::Contains("training.batch_ramp_increment") && Catch::Contains("48"));
  doc["training"]["batch_ramp_increment"] = 16;
  doc["training"]["batch_ramp_samples"] = 0;
  CHECK_THAT(error_of(doc), Catch::Contains("training.batch_ramp_samples"));
  doc["training"]["batch_ramp_start"] = 0;
  doc["training"]["batch_ramp_samples"] = 1e6;   // a ramp without a start
  CHECK_THAT(error_of(doc), Catch::Contains("training.batch_ramp_start") && Catch::Contains("no start"));
}
