// The step executor against closed forms. A FLOP-proportional device (1
// TFLOP/s, memory-bound kernels free) and latency-free links make every
// expected time derivable by hand.
#include <catch2/catch.hpp>

#include "models/transformer.hpp"
#include "sim/collectives/collective.hpp"
#include "sim/engine/engine.hpp"
#include "sim/network/flow_network.hpp"
#include "sim/network/topology.hpp"
#include "sim/step/simulate_step.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_program.hpp"
#include "step_harness.hpp"
#include "test_scenario.hpp"

using namespace orrery;
using test::execute;
using test::layer_seconds;
using test::Network;
using test::Run;

TEST_CASE("1F1B on uniform stages with free communication: step = (m + p - 1)(tf + tb)") {
  Scenario s = test::tiny_scenario(1, 4, 1);
  s.model.vocab = 8;                       // output layer ~0.1% of a stage: near-uniform stages
  s.model.tied_embeddings = false;
  s.cluster.scale_up.bandwidth_gb_per_s = 1e6;   // sends take ~nothing
  const int p = 4, m = 8;                  // global batch 8, micro batch 1
  const auto [f, b] = layer_seconds(s);
  const double tf = 2 * f, tb = 2 * b;     // two layers per stage
  Run r = execute(s);
  CHECK(r.time_s == Approx((m + p - 1) * (tf + tb)).epsilon(0.005));
  // The first stage waits (p - 1)(tf + tb) in all for backward gradients: the bubble.
  CHECK(r.slowest.bubble_s == Approx((p - 1) * (tf + tb)).epsilon(0.01));
  CHECK(r.slowest.bubble_s / r.time_s == Approx(double(p - 1) / (m + p - 1)).epsilon(0.01));
}

TEST_CASE("An evaluation batch runs the forwards only: (m + p - 1) tf, no recompute, no gradient or optimizer work") {
  Scenario s = test::tiny_scenario(1, 4, 2);
  s.model.vocab = 8;
  s.model.tied_embeddings = false;
  s.cluster.scale_up.bandwidth_gb_per_s = 1e6;
  s.parallelism.recompute = "full";        // recomputation belongs to the backward: none here
  const int p = 4, m = s.parallelism.microbatches(s.training.global_batch);
  REQUIRE(m == 8);                         // global batch 16 over dp 2, micro batch 1
  const double tf = 2 * layer_seconds(s).first;
  const Run r = execute(s, true);
  CHECK(r.time_s == Approx((m + p - 1) * tf).epsilon(0.005));
  for (const StageProgram& sp : r.program.stages) {
    CHECK(sp.dp_items.empty());
    for (const Instr& in : sp.instrs) {
      const std::string& label = r.program.labels[in.label];
      CHECK(label.find("backward") == std::string::npos);
      CHECK(label.find("recompute") == std::string::npos);
      CHECK(label != "optimizer");
    }
  }
  // A training step on the same plan does all of that: it takes longer than 3 forward batches.
  CHECK(execute(s).time_s > 3 * r.time_s);
}

TEST_CASE("An evaluation batch under ZeRO 3 with tied embeddings: parameter gathers only, no tied all-reduce") {
  Scenario s = test::tiny_scenario(1, 2, 2);   // tied embeddings over 2 stages
  REQUIRE(s.model.tied_embeddings);
  s.parallelism.zero = 3;
  const Run train = execute(s);
  const Run eval = execute(s, true);
  auto count = [](const Run& r, InstrKind kind) {
    int n = 0;
    for (const StageProgram& sp : r.program.stages)
      for (const Instr& in : sp.instrs) n += in.kind == kind;
    return n;
  };
  CHECK(count(train, InstrKind::embedding_all_reduce) == 2);   // the first and the last stage
  CHECK(count(eval, InstrKind::embedding_all_reduce) == 0);
  for (const StageProgram& sp : eval.program.stages) {
    REQUIRE(!sp.dp_items.empty());   // each layer's parameters, gathered before its forward
    for (const DpItem& item : sp.dp_items) CHECK(item.op == CollectiveOp::all_gather);
  }
  CHECK(eval.time_s > 0);
  CHECK(eval.time_s < train.time_s / 3);
}

TEST_CASE("Tensor parallelism: every all-reduce is exposed on the critical path") {
  Scenario s = test::tiny_scenario(2, 1, 1);
  const int m = 8, layers = 8;
  const auto [f, b] = layer_seconds(s);
  Run r = execute(s);
  // 4 all-reduces per layer per microbatch (2 forward, 2 backward), of b*s*h*2 bytes.
  Network n(s);
  const int gpus[] = {0, 1};
  const double bytes = 1.0 * 256 * 256 * 2;
  const double t_ar = n.collectives.uncontended_seconds(CollectiveOp::all_reduce, gpus, bytes, CollectiveAlgorithm::ring);
  // Ring all-reduce, n = 2, B = 100 GB/s, no latency: 2(n-1)/n S/B = S/B.
  CHECK(t_ar == Approx(bytes / 100e9));
  const double n_ar = 4.0 * m * layers;
  // The last (only) stage also runs the output layer and loss once per microbatch.
  LayerShape shape;
  shape.seq_len = 256;
  shape.tp = 2;
  const double head = (total_flops(head_forward_ops(s.model, shape)) + total_flops(head_backward_ops(s.model, shape))) * 1e-12;
  // Each of the compute parts and each all-reduce rounds up to whole ns.
  CHECK(r.time_s == Approx(m * layers * (f + b) + m * head + n_ar * t_ar).margin(2e-9 * (n_ar + 4 * m * layers)));
  CHECK(r.slowest.tp_wait_s == Approx(n_ar * t_ar).margin(2e-9 * n_ar));
}

TEST_CASE("Data parallelism: one gradient bucket is reduced after the backward, then the step ends") {
  Scenario s = test::tiny_scenario(1, 1, 2);
  Run r = execute(s);
  REQUIRE(r.program.stages[0].dp_items.size() == 1);
  const double bytes = r.program.stages[0].dp_items[0].bytes;
  // Ring of 2 GPUs in one node at 100 GB/s: S/B.
  const double t_ar = bytes / 100e9;
  CHECK(r.time_s == Approx(r.program.stages[0].compute_s + t_ar).margin(1e-8));
  CHECK(r.slowest.dp_wait_s == Approx(t_ar).margin(1e-8));
}

TEST_CASE("The same scenario simulates to the same result, event for event") {
  Scenario s = test::tiny_scenario(2, 2, 4, 2);
  s.training.global_batch = 32;
  StepResult a = simulate_step(s), b = simulate_step(s);
  REQUIRE(a.fits);
  CHECK(a.time_s == b.time_s);
  CHECK(a.events == b.events);
  CHECK(a.breakdown.bubble_s == b.breakdown.bubble_s);
  // The breakdown of the slowest rank adds up to the step time.
  const auto& d = a.breakdown;
  CHECK(d.compute_s + d.exposed_tp_comm_s + d.exposed_pp_comm_s + d.exposed_dp_comm_s + d.bubble_s + d.idle_s ==
        Approx(a.time_s));
  CHECK(a.mfu > 0);
  CHECK(a.mfu < 1);
  CHECK(a.hfu >= a.mfu);
}
