#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "tests/collectives/run_collective.hpp"

using orrery::CollectiveAlgorithm;
using orrery::CollectiveOp;
using orrery::CollectiveRunner;
using orrery::Engine;
using orrery::FlowNetwork;
using orrery::Topology;
using orrery::test::closed_form;
using orrery::test::Done;
using orrery::test::kStepOverhead;
using orrery::test::make_cluster;

TEST_CASE("two all-reduces sharing an oversubscribed leaf uplink each slow down by the closed-form factor") {
  // 4 nodes x 2 GPUs x 2 NICs, 2 tiers, radix 8 (4 down-ports), not
  // rail-optimized: leaf 0 holds the NICs of nodes 0 and 1, leaf 1 those of
  // nodes 2 and 3. Oversubscription 4: uplink U = 4 x 50 / 4 = 50 GB/s -> one
  // spine, one 50 GB/s edge per leaf and direction.
  // DP ring A = {0, 4} (node 0 -> node 2), ring B = {1, 5}: flows 0 -> 4 and
  // 1 -> 5 both cross leaf 0 -> spine -> leaf 1 (4 -> 0 and 5 -> 1 the reverse).
  // Path: PCIe 1 + NIC 2.5 + 1.5 + 1.5 + NIC 2 + PCIe 1 = 9.5 us; alpha = 14.5 us.
  // n = 2: each flow carries S = 5e8 bytes, 2 steps.
  //   alone:    5e8 / 5e10   = 10 ms + 2 x 14.5 us = 10,029,000 ns
  //   together: 5e8 / 2.5e10 = 20 ms + 29 us       = 20,029,000 ns
  // The bandwidth term doubles (two rings share the uplink); latency does not.
  Topology topo(make_cluster(4, 2, 2, 2, 8, 4.0, false));
  const std::vector<int> ring_a = {0, 4}, ring_b = {1, 5};

  CHECK(closed_form(topo, CollectiveOp::all_reduce, ring_a, 5e8) == Approx(10.029e-3).epsilon(1e-12));
  CHECK(std::llabs(orrery::test::simulate(topo, CollectiveOp::all_reduce, ring_a, 5e8) - 10'029'000) <= 1);

  Engine engine;
  FlowNetwork net(engine, topo);
  CollectiveRunner runner(engine, net, topo, {kStepOverhead});
  Done done;
  runner.start(CollectiveOp::all_reduce, ring_a, 5e8, CollectiveAlgorithm::automatic, &done, 1);
  runner.start(CollectiveOp::all_reduce, ring_b, 5e8, CollectiveAlgorithm::automatic, &done, 2);
  engine.run();
  REQUIRE(done.done.size() == 2);
  for (const auto& [token, ns] : done.done) CHECK(std::llabs(ns - 20'029'000) <= 1);
  const double alone_bw = 10'029'000 - 29'000, together_bw = done.done[0].second - 29'000;
  CHECK(together_bw / alone_bw == Approx(2.0).epsilon(1e-6));
}

TEST_CASE("collectives on disjoint links do not slow each other") {
  // Two 8-GPU ring all-reduces, one per node: 1,848,000 ns each, as if alone
  // (see ring_test.cpp); a third starts when the first ends and takes as long.
  struct Chained final : orrery::CollectiveListener {
    CollectiveRunner* runner = nullptr;
    std::vector<std::pair<std::uint64_t, std::int64_t>> done;
    std::vector<int> node0 = {0, 1, 2, 3, 4, 5, 6, 7};
    void on_collective_done(Engine& engine, std::uint64_t token) override {
      done.emplace_back(token, engine.now().ns());
      if (token == 1)
        runner->start(CollectiveOp::all_reduce, node0, 4e8, CollectiveAlgorithm::automatic, this, 3);
    }
  };
  Topology topo(make_cluster(2, 8, 8, 1, 64, 1.0, true));
  Engine engine;
  FlowNetwork net(engine, topo);
  CollectiveRunner runner(engine, net, topo, {kStepOverhead});
  Chained listener;
  listener.runner = &runner;
  const std::vector<int> node1 = {8, 9, 10, 11, 12, 13, 14, 15};
  runner.start(CollectiveOp::all_reduce, listener.node0, 4e8, CollectiveAlgorithm::automatic, &listener, 1);
  runner.start(CollectiveOp::all_reduce, node1, 4e8, CollectiveAlgorithm::automatic, &listener, 2);
  engine.run();
  REQUIRE(listener.done.size() == 3);
  CHECK(listener.done[0].first == 1);
  CHECK(std::llabs(listener.done[0].second - 1'848'000) <= 1);
  CHECK(listener.done[1].first == 2);
  CHECK(std::llabs(listener.done[1].second - 1'848'000) <= 1);
  CHECK(listener.done[2].first == 3);
  CHECK(std::llabs(listener.done[2].second - 2 * 1'848'000) <= 2);
}

TEST_CASE("two all-reduces of different groups crossing an oversubscribed spine-to-core uplink each take twice as long") {
  // 3 tiers, radix 4 (2 down-ports per leaf, 2 leaves per pod), 4 nodes x 2
  // GPUs x 2 NICs, not rail-optimized: node i alone on leaf i; pod 0 = nodes
  // 0-1, pod 1 = nodes 2-3. Leaf oversubscription 2: uplink 2 x 50 / 2 = 50
  // GB/s -> one spine plane. Spine down bandwidth 2 x 50 = 100 GB/s, spine
  // oversubscription 4 -> 25 GB/s to one core, one edge.
  // Rings A = {0, 4} and B = {1, 5} cross pods: both climb leaf 0 -> spine
  // (pod 0) -> core -> spine (pod 1) -> leaf 2, so both share the 25 GB/s
  // spine uplink (each way), the tightest link on their path.
  // Path latency (through a core, tests/network/test_clusters.hpp) 12.5 us,
  // alpha = 17.5 us; n = 2: flows of S = 5e8 bytes, 2 steps:
  //   alone:    5e8 / 2.5e10  = 20 ms + 35 us = 20,035,000 ns
  //   together: 5e8 / 1.25e10 = 40 ms + 35 us = 40,035,000 ns
  orrery::ClusterSpec c = make_cluster(4, 2, 2, 3, 4, 2.0, false);
  c.fabric.spine_oversubscription = 4;
  Topology topo(c);
  const std::vector<int> ring_a = {0, 4}, ring_b = {1, 5};
  CHECK(closed_form(topo, CollectiveOp::all_reduce, ring_a, 5e8, CollectiveAlgorithm::ring) ==
        Approx(20.035e-3).epsilon(1e-12));
  CHECK(std::llabs(orrery::test::simulate(topo, CollectiveOp::all_reduce, ring_a, 5e8, CollectiveAlgorithm::ring) -
                   20'035'000) <= 1);

  Engine engine;
  FlowNetwork net(engine, topo);
  CollectiveRunner runner(engine, net, topo, {kStepOverhead});
  Done done;
  runner.start(CollectiveOp::all_reduce, ring_a, 5e8, CollectiveAlgorithm::ring, &done, 1);
  runner.start(CollectiveOp::all_reduce, ring_b, 5e8, CollectiveAlgorithm::ring, &done, 2);
  engine.run();
  REQUIRE(done.done.size() == 2);
  for (const auto& [token, ns] : done.done) CHECK(std::llabs(ns - 40'035'000) <= 1);
  const double alone_bw = 20'035'000 - 35'000, together_bw = done.done[0].second - 35'000;
  CHECK(together_bw / alone_bw == Approx(2.0).epsilon(1e-6));
}
