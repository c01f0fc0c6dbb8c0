#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "tests/collectives/run_collective.hpp"

using orrery::CollectiveAlgorithm;
using orrery::CollectiveOp;
using orrery::Topology;
using orrery::test::closed_form;
using orrery::test::make_cluster;
using orrery::test::simulate;

namespace {

// 4 nodes x 8 GPUs x 8 NICs, 2-tier rail-optimized fat tree (radix 64): GPU k
// of every node sits on rail k's leaf, so the k-th GPUs of different nodes
// talk through one leaf (4 links, 50 GB/s NIC bottleneck, 6.5 us ->
// alpha_net = 11.5 us); inside a node 400 GB/s, 2 us -> alpha_nv = 7 us.
Topology four_nodes() { return Topology(make_cluster(4, 8, 8, 2, 64, 1.0, true)); }

std::vector<int> range(int n) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i) v.push_back(i);
  return v;
}

}  // namespace

TEST_CASE("hierarchical all-reduce across 4 nodes matches its closed form") {
  // S = 8e8, g = 8 per node, m = 4 nodes.
  // 1. reduce-scatter in each node: 7/8 x 8e8 / 4e11 = 1,750,000 ns + 7 x 7 us = 1,799,000
  // 2. all-reduce of S/g = 1e8 across nodes (8 rings of 4, one per rail):
  //    2 x 3/4 x 1e8 / 5e10 = 3,000,000 ns + 6 x 11.5 us = 3,069,000
  // 3. all-gather in each node: 1,799,000
  // total 6,667,000 ns.
  Topology topo = four_nodes();
  const auto all = range(32);
  const std::int64_t expected = 6'667'000;
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, all, 8e8, CollectiveAlgorithm::hierarchical) - expected) <= 3);
  CHECK(closed_form(topo, CollectiveOp::all_reduce, all, 8e8, CollectiveAlgorithm::hierarchical) ==
        Approx(6.667e-3).epsilon(1e-12));
  // automatic picks hierarchical: the group spans nodes with 8 members each.
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, all, 8e8) - expected) <= 3);
}

TEST_CASE("hierarchical grouping follows the nodes, whatever the member order") {
  // The same 32 GPUs listed rail by rail, nodes in the order 2, 0, 3, 1:
  // groups are nodes in order of first appearance, so the phases and the time
  // are those of the previous test.
  Topology topo = four_nodes();
  std::vector<int> scrambled;
  for (int k = 0; k < 8; ++k)
    for (int node : {2, 0, 3, 1}) scrambled.push_back(node * 8 + k);
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, scrambled, 8e8) - 6'667'000) <= 3);
}

TEST_CASE("hierarchical all-reduce with two GPUs per node") {
  // GPUs {0,1, 8,9, 16,17, 24,25}: g = 2, m = 4, S = 8e8.
  // 1. RS: 1/2 x 8e8 / 4e11 = 1,000,000 + 1 x 7 us = 1,007,000
  // 2. AR of 4e8 over 4 nodes: 1.5 x 4e8 / 5e10 = 12,000,000 + 6 x 11.5 us = 12,069,000
  //    (ring 0 on rail 0, ring 1 on rail 1: no shared link)
  // 3. AG: 1,007,000  -> 14,083,000 ns.
  Topology topo = four_nodes();
  const std::vector<int> gpus = {0, 1, 8, 9, 16, 17, 24, 25};
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, gpus, 8e8) - 14'083'000) <= 3);
  CHECK(closed_form(topo, CollectiveOp::all_reduce, gpus, 8e8) == Approx(14.083e-3).epsilon(1e-12));
}

TEST_CASE("one GPU per node, or uneven groups: a plain ring") {
  Topology topo = four_nodes();
  // {0, 8, 16, 24}: all rail 0, one leaf: 2 x 3/4 x 8e8 / 5e10 = 24 ms + 6 x 11.5 us.
  const std::vector<int> rail0 = {0, 8, 16, 24};
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, rail0, 8e8) - 24'069'000) <= 1);
  // {0, 1, 8}: 2 members on node 0, 1 on node 1 -> hierarchical does not
  // apply, even when asked for: ring 0 -> 1 -> 8 -> 0 of 2 x 2/3 x 6e8 = 8e8
  // bytes per flow. 1 -> 8 crosses rails through a spine (9.5 us), 8 -> 0
  // stays on rail 0's leaf; both at 50 GB/s: 16 ms + 4 steps x (9.5 + 5) us.
  const std::vector<int> uneven = {0, 1, 8};
  CHECK(std::llabs(simulate(topo, CollectiveOp::all_reduce, uneven, 6e8, CollectiveAlgorithm::hierarchical) -
                   16'058'000) <= 1);
  // Hierarchical reduce-scatter over the whole 4 nodes (algorithms_test.cpp
  // derives its figure): check the closed form agrees with the run.
  const auto all = range(32);
  const double rs = closed_form(topo, CollectiveOp::reduce_scatter, all, 8e8, CollectiveAlgorithm::hierarchical);
  CHECK(std::llabs(simulate(topo, CollectiveOp::reduce_scatter, all, 8e8, CollectiveAlgorithm::hierarchical) -
                   static_cast<std::int64_t>(rs * 1e9 + 0.5)) <= 1);
}
