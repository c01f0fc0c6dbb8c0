#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "tests/collectives/run_collective.hpp"

using orrery::CollectiveAlgorithm;
using orrery::CollectiveListener;
using orrery::CollectiveOp;
using orrery::CollectiveRunner;
using orrery::Engine;
using orrery::FlowListener;
using orrery::FlowNetwork;
using orrery::SimTime;
using orrery::Topology;
using orrery::test::make_cluster;

namespace {

// Intra-node: 400 GB/s and 2 us per GPU-to-GPU path; step overhead 5 us
// -> alpha = 7 us (tests/network/test_clusters.hpp).
using orrery::test::closed_form;
using orrery::test::Done;
using orrery::test::kStepOverhead;
using orrery::test::simulate;

// The reference the long-lived-flow representation must agree with: a ring
// all-reduce simulated chunk by chunk. 2(n-1) steps (n-1 reduce-scatter, n-1
// all-gather); in each, every rank sends one S/n chunk to its successor, and
// the step ends when every chunk has arrived (transfer + path latency) plus
// the per-step overhead. Uncontended: 2(n-1) x (S/n / B + latency + overhead).
struct StepByStepRing final : FlowListener, orrery::EventHandler {
  StepByStepRing(Engine& e, FlowNetwork& n, std::vector<int> r, double s)
      : engine(e), net(n), ring(std::move(r)), chunk(s / static_cast<double>(ring.size())) {
    handler = engine.add_handler(this);
    steps_left = 2 * (static_cast<int>(ring.size()) - 1);
  }
  void start_step() {
    pending = static_cast<int>(ring.size());
    for (std::size_t i = 0; i < ring.size(); ++i) net.start_flow(ring[i], ring[(i + 1) % ring.size()], chunk, this, i);
  }
  void on_flow_done(Engine&, std::uint64_t) override {
    if (--pending == 0) engine.schedule_in(SimTime::from_seconds(kStepOverhead), handler, 0, 0);
  }
  void on_event(Engine&, std::uint32_t, std::uint64_t) override {
    if (--steps_left > 0)
      start_step();
    else
      end_ns = engine.now().ns();
  }
  Engine& engine;
  FlowNetwork& net;
  std::vector<int> ring;
  double chunk;
  std::uint32_t handler = 0;
  int steps_left = 0, pending = 0;
  std::int64_t end_ns = -1;
};

std::int64_t simulate_step_by_step(const Topology& topo, const std::vector<int>& ring, double bytes) {
  Engine engine;
  FlowNetwork net(engine, topo);
  StepByStepRing reference(engine, net, ring, bytes);
  reference.start_step();
  engine.run();
  return reference.end_ns;
}

const std::vector<int> kNode0 = {0, 1, 2, 3, 4, 5, 6, 7};

}  // namespace

TEST_CASE("ring all-reduce over 8 GPUs of a node: 2(n-1)/n S/B + 2(n-1) alpha") {
  // n = 8, S = 4e8 bytes, B = 4e11 B/s, alpha = 2 us + 5 us = 7 us:
  //   2 x 7/8 x 4e8 / 4e11 = 1.75 ms = 1,750,000 ns;  14 x 7 us = 98,000 ns
  //   total 1,848,000 ns.
  Topology topo(make_cluster(1, 8, 0, 2, 64, 1.0, true));
  const std::int64_t expected = 1'848'000;
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, kNode0, 4e8, CollectiveAlgorithm::ring) - expected) <= 1);
  CHECK(closed_form(topo, CollectiveOp::all_reduce, kNode0, 4e8, CollectiveAlgorithm::ring) ==
        Approx(1.848e-3).epsilon(1e-12));
  // automatic on one node is the ring.
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, kNode0, 4e8) - expected) <= 1);
}

TEST_CASE("ring reduce-scatter and all-gather: (n-1)/n S/B + (n-1) alpha") {
  // 7/8 x 4e8 / 4e11 = 875,000 ns; 7 x 7 us = 49,000 ns -> 924,000 ns.
  Topology topo(make_cluster(1, 8, 0, 2, 64, 1.0, true));
  for (CollectiveOp op : {CollectiveOp::reduce_scatter, CollectiveOp::all_gather}) {
    CHECK(std::llabs(simulate(topo, op, kNode0, 4e8) - 924'000) <= 1);
    CHECK(closed_form(topo, op, kNode0, 4e8) == Approx(924e-6).epsilon(1e-12));
  }
}

TEST_CASE("send_recv: one flow of S + latency + one step overhead") {
  // 4e8 / 4e11 = 1,000,000 ns + 2 us + 5 us = 1,007,000 ns.
  Topology topo(make_cluster(1, 8, 0, 2, 64, 1.0, true));
  const std::vector<int> pair = {3, 6};
  CHECK(std::llabs(simulate(topo, CollectiveOp::send_recv, pair, 4e8) - 1'007'000) <= 1);
  CHECK(closed_form(topo, CollectiveOp::send_recv, pair, 4e8) == Approx(1.007e-3).epsilon(1e-12));
}

TEST_CASE("two-rank ring all-reduce: S/B + 2 alpha") {
  // n = 2: each flow carries 2 x 1/2 x S = S: 1,000,000 ns + 2 x 7 us.
  Topology topo(make_cluster(1, 8, 0, 2, 64, 1.0, true));
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, {0, 1}, 4e8) - 1'014'000) <= 1);
}

TEST_CASE("a group of one completes at once, through the engine") {
  Topology topo(make_cluster(1, 8, 0, 2, 64, 1.0, true));
  Engine engine;
  FlowNetwork net(engine, topo);
  CollectiveRunner runner(engine, net, topo);
  Done done;
  const std::vector<int> one = {5};
  runner.start(CollectiveOp::all_reduce, one, 1e9, CollectiveAlgorithm::automatic, &done, 9);
  CHECK(done.done.empty());  // not called from inside start()
  CHECK(engine.pending() == 1);
  engine.run();
  REQUIRE(done.done.size() == 1);
  CHECK(done.done[0] == std::make_pair<std::uint64_t, std::int64_t>(9, 0));
  CHECK(runner.uncontended_seconds(CollectiveOp::all_reduce, one, 1e9, CollectiveAlgorithm::automatic) == 0);
}

TEST_CASE("long-lived ring flows agree with the chunk-by-chunk step simulation") {
  SECTION("inside one node") {
    // Step: 5e7 / 4e11 = 125,000 ns + 2,000 + 5,000 = 132,000 ns; x 14 = 1,848,000 ns.
    Topology topo(make_cluster(1, 8, 0, 2, 64, 1.0, true));
    const std::int64_t steps = simulate_step_by_step(topo, kNode0, 4e8);
    CHECK(steps == 1'848'000);
    CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, kNode0, 4e8, CollectiveAlgorithm::ring) - steps) <= 14);
  }
  SECTION("a ring over two nodes: every step waits for the slow inter-node edge") {
    // 2 nodes x 4 GPUs on one switch; ring 0..7 has two inter-node edges
    // (3 -> 4 and 7 -> 0: PCIe, NIC 50 GB/s, 6.5 us) and six NVSwitch edges.
    // Step: max(5e7/5e10 + 6.5 us, 5e7/4e11 + 2 us) + 5 us = 1,011,500 ns;
    // x 14 = 14,161,000 ns. Long-lived: 7e8/5e10 = 14 ms + 14 x 11.5 us: the same.
    Topology topo(make_cluster(2, 4, 4, 1, 64, 1.0, true));
    const std::int64_t steps = simulate_step_by_step(topo, kNode0, 4e8);
    CHECK(steps == 14'161'000);
    CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, kNode0, 4e8, CollectiveAlgorithm::ring) - steps) <= 14);
    CHECK(closed_form(topo, CollectiveOp::all_reduce, kNode0, 4e8, CollectiveAlgorithm::ring) ==
          Approx(14.161e-3).epsilon(1e-12));
  }
}

TEST_CASE("collectives reject bad groups") {
  Topology topo(make_cluster(1, 8, 0, 2, 64, 1.0, true));
  Engine engine;
  FlowNetwork net(engine, topo);
  CollectiveRunner runner(engine, net, topo);
  Done done;
  const auto start = [&](CollectiveOp op, std::vector<int> gpus, double bytes = 1) {
    runner.start(op, gpus, bytes, CollectiveAlgorithm::automatic, &done, 0);
  };
  CHECK_THROWS_AS(start(CollectiveOp::all_reduce, {}), std::invalid_argument);
  CHECK_THROWS_AS(start(CollectiveOp::all_reduce, {0, 1, 0}), std::invalid_argument);
  CHECK_THROWS_AS(start(CollectiveOp::all_reduce, {0, 8}), std::invalid_argument);
  CHECK_THROWS_AS(start(CollectiveOp::send_recv, {0, 1, 2}), std::invalid_argument);
  CHECK_THROWS_AS(start(CollectiveOp::all_gather, {0, 1}, -5), std::invalid_argument);
  // After the errors the runner still works (scratch state was restored).
  start(CollectiveOp::all_reduce, {0, 1});
  engine.run();
  CHECK(done.done.size() == 1);
  CHECK(std::string(orrery::to_string(CollectiveOp::reduce_scatter)) == "reduce_scatter");
}
