#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "sim/network/topology.hpp"
#include "tests/network/test_clusters.hpp"

using orrery::LinkId;
using orrery::Topology;
using orrery::test::make_cluster;

namespace {

std::map<std::string, int> links_by_kind(const Topology& t) {
  std::map<std::string, int> count;
  for (LinkId l = 0; l < t.link_count(); ++l) ++count[t.link(l).kind];
  return count;
}

}  // namespace

TEST_CASE("4-node 2-tier rail-optimized fat tree: vertex and link counts") {
  // 4 nodes x 8 GPUs, 8 NICs each, radix 64 (32 down-ports), oversubscription 1.
  // Rail-optimized: one group of nodes (4 <= 32) -> one leaf per rail = 8 leaves,
  // each with 4 NICs. Leaf uplink U = 4 x 50 GB/s / 1 = 200 GB/s
  // -> S = ceil(200 / 50) = 4 spines, one 50 GB/s edge from each leaf to each.
  // Vertices: 32 GPUs + 4 NVSwitches + 32 NICs + 8 leaves + 4 spines = 80.
  // Full-duplex links: 32 GPU-NVSwitch + 32 GPU-NIC + 32 NIC-leaf + 8 x 4 leaf-spine
  // = 128, i.e. 256 directed links.
  Topology t(make_cluster(4, 8, 8, 2, 64, 1.0, true));
  CHECK(t.gpus() == 32);
  CHECK(t.gpus_per_node() == 8);
  CHECK(t.vertex_count() == 80);
  CHECK(t.link_count() == 256);
  const auto kinds = links_by_kind(t);
  CHECK(kinds.at("scale_up") == 64);
  CHECK(kinds.at("gpu_nic") == 64);
  CHECK(kinds.at("nic") == 64);
  CHECK(kinds.at("fabric") == 64);
  for (LinkId l = 0; l < t.link_count(); ++l)
    if (t.link(l).kind == "fabric") CHECK(t.link(l).capacity_bytes_per_s == Approx(50e9));
}

TEST_CASE("oversubscribed leaves get uplinks of down bandwidth / oversubscription") {
  // 4 nodes x 8 NICs, radix 16 -> 8 down-ports; not rail-optimized, so the
  // NICs fill leaves node by node: 4 leaves of 8 NICs (one node each).
  // Oversubscription 2: U = 8 x 50 / 2 = 200 GB/s -> 4 spines x 50 GB/s.
  // Vertices: 32 + 4 + 32 + 4 + 4 = 76; links: (32 + 32 + 32 + 4 x 4) x 2 = 224.
  Topology t(make_cluster(4, 8, 8, 2, 16, 2.0, false));
  CHECK(t.vertex_count() == 76);
  CHECK(t.link_count() == 224);
  double up_from_leaf0 = 0;
  // GPU 0 -> GPU 8 (node 0 leaf 0 -> node 1 leaf 1) goes through some spine;
  // every leaf-spine edge carries 50 GB/s, so a leaf's 4 uplinks sum to 200.
  for (std::uint64_t key = 0; key < 64; ++key) {
    const auto r = t.route(0, 8, key);
    REQUIRE(r.size() == 6);
    up_from_leaf0 = t.link(r[2]).capacity_bytes_per_s;
    CHECK(up_from_leaf0 == Approx(50e9));
  }
  CHECK(links_by_kind(t).at("fabric") == 32);
  // Fractional uplink counts are aggregated: oversubscription 3 gives
  // U = 8 x 50 / 3 = 133.3 GB/s -> ceil(2.67) = 3 spines of 44.4 GB/s each.
  Topology t3(make_cluster(4, 8, 8, 2, 16, 3.0, false));
  const auto r = t3.route(0, 8);
  CHECK(t3.link(r[2]).capacity_bytes_per_s == Approx(400e9 / 3 / 3));
  CHECK(t3.vertex_count() == 32 + 4 + 32 + 4 + 3);
}

TEST_CASE("a partly filled last leaf is cabled like the full ones") {
  // 5 nodes x 1 NIC, radix 8 -> 4 down-ports, not rail-optimized: leaf 0
  // holds nodes 0-3, leaf 1 node 4 alone. Leaves are cabled like the fullest:
  // U = 4 x 50 GB/s -> 4 spines, a 50 GB/s edge from every leaf to each, so
  // the route into node 4 (one plane, D-mod-K or ECMP) runs at NIC speed.
  Topology t(make_cluster(5, 1, 1, 2, 8, 1.0, false));
  const auto into = t.route(0, 4), out_of = t.route(4, 0);
  REQUIRE(into.size() == 6);
  REQUIRE(out_of.size() == 6);
  for (std::size_t i = 2; i <= 3; ++i) {   // leaf -> spine -> leaf
    CHECK(t.link(into[i]).capacity_bytes_per_s == Approx(50e9));
    CHECK(t.link(out_of[i]).capacity_bytes_per_s == Approx(50e9));
  }
  CHECK(links_by_kind(t).at("fabric") == 2 * 2 * 4);   // 2 leaves x 4 spines, both directions
}

TEST_CASE("a partly filled last pod is cabled like the full ones") {
  // 5 nodes x 1 NIC, radix 4 -> 2 down-ports: leaves of 2 NICs, pods of 2
  // leaves; pod 1 holds node 4 alone. Full leaf: U = 2 x 50 -> 2 planes of
  // 50 GB/s; a full pod's spine has 2 x 50 down -> 2 cores per plane, 50 GB/s
  // each. Node 4's spine gets the same, so a cross-pod route runs at NIC speed.
  Topology t(make_cluster(5, 1, 1, 3, 4, 1.0, false));
  for (const auto& r : {t.route(0, 4), t.route(4, 0)}) {
    REQUIRE(r.size() == 8);   // GPU-NIC, NIC-leaf, leaf-spine, spine-core, core-spine, spine-leaf, leaf-NIC, NIC-GPU
    for (std::size_t i = 2; i <= 5; ++i) CHECK(t.link(r[i]).capacity_bytes_per_s == Approx(50e9));
  }
}

TEST_CASE("3-tier fat tree: pods, spines and cores") {
  // 8 nodes x 8 GPUs x 8 NICs, radix 8 -> 4 down-ports, not rail-optimized:
  // 64 NICs / 4 = 16 leaves; pods of radix/2 = 4 leaves -> 4 pods.
  // U = 4 x 50 = 200 -> S = 4 spines per pod (16 spines), 50 GB/s per edge.
  // A spine's down bandwidth is 4 leaves x 50 = 200 -> C = 4 cores per plane,
  // 4 planes -> 16 cores; spine-core edges 200 / 4 = 50 GB/s.
  // Vertices: 64 + 8 + 64 + 16 + 16 + 16 = 184.
  // Links: (64 + 64 + 64 + 16 x 4 + 16 x 4) x 2 = 640.
  Topology t(make_cluster(8, 8, 8, 3, 8, 1.0, false));
  CHECK(t.vertex_count() == 184);
  CHECK(t.link_count() == 640);
  CHECK(links_by_kind(t).at("fabric") == 256);

  // Hop counts: same node 2; same pod (GPU 0 on leaf 0, GPU 8 = NIC 8 on leaf 2)
  // 6; across pods (GPU 32 = NIC 32 on leaf 8, pod 2) 8.
  CHECK(t.route(0, 4).size() == 2);
  CHECK(t.route(0, 8).size() == 6);
  CHECK(t.route(0, 32).size() == 8);
  // Latencies (see test_clusters.hpp): 2, 9.5 and 12.5 us.
  CHECK(t.path_latency_s(0, 4) == Approx(2e-6));
  CHECK(t.path_latency_s(0, 8) == Approx(9.5e-6));
  CHECK(t.path_latency_s(0, 32) == Approx(12.5e-6));
}

TEST_CASE("structural routes are real graph paths as short as BGL's BFS finds") {
  // Every ordered GPU pair of the 3-tier cluster above (64 x 63 pairs): the
  // route is a chain of graph edges from src to dst, and no path in the graph
  // is shorter.
  Topology t(make_cluster(8, 8, 8, 3, 8, 1.0, false));
  for (int s = 0; s < t.gpus(); ++s)
    for (int d = 0; d < t.gpus(); ++d) {
      if (s == d) continue;
      const auto r = t.route(s, d, static_cast<std::uint64_t>(s * 131 + d));
      REQUIRE(t.is_path(s, d, r));
      REQUIRE(static_cast<int>(r.size()) == t.bfs_hops(s, d));
    }
  // A broken chain is not a path.
  auto r = t.route(0, 32);
  std::swap(r[2], r[3]);
  CHECK_FALSE(t.is_path(0, 32, r));
}

TEST_CASE("rail-optimized: same rail stays on one leaf, other rails cross a spine") {
  // 2-tier cluster of the first test: GPU 0 and GPU 8 are local index 0 of
  // nodes 0 and 1 -> both on rail 0's leaf: GPU-NIC-leaf-NIC-GPU = 4 links,
  // latency 1 + 2.5 + 2 + 1 = 6.5 us. GPU 9 is on rail 1: 6 links, 9.5 us.
  Topology t(make_cluster(4, 8, 8, 2, 64, 1.0, true));
  CHECK(t.route(0, 8).size() == 4);
  CHECK(t.path_latency_s(0, 8) == Approx(6.5e-6));
  CHECK(t.route(0, 9).size() == 6);
  CHECK(t.path_latency_s(0, 9) == Approx(9.5e-6));
  CHECK(t.bfs_hops(0, 9) == 6);
}

TEST_CASE("ECMP spreads flows over the spines, deterministically") {
  Topology t(make_cluster(4, 8, 8, 2, 64, 1.0, true));  // 4 spines
  std::map<LinkId, int> per_uplink;
  for (std::uint64_t key = 0; key < 400; ++key) {
    const auto r = t.route(0, 9, key);
    CHECK(r == t.route(0, 9, key));  // same key, same path
    ++per_uplink[r[2]];
  }
  // Four spines, 400 keys: all four used, none with far from 100 flows
  // (a fixed hash: these counts never change between runs).
  REQUIRE(per_uplink.size() == 4);
  for (const auto& [link, n] : per_uplink) {
    CHECK(n > 60);
    CHECK(n < 140);
  }
  // Different destinations with the default key also spread: GPU 0 (rail 0's
  // leaf) to the 21 GPUs of nodes 1-3 on rails 1-7; r[2] is one of leaf 0's
  // four uplinks, so distinct ids are distinct spines.
  std::set<LinkId> used;
  for (int d = 8; d < 32; ++d)
    if (d % 8 != 0) used.insert(t.route(0, d)[2]);
  CHECK(used.size() == 4);
}

TEST_CASE("GPUs share NICs when a node has fewer NICs than GPUs") {
  // 8 GPUs, 2 NICs: GPU i uses NIC i * 2 / 8 -> GPUs 0-3 on NIC 0, 4-7 on NIC 1.
  Topology t(make_cluster(2, 8, 2, 1, 64, 1.0, false));
  CHECK(t.route(0, 8)[1] == t.route(3, 8)[1]);
  CHECK(t.route(0, 8)[1] != t.route(4, 8)[1]);
  CHECK(t.route(0, 8)[0] != t.route(3, 8)[0]);  // each GPU has its own PCIe link
  // Tiers = 1: one switch: every inter-node route is 4 links.
  CHECK(t.route(7, 15).size() == 4);
  // 16 GPUs + 2 NVSwitches + 4 NICs + 1 switch; (16 + 16 + 4) x 2 links.
  CHECK(t.vertex_count() == 23);
  CHECK(t.link_count() == 72);
}

TEST_CASE("DOT output lists every vertex and every full-duplex link once") {
  Topology t(make_cluster(2, 2, 1, 1, 8, 1.0, false));
  // 4 GPUs + 2 NVSwitches + 2 NICs + 1 switch; (4 + 4 + 2) pairs.
  const std::string dot = t.to_dot();
  CHECK(dot.rfind("graph orrery {", 0) == 0);
  std::size_t edges = 0;
  for (std::size_t p = dot.find(" -- "); p != std::string::npos; p = dot.find(" -- ", p + 1)) ++edges;
  CHECK(edges == t.link_count() / 2);
  CHECK(edges == 10);
  CHECK(dot.find("gpu3 -- nvswitch1") != std::string::npos);
  CHECK(dot.find("nic1 -- leaf0 [label=\"50 GB/s\"]") != std::string::npos);
}

TEST_CASE("bad clusters and bad routes are clear errors") {
  CHECK_THROWS_AS(Topology(make_cluster(4, 8, 8, 2, 64, 0.5, true)), std::invalid_argument);
  CHECK_THROWS_AS(Topology(make_cluster(4, 8, 8, 4, 64, 1.0, true)), std::invalid_argument);
  CHECK_THROWS_AS(Topology(make_cluster(4, 8, 0, 2, 64, 1.0, true)), std::invalid_argument);
  CHECK_THROWS_AS(Topology(make_cluster(0, 8, 8, 2, 64, 1.0, true)), std::invalid_argument);
  Topology t(make_cluster(2, 8, 8, 2, 64, 1.0, true));
  CHECK_THROWS_AS(t.route(3, 3), std::invalid_argument);
  CHECK_THROWS_AS(t.route(0, 16), std::out_of_range);
  CHECK_THROWS_AS(t.link(static_cast<LinkId>(t.link_count())), std::out_of_range);
  // One node needs no NICs: a node-only cluster has just GPUs and an NVSwitch.
  Topology single(make_cluster(1, 8, 0, 2, 64, 1.0, true));
  CHECK(single.vertex_count() == 9);
  CHECK(single.link_count() == 16);
}

TEST_CASE("16,384 GPUs: linear size, routes in O(hops)") {
  // 2,048 nodes x 8 GPUs x 8 NICs, 3 tiers, radix 64, rail-optimized:
  // groups of 32 nodes -> 64 groups x 8 rails = 512 leaves of 32 NICs;
  // U = 32 x 50 = 1600 GB/s -> S = 32 planes; pods of 32 leaves -> 16 pods,
  // 512 spines; spine down = 32 x 50 = 1600 -> C = 32, 32 x 32 = 1024 cores.
  // Vertices: 16384 + 2048 + 16384 + 512 + 512 + 1024 = 36864.
  // Links: (16384 GPU-NVSwitch + 16384 GPU-NIC + 16384 NIC-leaf
  //         + 512 x 32 leaf-spine + 512 x 32 spine-core) x 2 = 163840.
  Topology t(make_cluster(2048, 8, 8, 3, 64, 1.0, true));
  CHECK(t.gpus() == 16384);
  CHECK(t.vertex_count() == 36864);
  CHECK(t.link_count() == 163840);
  // Node 0 (group 0, pod 0) to node 2047 (group 63, pod 15), another rail: 8 links.
  const auto r = t.route(0, 16383, 7);
  CHECK(r.size() == 8);
  CHECK(t.is_path(0, 16383, r));
  // Node 0 to node 31 on the same rail: same leaf, 4 links.
  CHECK(t.route(0, 31 * 8).size() == 4);
}

TEST_CASE("spine oversubscription and a different spine-to-core link shape the top tier") {
  // The 3-tier, radix-4 cluster of tests/collectives/contention_test.cpp:
  // leaf uplink 50 GB/s (one plane), spine down 100 GB/s, spine
  // oversubscription 4 -> one 25 GB/s edge to the core. A spine_link with 3
  // us of latency (instead of 1) adds 2 x 2 us to a path through the core:
  // 12.5 + 4 = 16.5 us; paths inside a pod (through a spine only) keep 9.5 us.
  orrery::ClusterSpec c = orrery::test::make_cluster(4, 2, 2, 3, 4, 2.0, false);
  c.fabric.spine_oversubscription = 4;
  c.fabric.spine_link = orrery::LinkSpec{"slow-optics", 50, 3.0, "test"};
  const orrery::Topology topo(c);
  CHECK(topo.path_latency_s(0, 4) == Approx(16.5e-6).epsilon(1e-12));
  CHECK(topo.path_latency_s(0, 2) == Approx(9.5e-6).epsilon(1e-12));
  const auto route = topo.route(0, 4);
  REQUIRE(route.size() == 8);
  CHECK(topo.link(route[2]).capacity_bytes_per_s == Approx(50e9));  // leaf -> spine
  CHECK(topo.link(route[3]).capacity_bytes_per_s == Approx(25e9));  // spine -> core
  CHECK(topo.link(route[4]).capacity_bytes_per_s == Approx(25e9));  // core -> spine
  CHECK(topo.is_path(0, 4, route));
}

namespace {
orrery::ClusterSpec torus_cluster(int nodes, int per_node, std::vector<int> dims) {
  orrery::ClusterSpec c = make_cluster(nodes, per_node, 1, 2, 64, 1.0, true);
  c.fabric.topology = "torus";
  c.fabric.torus_dims = std::move(dims);
  return c;
}
}  // namespace

TEST_CASE("torus: dimension-order routes the short way round are shortest paths of the graph") {
  // 4 x 4 torus of 16 chips (4 hosts of 4): chip = x + 4y. 400 GB/s per chip
  // over 2 x 2 links -> 100 GB/s each; 1 us per hop.
  const Topology t2(torus_cluster(4, 4, {4, 4}));
  CHECK(t2.vertex_count() == 16);
  CHECK(t2.link_count() == 2 * 16 * 2);  // one pair per chip per dimension
  const auto r = t2.route(0, 10);        // (0,0) -> (2,2): x +2 (a tie goes +), then y +2
  REQUIRE(r.size() == 4);
  CHECK(t2.is_path(0, 10, r));
  CHECK(t2.link(r[0]).capacity_bytes_per_s == Approx(100e9));
  CHECK(t2.link(r[0]).kind == "ici");
  CHECK(t2.route(0, 3).size() == 1);     // x: 3 forward = 1 back, over the wrap-around link
  CHECK(t2.path_latency_s(0, 15) == Approx(2e-6));  // (3,3): one hop back in x and in y
  CHECK(t2.in_switch_reduction() == false);
  // 4 x 2 x 3 (24 chips; a dimension of 2 and an odd one): every pair's route
  // is a real path as long as BGL's breadth-first search finds.
  const Topology t3(torus_cluster(6, 4, {4, 2, 3}));
  CHECK(t3.link(t3.route(0, 1)[0]).capacity_bytes_per_s == Approx(400e9 / 6));
  int checked = 0;
  for (int a = 0; a < 24; ++a)
    for (int b = 0; b < 24; ++b) {
      if (a == b) continue;
      const auto route = t3.route(a, b);
      INFO(a << " -> " << b);
      CHECK(t3.is_path(a, b, route));
      CHECK(static_cast<int>(route.size()) == t3.bfs_hops(a, b));
      ++checked;
    }
  CHECK(checked == 24 * 23);
}

TEST_CASE("torus: dimensions must hold exactly the cluster's chips") {
  CHECK_THROWS_AS(Topology(torus_cluster(4, 4, {4, 3})), std::invalid_argument);
  CHECK_THROWS_AS(Topology(torus_cluster(4, 4, {})), std::invalid_argument);
  CHECK_THROWS_AS(Topology(torus_cluster(32, 2, {64})), std::invalid_argument);  // > 32 per dimension
}
