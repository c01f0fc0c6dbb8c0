#pragma once
// Runs one step program on the real network and executor with a
// FLOP-proportional device (1 TFLOP/s; memory-bound kernels free) and no
// per-step protocol overhead, so step tests can state closed forms.
#include <cstdint>
#include <utility>

#include <catch2/catch.hpp>

#include "hardware/device_model.hpp"
#include "sim/collectives/collective.hpp"
#include "sim/engine/engine.hpp"
#include "sim/network/flow_network.hpp"
#include "sim/network/topology.hpp"
#include "models/transformer.hpp"
#include "sim/step/memory_estimate.hpp"
#include "sim/step/rank_layout.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_program.hpp"

namespace orrery::test {

struct FlopTimer final : KernelTimer {
  double seconds(const KernelWork& w, Precision) const override { return w.flops * 1e-12; }
};

// The cluster's network with no per-step protocol overhead.
struct Network {
  explicit Network(const Scenario& s)
      : topology(s.cluster), flows(engine, topology), collectives(engine, flows, topology, CollectiveParams{0.0}) {}
  Topology topology;
  Engine engine;
  FlowNetwork flows;
  CollectiveRunner collectives;
};

struct Run {
  double time_s = 0;
  RankAccount slowest;   // the rank that finishes last
  std::vector<RankAccount> accounts;   // every rank's
  StepProgram program;
};

inline Run execute(const Scenario& s, bool forward_only = false) {
  const RankLayout layout(s.parallelism, s.model.layers);
  FlopTimer timer;
  Run out;
  out.program = build_step_program(s, layout, timer, forward_only);
  Network n(s);
  StepExecutor exec(n.engine, out.program, layout, n.collectives);
  exec.start();
  n.engine.run();
  REQUIRE(exec.finished());
  out.accounts = exec.accounts();
  for (const auto& a : exec.accounts())
    if (a.finish_ns > static_cast<std::int64_t>(out.time_s * 1e9 + 0.5)) {
      out.time_s = static_cast<double>(a.finish_ns) * 1e-9;
      out.slowest = a;
    }
  return out;
}

// Forward and backward seconds of one layer under FlopTimer.
inline std::pair<double, double> layer_seconds(const Scenario& s) {
  const LayerOps ops = transformer_layer_ops(s.model, layer_shape(s));
  return {(total_flops(ops.attention_forward) + total_flops(ops.mlp_forward)) * 1e-12,
          (total_flops(ops.attention_backward) + total_flops(ops.mlp_backward)) * 1e-12};
}

}  // namespace orrery::test
