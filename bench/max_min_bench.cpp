// bench_max_min: figures for the network model (a plain main; not run by ctest).
//   1. building a 16,384-GPU 3-tier topology; route() cost
//   2. 10,000 random inter-node flows on a 2-tier fat tree (one big component):
//      batch solve, then churn (remove one flow, add one, re-solve)
//   3. a TP-like pattern: 2,048 independent 8-GPU rings inside nodes
//      (16,384 flows): a change must cost O(its component), not O(all flows)
//   4. FlowNetwork on the engine: the TP rings, started together, run to the end
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "hardware/cluster.hpp"
#include "sim/engine/engine.hpp"
#include "sim/network/flow_network.hpp"
#include "sim/network/max_min.hpp"
#include "sim/network/topology.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// H100-like figures: NVLink 450 GB/s/direction, PCIe Gen5 64, NDR 50 GB/s.
orrery::ClusterSpec cluster(int nodes, int tiers, bool rail) {
  orrery::ClusterSpec c;
  c.nodes = nodes;
  c.node.gpus_per_node = 8;
  c.node.nics_per_node = 8;
  c.scale_up = {"nvlink4", 450, 1.0, ""};
  c.gpu_nic = {"pcie5", 64, 1.0, ""};
  c.nic = {"ndr", 50, 2.0, ""};
  c.fabric.tiers = tiers;
  c.fabric.switch_radix = 64;
  c.fabric.rail_optimized = rail;
  c.fabric.link = {"ndr", 50, 1.0, ""};
  return c;
}

struct Lcg {
  std::uint64_t x = 0x2545F4914F6CDD1Dull;
  std::uint32_t next() {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(x >> 33);
  }
};

struct FlowCounter final : orrery::FlowListener {
  std::uint64_t done = 0;
  void on_flow_done(orrery::Engine&, std::uint64_t) override { ++done; }
};

}  // namespace

int main() {
  using orrery::MaxMinFlowModel;
  using orrery::Topology;

  // 1. Topology at 16,384 GPUs.
  auto t0 = Clock::now();
  Topology big(cluster(2048, 3, true));
  const double build_s = seconds_since(t0);
  std::printf("topology 16384 GPUs, 3 tiers: %zu vertices, %zu links, built in %.1f ms\n", big.vertex_count(),
              big.link_count(), build_s * 1e3);
  {
    Lcg rng;
    std::vector<orrery::LinkId> buffer(Topology::max_route_links);
    std::uint64_t checksum = 0;
    const int routes = 2'000'000;
    t0 = Clock::now();
    for (int i = 0; i < routes; ++i) {
      const int s = static_cast<int>(rng.next() % 16384);
      const int d = static_cast<int>((s + 1 + rng.next() % 16383) % 16384);
      checksum += big.route_into(s, d, static_cast<std::uint64_t>(i), buffer);
    }
    const double s = seconds_since(t0);
    std::printf("route_into: %.1f ns per route (%d routes, %llu links)\n", s / routes * 1e9, routes,
                static_cast<unsigned long long>(checksum));
  }

  // 2. 10,000 random inter-node flows over a 2-tier fat tree (256 nodes, 2048 GPUs).
  {
    Topology tree(cluster(256, 2, true));
    MaxMinFlowModel model;
    for (orrery::LinkId l = 0; l < tree.link_count(); ++l) model.add_link(tree.link(l).capacity_bytes_per_s);
    Lcg rng;
    std::vector<orrery::LinkId> path(Topology::max_route_links);
    const auto random_flow = [&] {
      const int s = static_cast<int>(rng.next() % 2048);
      int d = static_cast<int>(rng.next() % 2048);
      if (d / 8 == s / 8) d = (d + 8) % 2048;
      const std::size_t n = tree.route_into(s, d, rng.next(), path);
      return model.add_flow(std::span<const orrery::LinkId>(path.data(), n));
    };
    const int flows = 10'000;
    std::vector<MaxMinFlowModel::FlowIndex> ids;
    t0 = Clock::now();
    for (int i = 0; i < flows; ++i) ids.push_back(random_flow());
    model.solve();
    const double batch_s = seconds_since(t0);
    std::printf("fat tree 2 tiers, %d flows: add + one solve %.2f ms (%zu flows re-rated, %zu links)\n", flows,
                batch_s * 1e3, model.resolved_flows().size(), model.resolved_link_count());
    const int changes = 500;
    std::size_t touched = 0;
    t0 = Clock::now();
    for (int i = 0; i < changes; ++i) {
      const std::size_t k = rng.next() % ids.size();
      model.remove_flow(ids[k]);
      ids[k] = random_flow();
      model.solve();
      touched += model.resolved_flows().size();
    }
    const double churn_s = seconds_since(t0);
    std::printf("  churn: %.1f us per change (remove + add + solve), %.0f flows re-rated per change\n",
                churn_s / changes * 1e6, static_cast<double>(touched) / changes);
  }

  // 3. TP-like: 2,048 rings of 8 flows inside nodes (16,384 GPUs).
  {
    MaxMinFlowModel model;
    for (orrery::LinkId l = 0; l < big.link_count(); ++l) model.add_link(big.link(l).capacity_bytes_per_s);
    std::vector<MaxMinFlowModel::FlowIndex> ids;
    t0 = Clock::now();
    for (int node = 0; node < 2048; ++node)
      for (int i = 0; i < 8; ++i) {
        const auto r = big.route(node * 8 + i, node * 8 + (i + 1) % 8);
        ids.push_back(model.add_flow(r));
      }
    model.solve();
    const double batch_s = seconds_since(t0);
    std::printf("TP rings: 2048 x 8 flows: add + one solve %.2f ms\n", batch_s * 1e3);
    Lcg rng;
    const int changes = 100'000;
    std::size_t touched = 0;
    t0 = Clock::now();
    for (int i = 0; i < changes; ++i) {
      const std::size_t k = rng.next() % ids.size();
      const auto links = model.path(ids[k]);
      const std::vector<orrery::LinkId> copy(links.begin(), links.end());
      model.remove_flow(ids[k]);
      ids[k] = model.add_flow(copy);
      model.solve();
      touched += model.resolved_flows().size();
    }
    const double churn_s = seconds_since(t0);
    std::printf("  churn: %.2f us per change, %.1f flows re-rated per change (of 16384)\n",
                churn_s / changes * 1e6, static_cast<double>(touched) / changes);
  }

  // 4. FlowNetwork: the same TP rings on the engine, 5 rounds of 16,384 flows.
  {
    orrery::Engine engine;
    orrery::FlowNetwork net(engine, big);
    FlowCounter counter;
    t0 = Clock::now();
    std::uint64_t events = 0;
    for (int round = 0; round < 5; ++round) {
      for (int node = 0; node < 2048; ++node)
        for (int i = 0; i < 8; ++i)
          net.start_flow(node * 8 + i, node * 8 + (i + 1) % 8, 1e8 * (1 + i % 3), &counter,
                         static_cast<std::uint64_t>(node * 8 + i));
      events += engine.run();
    }
    const double s = seconds_since(t0);
    std::printf("FlowNetwork: %llu flows, %llu events in %.1f ms (%.2f us per flow), simulated %.3f ms\n",
                static_cast<unsigned long long>(counter.done), static_cast<unsigned long long>(events), s * 1e3,
                s / static_cast<double>(counter.done) * 1e6, engine.now().seconds() * 1e3);
  }
  return 0;
}
