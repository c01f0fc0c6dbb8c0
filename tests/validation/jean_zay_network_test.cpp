// Jean Zay's network, measured (jean-zay-nccl-all-reduce.json): BigScience's
// all-reduce of 4 GB over 4 of BLOOM's A100 nodes, NCCL 2.10 over the
// Omni-Path ports without GPUDirect RDMA. NCCL ran it as two ring channels
// that both cross every node boundary through one port each way, so the
// bus bandwidth it reached is what one port carried: that is the catalog's
// Omni-Path efficiency, derived here the way the other links' are (bus
// bandwidth over the data rate). The simulated ring then has to reproduce
// the measured time on BLOOM's own cluster description.
#include <algorithm>
#include <cstdio>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sim/collectives/collective.hpp"
#include "sim/network/flow_network.hpp"
#include "sim/network/topology.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "validation_data.hpp"

using namespace orrery;

namespace {

// The median of the trials after NCCL's connection setup.
double steady_seconds(const nlohmann::json& run) {
  std::vector<double> t = run.at("trial_seconds").get<std::vector<double>>();
  t.erase(t.begin(), t.begin() + run.at("setup_trials").get<int>());
  std::sort(t.begin(), t.end());
  const std::size_t n = t.size();
  return n % 2 == 1 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2;
}

// nccl-tests' bus bandwidth of an all-reduce over `ranks`, GB/s.
double all_reduce_busbw(double bytes, double seconds, int ranks) {
  return bytes / seconds * 2.0 * (ranks - 1) / ranks / 1e9;
}

struct Done final : CollectiveListener {
  std::int64_t at_ns = -1;
  void on_collective_done(Engine& engine, std::uint64_t) override { at_ns = engine.now().ns(); }
};

}  // namespace

TEST_CASE("Jean Zay's NCCL all-reduce: the Omni-Path efficiency derived from it, and the ring reproduces it") {
  const auto data = test::source_json("tests/validation/data/jean-zay-nccl-all-reduce.json");
  const double bytes = data.at("bytes").get<double>();
  const auto& runs = data.at("runs");
  const Catalog catalog = Catalog::builtin();
  const LinkSpec port = catalog.link("omnipath-100", "test");

  const auto& whole_nodes = runs.at(0);   // 8 GPUs per node, as BLOOM ran
  const int ranks = whole_nodes.at("nodes").get<int>() * whole_nodes.at("gpus_per_node").get<int>();
  const double seconds = steady_seconds(whole_nodes);
  const double busbw = all_reduce_busbw(bytes, seconds, ranks);
  const double derived = busbw / port.bandwidth_gb_per_s;
  // The run with 4 GPUs per node crossed the nodes the same way: one port each way.
  const auto& half_nodes = runs.at(1);
  const double busbw_half = all_reduce_busbw(
      bytes, steady_seconds(half_nodes), half_nodes.at("nodes").get<int>() * half_nodes.at("gpus_per_node").get<int>());

  // The ring over the 32 GPUs in rank order, as NCCL logged it, on BLOOM's
  // cluster description cut to 4 nodes.
  auto scenario = test::source_json("scenarios/validation/bloom-176b.json");
  scenario["cluster"]["nodes"] = whole_nodes.at("nodes");
  scenario["parallelism"] = {{"tp", 4}, {"pp", 8}, {"dp", 1}};
  const Scenario s = parse_scenario(scenario, catalog);
  const Topology topology(s.cluster);
  std::vector<int> group(static_cast<std::size_t>(ranks));
  for (int g = 0; g < ranks; ++g) group[static_cast<std::size_t>(g)] = g;
  Engine engine;
  FlowNetwork network(engine, topology);
  CollectiveRunner runner(engine, network, topology, s.collectives);
  Done done;
  runner.start(CollectiveOp::all_reduce, group, bytes, CollectiveAlgorithm::ring, &done, 0);
  engine.run();
  REQUIRE(done.at_ns > 0);
  const double simulated = static_cast<double>(done.at_ns) * 1e-9;

  std::printf("\nJean Zay, all-reduce of %.1f GB on %d GPUs: measured %.4f s (bus %.2f GB/s, %.2f GB/s with 4 GPUs "
              "per node), simulated ring %.4f s (%+.2f%%); Omni-Path efficiency %.4f derived, %.3f in the catalog\n",
              bytes / 1e9, ranks, seconds, busbw, busbw_half, simulated, 100 * (simulated / seconds - 1), derived,
              port.efficiency);

  CHECK(seconds == Approx(1.5289).margin(1e-4));
  CHECK(busbw == Approx(5.069).margin(0.001));
  CHECK(busbw_half == Approx(busbw).epsilon(0.03));   // 4.95 GB/s: the port, not the GPUs, sets the pace
  CHECK(port.efficiency == Approx(derived).margin(0.001));
  // The simulated ring: the catalog's rounding (0.405 for 0.4055, +0.13%)
  // and 62 steps of latency (+0.03%) on top of the port's bandwidth term.
  CHECK(simulated == Approx(seconds).epsilon(0.002));
}
