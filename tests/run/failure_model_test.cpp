// Failure presets (their derivations in docs/run-model.md), what a failure
// takes out of the job, the cluster's sizes, and stragglers.
#include <cmath>

#include <catch2/catch.hpp>

#include "sim/cost/grid_intensity.hpp"
#include "sim/run/cluster_shape.hpp"
#include "sim/run/failure_model.hpp"
#include "sim/run/run_plan.hpp"
#include "sim/scenario/schema.hpp"

using namespace orrery;

namespace {

// n nodes of 8 GPUs and 8 NICs of 50 GB/s on a 2-tier rail-optimized fat tree of 64-port switches.
ClusterSpec cluster(int nodes) {
  ClusterSpec c;
  c.nodes = nodes;
  c.node.gpus_per_node = 8;
  c.node.nics_per_node = 8;
  c.nic.bandwidth_gb_per_s = 50;
  c.fabric.tiers = 2;
  c.fabric.switch_radix = 64;
  c.fabric.rail_optimized = true;
  return c;
}

double job_rate_per_s(const std::vector<JobFailureCause>& causes) {
  double r = 0;
  for (const auto& c : causes) r += c.rate_per_s;
  return r;
}

}  // namespace

TEST_CASE("The llama3 preset gives back Llama 3's 419 interruptions in 54 days on its own cluster") {
  Scenario s;
  s.cluster = cluster(2048);   // 16,384 GPUs, 16,384 NICs
  s.failures.preset = "llama3";
  const auto causes = job_failure_causes(s, cluster_shape(s.cluster, 2048));
  const double seconds = 54 * 86400.0;
  CHECK(job_rate_per_s(causes) * seconds == Approx(419).epsilon(1e-12));
  // Cause by cause, Table 5's grouped counts.
  const std::map<std::string, double> counts = {{"gpu", 171}, {"hbm", 72}, {"sram", 19},    {"sdc", 6},
                                                {"nic", 7},   {"switch", 35}, {"host", 43}, {"power", 3},
                                                {"software", 63}, {"preemption", 0}};
  REQUIRE(causes.size() == counts.size());
  for (const auto& c : causes) {
    INFO(c.name);
    CHECK(c.rate_per_s * seconds == Approx(counts.at(c.name)).epsilon(1e-12).margin(1e-12));
  }
  // Faulty GPU, per GPU-hour: 171 / (16,384 x 1,296 h) = 8.053 per million.
  CHECK(failure_preset_rates("llama3").at("gpu") == Approx(171e6 / (16384.0 * 1296)));
  CHECK(failure_preset_rates("default") == failure_preset_rates("llama3"));
}

TEST_CASE("The Meta research-cluster presets: 6.50 and 2.34 failures per 1000 node-days") {
  Scenario s;
  s.cluster = cluster(1000);
  const ClusterShape shape = cluster_shape(s.cluster, 1000);
  s.failures.preset = "meta-rsc1";
  // 1000 nodes for one day: 6.50 failures.
  CHECK(job_rate_per_s(job_failure_causes(s, shape)) * 86400 == Approx(6.50));
  s.failures.preset = "meta-rsc2";
  CHECK(job_rate_per_s(job_failure_causes(s, shape)) * 86400 == Approx(2.34));
  s.failures.preset = "none";
  CHECK(job_rate_per_s(job_failure_causes(s, shape)) == 0);
  CHECK_THROWS_AS(failure_preset_rates("bogus"), std::invalid_argument);
}

TEST_CASE("Overrides replace one cause, spot pricing adds preemptions per node") {
  Scenario s;
  s.cluster = cluster(10);
  s.failures.preset = "none";
  s.failures.rate_overrides["hbm"] = 100;                  // per million GPU-hours
  s.cost.pricing = "spot";
  s.cost.spot_preemptions_per_million_node_hours = 1000;
  const auto causes = job_failure_causes(s, cluster_shape(s.cluster, 10));
  for (const auto& c : causes) {
    INFO(c.name);
    if (c.name == "hbm") CHECK(c.rate_per_s == Approx(100e-6 * 80 / 3600));          // 80 GPUs
    else if (c.name == "preemption") CHECK(c.rate_per_s == Approx(1000e-6 * 10 / 3600));   // 10 nodes
    else CHECK(c.rate_per_s == 0);
  }
}

TEST_CASE("Per-cause detection times replace recovery.detection_s for their cause, the mean is rate-weighted") {
  Scenario s;
  s.cluster = cluster(10);
  s.failures.preset = "none";
  s.failures.rate_overrides = {{"gpu", 300}, {"software", 100}};
  s.recovery.detection_s = 60;
  s.recovery.detection_overrides = {{"software", 1800}};   // a hang: found by a 30-minute timeout
  RunPlan p;
  p.detection_s = s.recovery.detection_s;
  p.causes = job_failure_causes(s, cluster_shape(s.cluster, 10));
  for (const auto& c : p.causes) {
    INFO(c.name);
    CHECK(p.detection_s_of(c) == (c.name == "software" ? 1800 : 60));
  }
  // gpu: 300 per 10^6 GPU-hours x 80 GPUs; software: 100 per 10^6 node-hours x 10 nodes (30 x fewer).
  CHECK(p.mean_detection_s() == Approx((24000 * 60 + 1000 * 1800) / 25000.0));
}

TEST_CASE("Blast radius: a node, a leaf switch's nodes, or none") {
  Scenario s;
  s.cluster = cluster(100);
  const auto causes = job_failure_causes(s, cluster_shape(s.cluster, 100));
  for (const auto& c : causes) {
    INFO(c.name);
    if (c.name == "switch") CHECK(c.blast_nodes == 32);   // rail-optimized: 32 nodes per leaf (radix 64 / 2)
    else if (c.name == "software") CHECK(c.blast_nodes == 0);
    else CHECK(c.blast_nodes == 1);
  }
}

TEST_CASE("Cluster shape: leaves, spines and cores of the fat tree, and nodes per leaf") {
  // 32 nodes, rail-optimized: one group of 32 nodes, 8 rails -> 8 leaves of
  // 32 NICs; 32 uplinks each (non-blocking) = 256 -> 4 spines of 64 ports.
  ClusterShape s = cluster_shape(cluster(32), 32);
  CHECK(s.gpus == 256);
  CHECK(s.nics == 256);
  CHECK(s.nodes_per_leaf == 32);
  CHECK(s.switches == 12);
  // Oversubscription 2: 16 uplinks per leaf -> 128 -> 2 spines.
  ClusterSpec c = cluster(32);
  c.fabric.oversubscription = 2;
  CHECK(cluster_shape(c, 32).switches == 10);
  // Not rail-optimized: 256 NICs fill 8 leaves in order, 4 nodes per leaf.
  c = cluster(32);
  c.fabric.rail_optimized = false;
  CHECK(cluster_shape(c, 32).nodes_per_leaf == 4);
  // 3 tiers, 100 nodes rail-optimized: 4 groups x 8 rails = 32 leaves of at
  // most 32 NICs, 32 uplinks each = 1024 -> 32 spines (half their ports up)
  // -> 32 x 32 / 64 = 16 cores.
  c = cluster(100);
  c.fabric.tiers = 3;
  s = cluster_shape(c, 100);
  CHECK(s.nodes_per_leaf == 32);
  CHECK(s.switches == 32 + 32 + 16);
  // One switch for a 1-tier fabric; no fabric for one node.
  c.fabric.tiers = 1;
  CHECK(cluster_shape(c, 100).switches == 1);
  CHECK(cluster_shape(c, 100).nodes_per_leaf == 100);
  CHECK(cluster_shape(c, 1).switches == 0);
  CHECK(cluster_shape(c, 1).nodes_per_leaf == 0);
}

TEST_CASE("One node has no fabric: no switch failures") {
  Scenario s;
  s.cluster = cluster(1);
  for (const auto& c : job_failure_causes(s, cluster_shape(s.cluster, 1)))
    if (c.name == "switch") CHECK(c.rate_per_s == 0);
}

TEST_CASE("Stragglers: the run's step waits for the slowest node") {
  Scenario s;
  s.cluster = cluster(4);
  s.model.layers = 2;                 // any model: its size sets only the checkpoint
  s.model.hidden = 64;
  s.model.heads = 1;
  s.model.kv_heads = 1;
  s.model.ffn_hidden = 256;
  s.model.vocab = 100;
  s.model.max_seq_len = 128;
  s.model.activation = "gelu";
  s.model.norm = "layernorm";
  s.model.position = "rope";
  s.training.total_tokens = 1e9;
  s.stragglers.jitter_fraction = 0.012;
  StepResult step;
  step.time_s = 10;
  // 10 s x (1 + 0.012 x 25/12) = 10.25 s.
  CHECK(plan_run(s, step).step_time_s == Approx(10.25));
  // Slow steps instead: 1% of a node's steps take half a step more; 4 nodes:
  // 10 s x (1 + 0.5 x (1 - 0.99^4)).
  s.stragglers.jitter_fraction = 0;
  s.stragglers.slow_step_probability = 0.01;
  s.stragglers.slow_step_extra_fraction = 0.5;
  CHECK(plan_run(s, step).step_time_s == Approx(10 * (1 + 0.5 * (1 - std::pow(0.99, 4)))));
}

TEST_CASE("The scenario schema declares the same presets, causes and grid regions as the models") {
  const Schema schema = make_schema();
  CHECK(schema.at("failures").find("preset")->choices == failure_preset_names());
  std::vector<std::string> causes;
  for (const auto& c : failure_causes()) causes.emplace_back(c.name);
  CHECK(schema.at("failures.rates_per_million_hours").keys() == causes);
  causes.emplace_back(preemption_cause().name);
  CHECK(schema.at("recovery.detection_s_by_cause").keys() == causes);
  CHECK(schema.at("cost").find("grid_region")->choices == grid_region_names());
}
