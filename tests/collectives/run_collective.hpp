#pragma once
// Test helpers: run one collective alone on a fresh engine, or ask for its
// closed form. Link figures: tests/network/test_clusters.hpp.
#include <catch2/catch.hpp>

#include <cstdint>
#include <utility>
#include <vector>

#include "sim/collectives/collective.hpp"
#include "tests/network/test_clusters.hpp"

namespace orrery::test {

constexpr double kStepOverhead = 5e-6;

struct Done final : CollectiveListener {
  std::vector<std::pair<std::uint64_t, std::int64_t>> done;
  void on_collective_done(Engine& engine, std::uint64_t token) override {
    done.emplace_back(token, engine.now().ns());
  }
};

// Simulated duration in ns.
inline std::int64_t simulate(const Topology& topo, CollectiveOp op, const std::vector<int>& gpus, double bytes,
                             CollectiveAlgorithm algorithm = CollectiveAlgorithm::automatic) {
  Engine engine;
  FlowNetwork net(engine, topo);
  CollectiveRunner runner(engine, net, topo, {kStepOverhead});
  Done done;
  runner.start(op, gpus, bytes, algorithm, &done, 42);
  engine.run();
  REQUIRE(done.done.size() == 1);
  CHECK(done.done[0].first == 42);
  CHECK(net.active_flows() == 0);
  return done.done[0].second;
}

inline double closed_form(const Topology& topo, CollectiveOp op, const std::vector<int>& gpus, double bytes,
                          CollectiveAlgorithm algorithm = CollectiveAlgorithm::automatic) {
  Engine engine;
  FlowNetwork net(engine, topo);
  CollectiveRunner runner(engine, net, topo, {kStepOverhead});
  return runner.uncontended_seconds(op, gpus, bytes, algorithm);
}

}  // namespace orrery::test
