#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

#include "sim/engine/engine.hpp"
#include "sim/network/flow_network.hpp"
#include "sim/network/topology.hpp"
#include "tests/network/test_clusters.hpp"

using orrery::Engine;
using orrery::FlowListener;
using orrery::FlowNetwork;
using orrery::SimTime;
using orrery::Topology;
using orrery::test::make_cluster;

namespace {

// Records (token, time in ns) of every finished flow.
struct Recorder final : FlowListener {
  std::vector<std::pair<std::uint64_t, std::int64_t>> done;
  void on_flow_done(Engine& engine, std::uint64_t token) override { done.emplace_back(token, engine.now().ns()); }
  std::int64_t time_of(std::uint64_t token) const {
    for (const auto& [t, ns] : done)
      if (t == token) return ns;
    return -1;
  }
};

// Starts one flow when its event fires (to start flows at chosen times).
struct DelayedStart final : orrery::EventHandler {
  FlowNetwork* network = nullptr;
  FlowListener* listener = nullptr;
  int src = 0, dst = 0;
  double bytes = 0;
  void on_event(Engine&, std::uint32_t, std::uint64_t token) override {
    network->start_flow(src, dst, bytes, listener, token);
  }
};

// 2 nodes x 8 GPUs on one switch (tiers = 1): intra-node paths cross two
// 400 GB/s scale-up links (2 us); inter-node paths PCIe 64 -> NIC 50 -> NIC 50
// -> PCIe 64 GB/s (6.5 us). See test_clusters.hpp.
Topology small_topology() { return Topology(make_cluster(2, 8, 8, 1, 64, 1.0, true)); }

}  // namespace

TEST_CASE("one flow takes B/C + latency, to the nanosecond") {
  Topology topo = small_topology();
  Engine engine;
  FlowNetwork net(engine, topo);
  Recorder rec;
  // Intra-node: B = 4e8 bytes at C = 4e11 B/s = 1e-3 s = 1,000,000 ns, + 2,000 ns.
  net.start_flow(0, 1, 4e8, &rec, 1);
  // Inter-node: bottleneck the 50 GB/s NIC: 5e8 / 5e10 = 10 ms, + 6,500 ns.
  net.start_flow(2, 9, 5e8, &rec, 2);
  CHECK(net.active_flows() == 2);
  engine.run();
  CHECK(rec.time_of(1) == 1'002'000);
  CHECK(rec.time_of(2) == 10'006'500);
  CHECK(net.active_flows() == 0);
  CHECK(net.bytes_delivered() == Approx(9e8));
}

TEST_CASE("two flows sharing a link take 2B/C each, and finish in creation order") {
  Topology topo = small_topology();
  Engine engine;
  FlowNetwork net(engine, topo);
  Recorder rec;
  // GPU 0 -> 2 and GPU 1 -> 2 share the NVSwitch -> GPU 2 link: C/2 each,
  // 4e8 / 2e11 = 2 ms, + 2 us latency.
  net.start_flow(0, 2, 4e8, &rec, 7);
  net.start_flow(1, 2, 4e8, &rec, 3);
  engine.run();
  REQUIRE(rec.done.size() == 2);
  CHECK(rec.done[0] == std::make_pair<std::uint64_t, std::int64_t>(7, 2'002'000));
  CHECK(rec.done[1] == std::make_pair<std::uint64_t, std::int64_t>(3, 2'002'000));
}

TEST_CASE("a flow that starts halfway through another's transfer: piecewise rates") {
  // A (0 -> 2, B = 4e8) starts at 0 alone at C = 4e11: B/C = 1,000,000 ns.
  // At t1 = 500,000 ns A has B/2 left and F (1 -> 2, B bytes) starts; both
  // get C/2 on the shared link.
  //   A: B/2 at C/2 takes B/C -> last byte at 1,500,000, listener at 1,502,000.
  //   F: by then it moved B/2; the other B/2 alone at C takes B/(2C) = 500,000
  //      -> last byte at 2,000,000, listener at 2,002,000.
  Topology topo = small_topology();
  Engine engine;
  FlowNetwork net(engine, topo);
  Recorder rec;
  DelayedStart later;
  later.network = &net;
  later.listener = &rec;
  later.src = 1;
  later.dst = 2;
  later.bytes = 4e8;
  const auto h = engine.add_handler(&later);
  net.start_flow(0, 2, 4e8, &rec, 1);
  engine.schedule_at(SimTime::from_ns(500'000), h, 0, 2);
  engine.run();
  CHECK(rec.time_of(1) == 1'502'000);
  CHECK(rec.time_of(2) == 2'002'000);
}

TEST_CASE("a zero-byte flow completes after the latency alone") {
  Topology topo = small_topology();
  Engine engine;
  FlowNetwork net(engine, topo);
  Recorder rec;
  net.start_flow(3, 12, 0, &rec, 5);  // inter-node: 6.5 us
  CHECK(net.active_flows() == 0);
  engine.run();
  CHECK(rec.time_of(5) == 6'500);
}

TEST_CASE("listeners may start the next flow: a chain of transfers") {
  // Each hop: 4e7 bytes at 4e11 = 100,000 ns + 2,000 ns latency; 5 in a row = 510,000 ns.
  struct Chain final : FlowListener {
    FlowNetwork* net = nullptr;
    int left = 5;
    std::int64_t end = 0;
    void on_flow_done(Engine& engine, std::uint64_t token) override {
      end = engine.now().ns();
      if (--left > 0) net->start_flow(static_cast<int>(token % 8), static_cast<int>((token + 1) % 8), 4e7, this, token + 1);
    }
  };
  Topology topo = small_topology();
  Engine engine;
  FlowNetwork net(engine, topo);
  Chain chain;
  chain.net = &net;
  net.start_flow(0, 1, 4e7, &chain, 1);
  engine.run();
  CHECK(chain.left == 0);
  CHECK(chain.end == 510'000);
}

TEST_CASE("two flows of different sizes: the survivor speeds up when the other leaves") {
  // Flows 0 -> 8 and 0 -> 9 both leave through GPU 0's PCIe link (64 GB/s)
  // and NIC 0's port (50 GB/s); the NIC is the bottleneck: 25 GB/s each.
  // Flow sizes 2.5e8 and 5e8:
  //   0 .. 10 ms: both at 25 GB/s; the small one ends at 2.5e8 / 2.5e10 = 10 ms.
  //   the big one then has 2.5e8 left at 50 GB/s: 5 ms more -> 15 ms.
  // + 6.5 us latency each.
  Topology topo = small_topology();
  Engine engine;
  FlowNetwork net(engine, topo);
  Recorder rec;
  net.start_flow(0, 8, 2.5e8, &rec, 1);
  net.start_flow(0, 9, 5e8, &rec, 2);
  engine.run();
  CHECK(rec.time_of(1) == 10'006'500);
  CHECK(rec.time_of(2) == 15'006'500);
}

TEST_CASE("same inputs, same outputs: two runs finish in the same order at the same times") {
  const auto run_once = [] {
    Topology topo(make_cluster(4, 8, 4, 2, 8, 2.0, false));
    Engine engine;
    FlowNetwork net(engine, topo);
    Recorder rec;
    std::uint64_t x = 12345;  // a fixed LCG: the workload is part of the test
    const auto next = [&x] {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      return x >> 33;
    };
    for (std::uint64_t token = 0; token < 300; ++token) {
      const int src = static_cast<int>(next() % 32);
      int dst = static_cast<int>(next() % 32);
      if (dst == src) dst = (dst + 1) % 32;
      const double bytes = static_cast<double>(1 + next() % 1000) * 1e5;
      net.start_flow(src, dst, bytes, &rec, token, token);
    }
    engine.run();
    CHECK(net.active_flows() == 0);
    return rec.done;
  };
  const auto first = run_once();
  const auto second = run_once();
  REQUIRE(first.size() == 300);
  CHECK(first == second);
}

TEST_CASE("flow network rejects bad flows") {
  Topology topo = small_topology();
  Engine engine;
  FlowNetwork net(engine, topo);
  Recorder rec;
  CHECK_THROWS_AS(net.start_flow(0, 0, 1, &rec, 0), std::invalid_argument);
  CHECK_THROWS_AS(net.start_flow(0, 1, -1, &rec, 0), std::invalid_argument);
  CHECK_THROWS_AS(net.start_flow(0, 99, 1, &rec, 0), std::out_of_range);
}

TEST_CASE("a bundle of disjoint ring edges moves at its slowest edge's pace") {
  Topology topo = small_topology();
  Engine engine;
  FlowNetwork net(engine, topo);
  Recorder rec;
  // Ring 0 -> 1 -> 2 -> 3 -> 0 inside node 0: four disjoint 2-link paths.
  std::vector<orrery::LinkId> links;
  for (int i = 0; i < 4; ++i) {
    const auto path = topo.route(i, (i + 1) % 4);
    links.insert(links.end(), path.begin(), path.end());
  }
  REQUIRE(links.size() == 8);
  // Uncontended: 4e8 B at 4e11 B/s = 1 ms, + 2 us latency: one flow's time.
  net.start_bundle(links, 2e-6, 4e8, &rec, 7);
  CHECK(net.active_flows() == 1);
  // A second flow over edge 1 -> 2's first link (GPU 1's uplink): that link
  // is shared 1:1, so the bundle (and the flow) run at 2e11 B/s until the
  // flow's 1e8 B are done at 0.5 ms; the bundle has then moved 1e8 and
  // finishes its last 3e8 at 4e11: 0.5 + 0.75 = 1.25 ms, + 2 us.
  net.start_flow(1, 2, 1e8, &rec, 8);
  engine.run();
  CHECK(rec.time_of(8) == 500'000 + 2'000);
  CHECK(rec.time_of(7) == 1'250'000 + 2'000);
  CHECK(net.active_flows() == 0);
}

TEST_CASE("start_bundle rejects bad bytes and latency, and repeated links") {
  Topology topo = small_topology();
  Engine engine;
  FlowNetwork net(engine, topo);
  Recorder rec;
  const auto path = topo.route(0, 1);
  CHECK_THROWS_AS(net.start_bundle(path, 0, -1, &rec, 1), std::invalid_argument);
  CHECK_THROWS_AS(net.start_bundle(path, -1e-6, 1, &rec, 1), std::invalid_argument);
  std::vector<orrery::LinkId> twice(path.begin(), path.end());
  twice.insert(twice.end(), path.begin(), path.end());
  CHECK_THROWS_AS(net.start_bundle(twice, 0, 1, &rec, 1), std::invalid_argument);
}
