#include <catch2/catch.hpp>

#include "models/memory.hpp"
#include "models/parameters.hpp"
#include "sim/step/memory_estimate.hpp"
#include "test_scenario.hpp"

using namespace orrery;

TEST_CASE("Memory per stage: 18 bytes per parameter with Adam in bf16, activations of the microbatches in flight") {
  Scenario s = test::tiny_scenario(1, 2, 1);
  s.training.global_batch = 8;  // m = 8 microbatches
  RankLayout layout(1, 2, 1, s.model.layers);
  auto mem = estimate_memory(s, layout);
  REQUIRE(mem.size() == 2);
  const double gib = 1024.0 * 1024 * 1024;
  const ParameterCount pc = count_parameters(s.model);
  // Stage 0: 4 layers + embedding + positions; bf16 weights 2 B, fp32 grads
  // 4 B (main_grad auto), Adam 12 B.
  const double p0 = 4 * pc.per_layer + pc.embedding + pc.position;
  CHECK(mem[0].weights_gib == Approx(p0 * 2 / gib));
  CHECK(mem[0].gradients_gib == Approx(p0 * 4 / gib));
  CHECK(mem[0].optimizer_gib == Approx(p0 * 12 / gib));
  // Stage 1 holds a copy of the tied embedding for the output layer.
  const double p1 = 4 * pc.per_layer + pc.final_norm + pc.embedding;
  CHECK(mem[1].weights_gib == Approx(p1 * 2 / gib));
  // 1F1B: stage 0 keeps pp = 2 microbatches in flight, stage 1 keeps 1.
  LayerShape shape;
  shape.micro_batch = 1;
  shape.seq_len = 256;
  shape.tp = 1;
  shape.flash_attention = true;
  const double per_layer = activation_bytes_per_layer(s.model, shape, Recompute::none);
  CHECK(mem[0].activations_gib == Approx(per_layer * 4 * 2 / gib));
  CHECK(mem[1].activations_gib == Approx(per_layer * 4 * 1 / gib));
  CHECK(mem[0].fits());
}

TEST_CASE("A plan larger than HBM does not fit") {
  Scenario s = test::tiny_scenario(1, 1, 1);
  s.cluster.accelerator.hbm_gib = 0.5;   // below the 1 GiB framework allowance alone
  RankLayout layout(1, 1, 1, s.model.layers);
  auto mem = estimate_memory(s, layout);
  CHECK_FALSE(mem[0].fits());
  CHECK(mem[0].peak_gib > 1.0);
}
