// Double binary tree, NVLS, hierarchical reduce-scatter / all-gather and
// all-to-all against hand-derived closed forms, and the automatic choice.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "tests/collectives/run_collective.hpp"

using orrery::ClusterSpec;
using orrery::CollectiveAlgorithm;
using orrery::CollectiveOp;
using orrery::CollectiveParams;
using orrery::CollectiveRunner;
using orrery::Engine;
using orrery::FlowNetwork;
using orrery::Topology;
using orrery::test::closed_form;
using orrery::test::make_cluster;
using orrery::test::simulate;

namespace {

// One node of 8 GPUs: 400 GB/s per GPU port, intra-node path 2 us, so
// alpha = 2 + 5 (step overhead) = 7 us.
ClusterSpec one_node(bool nvls) {
  ClusterSpec c = make_cluster(1, 8, 8, 2, 64, 1.0, true);
  c.node.nvls = nvls;
  return c;
}

std::vector<int> range(int from, int to) {
  std::vector<int> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

CollectiveAlgorithm resolved(const Topology& topo, CollectiveOp op, const std::vector<int>& gpus, double bytes,
                             CollectiveParams params = {orrery::test::kStepOverhead}) {
  Engine engine;
  FlowNetwork net(engine, topo);
  CollectiveRunner runner(engine, net, topo, params);
  return runner.resolved_algorithm(op, gpus, bytes, CollectiveAlgorithm::automatic);
}

}  // namespace

TEST_CASE("double binary tree all-reduce inside a node matches 2S/B plus 2 x depth alphas") {
  Topology topo(one_node(false));
  // n = 4. Tree 0 (positions = members): 2 -> 0, 1 -> 2, 3 -> 2, depth 2.
  // Tree 1 (shifted by one): 3 -> 1, 2 -> 3, 0 -> 3. GPUs 2 and 3 are inside
  // one tree each: 4 flows of S/2 out and 4 in, so every flow gets B/4:
  // S = 8e8: (4e8) / (1e11) = 4 ms + 2 x 2 x 7 us = 4,028,000 ns.
  const auto four = range(0, 4);
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, four, 8e8, CollectiveAlgorithm::tree) - 4'028'000) <= 1);
  CHECK(closed_form(topo, CollectiveOp::all_reduce, four, 8e8, CollectiveAlgorithm::tree) ==
        Approx(4.028e-3).epsilon(1e-12));
  // n = 8: depth 3 (1 -> 2 -> 4 -> 0): 4 ms + 6 x 7 us = 4,042,000 ns.
  const auto eight = range(0, 8);
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, eight, 8e8, CollectiveAlgorithm::tree) - 4'042'000) <= 1);
  CHECK(closed_form(topo, CollectiveOp::all_reduce, eight, 8e8, CollectiveAlgorithm::tree) ==
        Approx(4.042e-3).epsilon(1e-12));
  // n = 2: one edge per tree, 2 flows of S/2 each way: S/B + 2 alpha, a ring's time.
  const std::vector<int> two = {0, 1};
  CHECK(closed_form(topo, CollectiveOp::all_reduce, two, 8e8, CollectiveAlgorithm::tree) ==
        Approx(closed_form(topo, CollectiveOp::all_reduce, two, 8e8, CollectiveAlgorithm::ring)).epsilon(1e-12));
}

TEST_CASE("nvls all-reduce takes S(g+1)/(gB) plus 2 alphas and only where the switch reduces") {
  // S = 8e8 on 8 GPUs: 9/8 x 8e8 / 4e11 = 2.25 ms + 2 x 7 us = 2,264,000 ns,
  // against a ring's 2 x 7/8 x 2 ms = 3.5 ms + 14 x 7 us = 3,598,000 ns.
  Topology nvls(one_node(true)), plain(one_node(false));
  const auto eight = range(0, 8);
  CHECK(std::llabs(simulate(nvls, CollectiveOp::all_reduce, eight, 8e8, CollectiveAlgorithm::nvls) - 2'264'000) <= 1);
  CHECK(closed_form(nvls, CollectiveOp::all_reduce, eight, 8e8, CollectiveAlgorithm::nvls) ==
        Approx(2.264e-3).epsilon(1e-12));
  CHECK(resolved(nvls, CollectiveOp::all_reduce, eight, 8e8) == CollectiveAlgorithm::nvls);
  CHECK(resolved(nvls, CollectiveOp::all_reduce, eight, 1e3) == CollectiveAlgorithm::nvls);
  // No in-switch reduction: nvls falls back to the ring, and automatic picks it.
  CHECK(std::llabs(simulate(plain, CollectiveOp::all_reduce, eight, 8e8, CollectiveAlgorithm::nvls) - 3'598'000) <= 1);
  CHECK(resolved(plain, CollectiveOp::all_reduce, eight, 8e8) == CollectiveAlgorithm::ring);
  // Reduce-scatter has no nvls variant here: a ring (7/8 x 2 ms + 7 x 7 us).
  CHECK(resolved(nvls, CollectiveOp::reduce_scatter, eight, 8e8) == CollectiveAlgorithm::ring);
  // Spanning two nodes, nvls does not apply.
  ClusterSpec two_nodes = make_cluster(2, 8, 8, 2, 64, 1.0, true);
  two_nodes.node.nvls = true;
  Topology across(two_nodes);
  CHECK(resolved(across, CollectiveOp::all_reduce, range(0, 16), 8e8) == CollectiveAlgorithm::hierarchical);
}

TEST_CASE("all-to-all direct and pairwise match their closed forms") {
  Topology topo(one_node(false));
  const auto four = range(0, 4);
  // S = 8e8, n = 4: every rank sends S/4 = 2e8 to each of 3 others.
  // direct: 3 flows share each GPU's port: 2e8 / (4e11 / 3) = 1.5 ms + 7 us.
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_to_all, four, 8e8, CollectiveAlgorithm::direct) - 1'507'000) <=
        1);
  CHECK(closed_form(topo, CollectiveOp::all_to_all, four, 8e8, CollectiveAlgorithm::direct) ==
        Approx(1.507e-3).epsilon(1e-12));
  // pairwise: 3 rounds of 2e8 / 4e11 = 0.5 ms + 7 us: 1,521,000 ns.
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_to_all, four, 8e8, CollectiveAlgorithm::pairwise) - 1'521'000) <=
        3);
  CHECK(closed_form(topo, CollectiveOp::all_to_all, four, 8e8, CollectiveAlgorithm::pairwise) ==
        Approx(1.521e-3).epsilon(1e-12));
  CHECK(resolved(topo, CollectiveOp::all_to_all, four, 8e8) == CollectiveAlgorithm::direct);
  // Across 2 nodes with one GPU each (rail 0, one leaf: 6.5 us + 5 us): a
  // single flow of S/2 each way: 4e8 / 5e10 = 8 ms + 11.5 us.
  Topology two(make_cluster(2, 8, 8, 2, 64, 1.0, true));
  CHECK(std::llabs(simulate(two, CollectiveOp::all_to_all, {0, 8}, 8e8) - 8'011'500) <= 1);
}

TEST_CASE("hierarchical reduce-scatter and all-gather across 4 nodes match their closed forms") {
  // 4 nodes x 8 GPUs, S = 8e8 (see hierarchical_test.cpp for the link figures).
  //   intra RS: 7/8 x 8e8 / 4e11 = 1.75 ms + 7 x 7 us = 1,799,000 ns
  //   inter RS of S/8 = 1e8 over 4 nodes: 3/4 x 1e8 / 5e10 = 1.5 ms + 3 x 11.5 us = 1,534,500 ns
  // total 3,333,500 ns; all-gather runs the same phases in reverse.
  Topology topo(make_cluster(4, 8, 8, 2, 64, 1.0, true));
  const auto all = range(0, 32);
  for (CollectiveOp op : {CollectiveOp::reduce_scatter, CollectiveOp::all_gather}) {
    INFO(orrery::to_string(op));
    CHECK(std::llabs(simulate(topo, op, all, 8e8, CollectiveAlgorithm::hierarchical) - 3'333'500) <= 2);
    CHECK(closed_form(topo, op, all, 8e8, CollectiveAlgorithm::hierarchical) == Approx(3.3335e-3).epsilon(1e-12));
    CHECK(resolved(topo, op, all, 8e8) == CollectiveAlgorithm::hierarchical);
  }
}

TEST_CASE("automatic all-reduce across nodes: tree when latency-bound and hierarchical when bandwidth-bound") {
  // 4 nodes x 8 GPUs, all 32. Latency alone (S = 0), alpha = path + 5 us:
  //   ring: 62 steps; the 7 -> 8 edges cross rails through a spine (9.5 us):
  //         62 x 14.5 us = 899 us
  //   hierarchical: 2 x 7 steps x 7 us + 6 steps x 11.5 us = 167 us
  //   tree: depth 5 (1 -> 2 -> 4 -> 8 -> 16 -> 0), 10 steps; tree 1 joins
  //         GPU 0 to GPU 31 (other rail, 9.5 us): 10 x 14.5 us = 145 us
  Topology topo(make_cluster(4, 8, 8, 2, 64, 1.0, true));
  const auto all = range(0, 32);
  CHECK(closed_form(topo, CollectiveOp::all_reduce, all, 0, CollectiveAlgorithm::ring) == Approx(899e-6).epsilon(1e-9));
  CHECK(closed_form(topo, CollectiveOp::all_reduce, all, 0, CollectiveAlgorithm::hierarchical) ==
        Approx(167e-6).epsilon(1e-9));
  CHECK(closed_form(topo, CollectiveOp::all_reduce, all, 0, CollectiveAlgorithm::tree) == Approx(145e-6).epsilon(1e-9));
  // 1 KB: latency-bound, the tree. 800 MB: the hierarchical all-reduce's
  // bandwidth term (6.667 ms, hierarchical_test.cpp) beats the tree's, whose
  // cross-node edges load some NICs with several S/2 flows.
  CHECK(resolved(topo, CollectiveOp::all_reduce, all, 1e3) == CollectiveAlgorithm::tree);
  CHECK(resolved(topo, CollectiveOp::all_reduce, all, 8e8) == CollectiveAlgorithm::hierarchical);
  // Whatever it picks is the fastest of the candidates' closed forms.
  for (double bytes : {1e3, 1e5, 1e6, 4e6, 1.6e7, 6.4e7}) {
    INFO(bytes);
    const double best = std::min({closed_form(topo, CollectiveOp::all_reduce, all, bytes, CollectiveAlgorithm::ring),
                                  closed_form(topo, CollectiveOp::all_reduce, all, bytes, CollectiveAlgorithm::hierarchical),
                                  closed_form(topo, CollectiveOp::all_reduce, all, bytes, CollectiveAlgorithm::tree)});
    CHECK(closed_form(topo, CollectiveOp::all_reduce, all, bytes) == Approx(best).epsilon(1e-12));
  }
  // Inside one node without NVLS: always the ring.
  CHECK(resolved(topo, CollectiveOp::all_reduce, range(0, 8), 1e3) == CollectiveAlgorithm::ring);
}

TEST_CASE("params name what automatic runs and bad algorithm choices are errors") {
  Topology topo(make_cluster(4, 8, 8, 2, 64, 1.0, true));
  const auto all = range(0, 32);
  CollectiveParams ring_only{orrery::test::kStepOverhead};
  ring_only.algorithm[static_cast<std::size_t>(CollectiveOp::all_reduce)] = CollectiveAlgorithm::ring;
  CHECK(resolved(topo, CollectiveOp::all_reduce, all, 8e8, ring_only) == CollectiveAlgorithm::ring);
  // An explicit algorithm in the call wins over the params.
  {
    Engine engine;
    FlowNetwork net(engine, topo);
    CollectiveRunner runner(engine, net, topo, ring_only);
    CHECK(runner.resolved_algorithm(CollectiveOp::all_reduce, all, 8e8, CollectiveAlgorithm::tree) ==
          CollectiveAlgorithm::tree);
    orrery::test::Done done;
    CHECK_THROWS_AS(runner.start(CollectiveOp::all_reduce, all, 8e8, CollectiveAlgorithm::direct, &done, 1),
                    std::invalid_argument);
    CHECK_THROWS_AS(runner.start(CollectiveOp::all_to_all, all, 8e8, CollectiveAlgorithm::ring, &done, 1),
                    std::invalid_argument);
  }
  CollectiveParams bad{orrery::test::kStepOverhead};
  bad.algorithm[static_cast<std::size_t>(CollectiveOp::all_to_all)] = CollectiveAlgorithm::tree;
  Engine engine;
  FlowNetwork net(engine, topo);
  CHECK_THROWS_AS(CollectiveRunner(engine, net, topo, bad), std::invalid_argument);
}

TEST_CASE("ring all-reduce on a 1D torus uses one link per step") {
  // 8 chips in a ring (2 hosts of 4): each chip's 400 GB/s over 2 links ->
  // 200 GB/s per link; ring member i -> i + 1 is one hop of 1 us (alpha =
  // 6 us), 7 -> 0 the wrap-around link. S = 8e8:
  //   2 x 7/8 x 8e8 / 2e11 = 7 ms + 14 x 6 us = 7,084,000 ns.
  ClusterSpec c = make_cluster(2, 4, 1, 2, 64, 1.0, true);
  c.fabric.topology = "torus";
  c.fabric.torus_dims = {8};
  Topology topo(c);
  const auto all = range(0, 8);
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, all, 8e8, CollectiveAlgorithm::ring) - 7'084'000) <= 1);
  CHECK(closed_form(topo, CollectiveOp::all_reduce, all, 8e8, CollectiveAlgorithm::ring) ==
        Approx(7.084e-3).epsilon(1e-12));
}
