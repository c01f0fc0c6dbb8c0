// Path choice among equal-cost paths: ECMP hashing vs D-mod-K (InfiniBand's
// static, destination-based fat-tree routing).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

#include "sim/network/topology.hpp"
#include "tests/network/test_clusters.hpp"

using orrery::ClusterSpec;
using orrery::LinkId;
using orrery::Topology;
using orrery::test::make_cluster;

namespace {

// 32 nodes of 1 GPU and 1 NIC, 3 tiers, radix 8 (4 down-ports), not
// rail-optimized: 8 leaves of 4 NICs (NIC i on leaf i / 4, port i % 4, so its
// D-mod-K index d = i); leaf uplink 4 x 50 GB/s -> S = 4 planes of 50 GB/s;
// pods of 4 leaves -> 2 pods; spine down 200 GB/s -> C = 4 cores per plane,
// 50 GB/s each. A full fat tree: every NIC's 50 GB/s has its own path up.
ClusterSpec three_tier_32(const std::string& routing) {
  ClusterSpec c = make_cluster(32, 1, 1, 3, 8, 1.0, false);
  c.fabric.routing = routing;
  return c;
}

// Most flows on any one directed link when every GPU i sends to (i + k) mod n.
int max_flows_per_link(const Topology& t, int k) {
  std::map<LinkId, int> load;
  const int n = t.gpus();
  for (int i = 0; i < n; ++i)
    for (LinkId l : t.route(i, (i + k) % n)) ++load[l];
  int most = 0;
  for (const auto& [link, flows] : load) most = std::max(most, flows);
  return most;
}

}  // namespace

TEST_CASE("D-mod-K: every shift permutation on a full 3-tier fat tree is collision-free") {
  // Hand derivation (d = destination index, S = C = 4): the sources under a
  // leaf are 4 consecutive i, so their destinations i + k are 4 consecutive
  // values mod 32: distinct d mod 4, distinct leaf uplinks. Under a spine
  // (pod p, plane j): the pod's 16 consecutive sources whose d = j mod 4 have
  // d = j + 4t for 4 consecutive t: distinct (d / 4) mod 4, distinct cores.
  // Going down, core (j, c) -> pod q carries only the one d of pod q with
  // d mod 4 = j and (d / 4) mod 4 = c; spine (q, j) -> leaf L only the one
  // d on L with d mod 4 = j. One destination, one source: one flow per link.
  const Topology t(three_tier_32("d_mod_k"));
  for (int k = 1; k < 32; ++k) {
    INFO("shift " << k);
    CHECK(max_flows_per_link(t, k) == 1);
  }
}

TEST_CASE("ECMP: hashing puts two flows of some shift on one link") {
  // The same shifts under ECMP: 32 flows hashed onto 4 planes collide (the
  // hash is fixed, so this is deterministic).
  const Topology t(three_tier_32("ecmp"));
  int worst = 0;
  for (int k = 1; k < 32; ++k) worst = std::max(worst, max_flows_per_link(t, k));
  CHECK(worst >= 2);
}

TEST_CASE("D-mod-K: the path depends on the destination only") {
  const Topology t(three_tier_32("d_mod_k"));
  // GPU 0 -> 29: leaf 0 (pod 0) to leaf 7 (pod 1): 8 links
  // GPU-NIC-leaf-spine-core-spine-leaf-NIC-GPU. d = 29: plane 29 mod 4 = 1,
  // core (29 / 4) mod 4 = 3. GPU 0 -> 25: plane 1, core 6 mod 4 = 2: same
  // leaf uplink (r[2]), another core (r[3]). GPU 0 -> 30: plane 2: another uplink.
  const auto to29 = t.route(0, 29), to25 = t.route(0, 25), to30 = t.route(0, 30);
  REQUIRE(to29.size() == 8);
  CHECK(to29[2] == to25[2]);
  CHECK(to29[3] != to25[3]);
  CHECK(to29[2] != to30[2]);
  // Every source in pod 0 reaches 29 down the same links from the core on;
  // the flow key changes nothing.
  for (int src = 1; src < 16; ++src) {
    const auto r = t.route(src, 29, static_cast<std::uint64_t>(src) * 7919);
    REQUIRE(r.size() == 8);
    CHECK(std::equal(r.begin() + 4, r.end(), to29.begin() + 4));
    CHECK(t.is_path(src, 29, r));
  }
}

TEST_CASE("fabric.routing auto takes the fabric link's routing, bad names are errors") {
  ClusterSpec c = three_tier_32("auto");
  c.fabric.link.routing = "d_mod_k";   // as the catalog's InfiniBand links say
  const Topology ib(c);
  for (int k = 1; k < 32; ++k) CHECK(max_flows_per_link(ib, k) == 1);
  // Default routing of a test link is ECMP: keys spread one pair over planes.
  const Topology eth(three_tier_32("auto"));
  bool spread = false;
  for (std::uint64_t key = 1; key < 16; ++key) spread = spread || eth.route(0, 29, key)[2] != eth.route(0, 29, 0)[2];
  CHECK(spread);

  c.fabric.routing = "adaptive";
  try {
    Topology bad(c);
    FAIL("expected an error");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("fabric.routing 'adaptive'") != std::string::npos);
  }
}
