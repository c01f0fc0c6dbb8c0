// Jean Zay's network, measured (jean-zay-nccl-all-reduce.json): BigScience's
// all-reduce of 4 GB over 4 of BLOOM's A100 nodes, NCCL 2.10 over the
// Omni-Path ports without GPUDirect RDMA. NCCL ran it as two ring channels
// that both cross every node boundary through one port each way, so the
// bus bandwidth it reached is what one port carried: that is the efficiency
// of the node's ports (omnipath-100-staged), derived here the way the other
// links' are (bus bandwidth over the data rate). The simulated ring has to
// reproduce the measured time on BLOOM's own cluster description, and the
// second run (4 GPUs per node), not used for the derivation, too.
#include <algorithm>
#include <cstdio>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sim/network/topology.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "tests/collectives/run_collective.hpp"
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

// A ring all-reduce over the first `per_node` GPUs of each node, in rank
// order as NCCL logged it, simulated alone; seconds.
double simulated_ring(const Scenario& s, int per_node, double bytes) {
  std::vector<int> group;
  for (int node = 0; node < s.cluster.nodes; ++node)
    for (int g = 0; g < per_node; ++g) group.push_back(node * s.cluster.node.gpus_per_node + g);
  REQUIRE(s.collectives.step_overhead_s == Approx(test::kStepOverhead));   // the helper's
  return static_cast<double>(
             test::simulate(Topology(s.cluster), CollectiveOp::all_reduce, group, bytes, CollectiveAlgorithm::ring)) *
         1e-9;
}

}  // namespace

TEST_CASE("Jean Zay's NCCL all-reduce: the ports' efficiency derived from it, and the ring reproduces it") {
  const auto data = test::source_json("tests/validation/data/jean-zay-nccl-all-reduce.json");
  const double bytes = data.at("bytes").get<double>();
  const auto& runs = data.at("runs");
  const Catalog catalog = Catalog::builtin();
  const LinkSpec port = catalog.link("omnipath-100-staged", "test");

  const auto& whole_nodes = runs.at(0);   // 8 GPUs per node, as BLOOM ran
  const int ranks = whole_nodes.at("nodes").get<int>() * whole_nodes.at("gpus_per_node").get<int>();
  const double seconds = steady_seconds(whole_nodes);
  const double busbw = all_reduce_busbw(bytes, seconds, ranks);
  const double derived = busbw / port.bandwidth_gb_per_s;
  const auto& half_nodes = runs.at(1);   // 4 GPUs per node: held out
  const int half_ranks = half_nodes.at("nodes").get<int>() * half_nodes.at("gpus_per_node").get<int>();
  const double half_seconds = steady_seconds(half_nodes);

  // BLOOM's cluster description cut to the benchmark's 4 nodes.
  auto scenario = test::source_json("scenarios/validation/bloom-176b.json");
  scenario["cluster"]["nodes"] = whole_nodes.at("nodes");
  scenario["parallelism"] = {{"tp", 4}, {"pp", 8}, {"dp", 1}};
  const Scenario s = parse_scenario(scenario, catalog);
  REQUIRE(s.cluster.nic.name == port.name);
  const double simulated = simulated_ring(s, whole_nodes.at("gpus_per_node").get<int>(), bytes);
  const double simulated_half = simulated_ring(s, half_nodes.at("gpus_per_node").get<int>(), bytes);

  std::printf("\nJean Zay, all-reduce of %.1f GB: on %d GPUs measured %.4f s (bus %.3f GB/s), simulated ring %.4f s "
              "(%+.2f%%); on %d GPUs measured %.4f s (bus %.3f GB/s), simulated %.4f s (%+.2f%%); port efficiency "
              "%.4f derived, %.4f in the catalog\n",
              bytes / 1e9, ranks, seconds, busbw, simulated, 100 * (simulated / seconds - 1), half_ranks,
              half_seconds, all_reduce_busbw(bytes, half_seconds, half_ranks), simulated_half,
              100 * (simulated_half / half_seconds - 1), derived, port.efficiency);

  CHECK(seconds == Approx(1.5289).margin(1e-4));
  CHECK(busbw == Approx(5.069).margin(0.001));
  CHECK(port.efficiency == Approx(derived).margin(1e-4));
  // The port's bandwidth term plus 62 steps of latency (about 0.03%).
  CHECK(simulated == Approx(seconds).epsilon(0.001));
  // The held-out run crossed the nodes the same way (one port each way) with
  // a shorter ring: 2 x 15/16 of the bytes instead of 2 x 31/32.
  CHECK(simulated_half == Approx(half_seconds).epsilon(0.03));
}
