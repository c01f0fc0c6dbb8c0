// The run's dollars, energy and carbon by cause, derived by hand.
#include <catch2/catch.hpp>

#include "sim/cost/grid_intensity.hpp"
#include "sim/cost/power_model.hpp"
#include "sim/cost/run_cost.hpp"

using namespace orrery;

namespace {

// 4 nodes of 8 GPUs (32 GPUs) plus 1 hot spare node (8 GPUs): 40 allocated.
// One switch (a 1-tier fabric). 1e9 training tokens.
Scenario hand_scenario() {
  Scenario s;
  s.cluster.nodes = 4;
  s.cluster.node.gpus_per_node = 8;
  s.cluster.node.host_power_w = 2000;
  s.cluster.fabric.tiers = 1;
  s.cluster.accelerator.tdp_w = 700;
  s.cluster.accelerator.idle_w = 100;
  s.recovery.spare_nodes = 1;
  s.training.total_tokens = 1e9;
  s.cost.pricing = "on_demand";
  s.cost.price_usd_per_gpu_hour = 2.5;
  s.cost.pue = 1.25;
  s.cost.electricity_usd_per_kwh = 0.1;
  s.cost.grid_gco2_per_kwh = 400;
  s.cost.switch_power_w = 500;
  return s;
}

// Compute 50% of the step, exposed TP communication 10%:
// activity 0.5 + 0.4 x 0.1 = 0.54, power 100 + 600 x 0.54 = 424 W.
StepResult hand_step() {
  StepResult step;
  step.time_s = 3.6;
  step.compute_fraction = 0.5;
  step.breakdown.exposed_tp_comm_s = 0.36;
  return step;
}

// Wall time 45,720 s = 12.7 h: productive 10 h, rework 1 h, restart 0.5 h,
// checkpoint 0.2 h, repair wait 1 h.
RunSimulation hand_run() {
  RunSimulation r;
  r.trials = 1;
  r.time_mean.productive_s = 36000;
  r.time_mean.rework_s = 3600;
  r.time_mean.restart_s = 1800;
  r.time_mean.checkpoint_s = 720;
  r.time_mean.repair_wait_s = 3600;
  r.days_mean = 45720.0 / 86400;
  return r;
}

}  // namespace

TEST_CASE("Rental cost by cause: every allocated GPU for the whole wall-clock time") {
  const RunCost c = estimate_cost(hand_scenario(), hand_step(), hand_run());
  CHECK(c.pricing == "on_demand");
  CHECK(c.allocated_gpus == 40);
  CHECK(c.gpu_hours == Approx(508));                    // 40 GPUs x 12.7 h
  CHECK(c.usd_per_gpu_hour == 2.5);
  // The job's 32 GPUs cost $80 an hour.
  CHECK(c.usd_by_cause.productive == Approx(800));      // 10 h
  CHECK(c.usd_by_cause.rework == Approx(80));           // 1 h
  CHECK(c.usd_by_cause.restart == Approx(40));          // 0.5 h
  CHECK(c.usd_by_cause.checkpoint == Approx(16));       // 0.2 h
  // Idle: the job's 1 h of repair wait ($80) + the spare's 8 GPUs x $2.5 x 12.7 h ($254).
  CHECK(c.usd_by_cause.idle == Approx(334));
  CHECK(c.usd == Approx(1270));                         // = 508 GPU-hours x $2.5
  CHECK(c.usd_per_million_tokens == Approx(1.27));      // 1e9 tokens = 1,000 M
  // GPU-hours by cause: the job's 32 GPUs for each cause's hours, the spare's
  // 8 GPUs x 12.7 h as idle; they add up to the 508.
  CHECK(c.gpu_hours_by_cause.productive == Approx(320));
  CHECK(c.gpu_hours_by_cause.rework == Approx(32));
  CHECK(c.gpu_hours_by_cause.restart == Approx(16));
  CHECK(c.gpu_hours_by_cause.checkpoint == Approx(6.4));
  CHECK(c.gpu_hours_by_cause.idle == Approx(32 + 101.6));
  CHECK(c.gpu_hours_by_cause.total() == Approx(c.gpu_hours));
  // Dollars per million tokens by cause: each cause's dollars over 1,000 M tokens.
  CHECK(c.usd_per_million_tokens_by_cause.productive == Approx(0.8));
  CHECK(c.usd_per_million_tokens_by_cause.idle == Approx(0.334));
  CHECK(c.usd_per_million_tokens_by_cause.total() == Approx(c.usd_per_million_tokens));
}

TEST_CASE("Energy by cause: step power while computing, idle power otherwise, hosts and switches always") {
  const RunCost c = estimate_cost(hand_scenario(), hand_step(), hand_run());
  CHECK(c.avg_power_w_per_gpu == Approx(424));
  // Job power computing: 32 x 424 + 4 x 2000 + 1 x 500 = 22,068 W; otherwise
  // 32 x 100 + 8000 + 500 = 11,700 W. The spare node: 8 x 100 + 2000 = 2,800 W.
  // kWh = W x s / 3.6e6 x PUE 1.25.
  CHECK(c.mwh_by_cause.productive == Approx(0.275850));  // 22,068 W x 36,000 s
  CHECK(c.mwh_by_cause.rework == Approx(0.0275850));     // 22,068 W x 3,600 s
  CHECK(c.mwh_by_cause.restart == Approx(0.0073125));    // 11,700 W x 1,800 s
  CHECK(c.mwh_by_cause.checkpoint == Approx(0.002925));  // 11,700 W x 720 s
  // 11,700 W x 3,600 s (14.625 kWh) + the spare's 2,800 W x 45,720 s (44.45 kWh).
  CHECK(c.mwh_by_cause.idle == Approx(0.059075));
  CHECK(c.energy_mwh == Approx(0.3727475));
  // The GPUs alone, no PUE: 32 x (424 W x 39,600 s + 100 W x 6,120 s) + 8 x 100 W x 45,720 s.
  CHECK(c.accelerator_mwh == Approx((32 * (424 * 39600.0 + 100 * 6120.0) + 8 * 100 * 45720.0) / 3.6e9));
  CHECK(c.energy_usd == Approx(37.27475));               // x $0.1 per kWh, part of the rental price
  CHECK(c.usd == Approx(1270));                          // not added to a rental
  CHECK(c.grid_gco2_per_kwh == 400);
  CHECK(c.tco2e == Approx(0.149099));                    // 372.7475 kWh x 400 g
  CHECK(c.tco2e_by_cause.productive == Approx(0.11034));
  CHECK(c.embodied_tco2e == 0);
}

TEST_CASE("Evaluation is billed and powered like computing, the TDP bound counts every GPU at TDP") {
  RunSimulation run = hand_run();
  run.time_mean.productive_s -= 1800;   // half an hour of the 10 h was evaluation
  run.time_mean.evaluation_s = 1800;
  const RunCost c = estimate_cost(hand_scenario(), hand_step(), run);
  CHECK(c.usd_by_cause.evaluation == Approx(40));                 // 32 GPUs x $2.5 x 0.5 h
  CHECK(c.usd_by_cause.productive == Approx(760));
  CHECK(c.usd == Approx(1270));                                   // the same wall time
  CHECK(c.mwh_by_cause.evaluation == Approx(0.0137925));          // 22,068 W x 1,800 s x 1.25
  CHECK(c.energy_mwh == Approx(0.3727475));
  // 40 GPUs x 700 W x 45,720 s, no PUE.
  CHECK(c.accelerator_tdp_mwh == Approx(40 * 700 * 45720.0 / 3.6e9));
}

TEST_CASE("Owned hardware: amortized capex plus operations plus electricity") {
  Scenario s = hand_scenario();
  s.cost.pricing = "owned";
  s.cost.capex_usd_per_gpu = 30000;
  s.cost.lifetime_years = 5;
  s.cost.operations_fraction_per_year = 0.1;
  const RunCost c = estimate_cost(s, hand_step(), hand_run());
  // 30,000 / (5 x 8760 h) + 30,000 x 0.1 / 8760 h = 0.684932 + 0.342466 $/GPU-hour.
  CHECK(c.usd_per_gpu_hour == Approx(1.0273973));
  // Hardware: 508 GPU-hours x 1.0273973 = $521.918; electricity 372.7475 kWh x $0.1.
  CHECK(c.usd == Approx(521.91781 + 37.27475));
  // Productive: 32 GPUs x 10 h x 1.0273973 + 275.85 kWh x $0.1.
  CHECK(c.usd_by_cause.productive == Approx(328.76712 + 27.585));
  CHECK(c.usd_by_cause.total() == Approx(c.usd));
  // Per million tokens (1e9 tokens = 1,000 M), electricity included.
  CHECK(c.usd_per_million_tokens_by_cause.productive == Approx((328.76712 + 27.585) / 1000));
  CHECK(c.usd_per_million_tokens_by_cause.total() == Approx(c.usd / 1000));
}

TEST_CASE("A price per node-hour replaces the price per GPU-hour") {
  Scenario s = hand_scenario();
  s.cost.price_usd_per_gpu_hour = 99;
  s.cost.price_usd_per_node_hour = 20;          // 8 GPUs: $2.5 per GPU-hour
  const RunCost c = estimate_cost(s, hand_step(), hand_run());
  CHECK(c.usd_per_gpu_hour == Approx(2.5));
  CHECK(c.usd == Approx(1270));
}

TEST_CASE("A measured all-in power per GPU replaces the power model") {
  Scenario s = hand_scenario();
  s.cost.average_power_w_per_gpu = 500;
  const RunCost c = estimate_cost(s, hand_step(), hand_run());
  CHECK(c.avg_power_w_per_gpu == 500);
  // 40 GPUs x 500 W x 45,720 s / 3.6e6 x 1.25, hosts and switches included in the 500 W.
  CHECK(c.energy_mwh == Approx(0.3175));
  CHECK(c.mwh_by_cause.productive == Approx(32 * 500 * 36000 / 3.6e6 * 1.25 / 1000));
}

TEST_CASE("Embodied carbon: the run's share of the GPUs' lifetime") {
  Scenario s = hand_scenario();
  s.cost.embodied_kgco2e_per_gpu = 150;
  s.cost.lifetime_years = 5;
  const RunCost c = estimate_cost(s, hand_step(), hand_run());
  // 40 GPUs x 150 kg x 12.7 h / 43,800 h / 1000 kg per tonne.
  CHECK(c.embodied_tco2e == Approx(0.00173973));
}

TEST_CASE("Grid regions set the carbon intensity") {
  CostSpec cost;
  cost.grid_gco2_per_kwh = 123;
  CHECK(grid_gco2_per_kwh(cost) == 123);   // custom
  cost.grid_region = "france";
  CHECK(grid_gco2_per_kwh(cost) == 56);
  cost.grid_region = "india";
  CHECK(grid_gco2_per_kwh(cost) == 713);
  cost.grid_region = "atlantis";
  CHECK_THROWS_AS(grid_gco2_per_kwh(cost), std::invalid_argument);
  CHECK(grid_region_names().front() == "custom");
  CHECK(grid_region_names().size() == 10);
}

TEST_CASE("Accelerator power lies between idle and TDP") {
  AcceleratorSpec a;
  a.idle_w = 80;
  a.tdp_w = 400;
  CHECK(accelerator_power_w(a, 0, 0) == Approx(80));
  CHECK(accelerator_power_w(a, 1, 0) == Approx(400));
  CHECK(accelerator_power_w(a, 0.25, 0) == Approx(160));
  CHECK(accelerator_power_w(a, 0, 0.5) == Approx(80 + 320 * 0.2));   // communication at 0.4 of the range
  CHECK(accelerator_power_w(a, 0.9, 0.5) == Approx(400));           // clamped at TDP
  CHECK(accelerator_power_w(a, -1, -1) == Approx(80));
}

TEST_CASE("No run (no training tokens): no cost") {
  const RunCost c = estimate_cost(hand_scenario(), hand_step(), RunSimulation{});
  CHECK(c.usd == 0);
  CHECK(c.energy_mwh == 0);
  CHECK(c.gpu_hours == 0);
}
