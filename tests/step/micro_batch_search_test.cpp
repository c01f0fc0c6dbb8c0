// parallelism.micro_batch "auto": the candidates that make a valid plan, and
// the fastest of them chosen by simulating each.
#include <catch2/catch.hpp>

#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/scenario/input_error.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/step/micro_batch_search.hpp"
#include "sim/step/simulate_step.hpp"
#include "test_scenario.hpp"

using namespace orrery;

TEST_CASE("micro_batch auto: candidates divide the per-replica batch (interleaved: into a multiple of pp)") {
  Scenario s = test::tiny_scenario(1, 1, 8);
  s.training.global_batch = 256;   // 32 per replica: 1, 2, 4, 8 all divide
  CHECK(micro_batch_candidates(s) == std::vector<int>{1, 2, 4, 8});
  s.training.global_batch = 96;    // 12 per replica: 8 does not divide
  CHECK(micro_batch_candidates(s) == std::vector<int>{1, 2, 4});
  s.training.global_batch = 56;    // 7 per replica: only 1
  CHECK(micro_batch_candidates(s) == std::vector<int>{1});

  Scenario inter = test::tiny_scenario(1, 4, 2);
  inter.training.global_batch = 16;   // 8 per replica: 8, 4, 2, 1 microbatches; pp 4 needs 8 or 4
  inter.parallelism.schedule = "interleaved";
  inter.parallelism.vpp = 2;
  CHECK(micro_batch_candidates(inter) == std::vector<int>{1, 2});
}

TEST_CASE("micro_batch auto: the fastest candidate's own result, which names it") {
  // tp 2 pp 2 dp 2 on one node, 8 sequences per replica: candidates 1, 2, 4, 8.
  Scenario s = test::tiny_scenario(2, 2, 2);
  s.training.global_batch = 16;
  double best = 1e300;
  int best_mb = 0;
  for (int mb : {1, 2, 4, 8}) {
    Scenario fixed = s;
    fixed.parallelism.micro_batch = mb;
    const StepResult r = simulate_step(fixed);
    REQUIRE(r.fits);
    CHECK(r.micro_batch == mb);
    if (r.time_s < best) {
      best = r.time_s;
      best_mb = mb;
    }
  }
  s.parallelism.micro_batch_auto = true;
  const StepResult chosen = simulate_step(s);
  CHECK(chosen.micro_batch == best_mb);
  CHECK(chosen.time_s == best);   // the same simulation, so the same nanoseconds

  s.training.global_batch = 6;   // 3 per replica with dp 2: pp 2 interleaved needs even microbatches
  s.parallelism.schedule = "interleaved";
  s.parallelism.vpp = 2;
  CHECK_THROWS_AS(simulate_step(s), std::invalid_argument);
}

TEST_CASE("micro_batch auto: the one word the integer key takes, other words are errors that say so") {
  std::ifstream in(std::string(ORRERY_SOURCE_DIR) + "/scenarios/validation/megatron-sc21-gpt-1.7b.json");
  nlohmann::json doc = nlohmann::json::parse(in);
  const Catalog catalog = Catalog::builtin();
  doc["parallelism"]["micro_batch"] = "auto";
  const Scenario s = parse_scenario(doc, catalog);
  CHECK(s.parallelism.micro_batch_auto);
  CHECK(s.parallelism.micro_batch == 1);   // the default stands in for the plan checks
  doc["parallelism"]["micro_batch"] = 4;
  CHECK_FALSE(parse_scenario(doc, catalog).parallelism.micro_batch_auto);
  doc["parallelism"]["micro_batch"] = "aut";
  try {
    parse_scenario(doc, catalog);
    FAIL("expected an error");
  } catch (const InputError& e) {
    const std::string what = e.what();
    CHECK(what.find("parallelism.micro_batch") != std::string::npos);
    CHECK(what.find("or \"auto\"") != std::string::npos);
  }
}
