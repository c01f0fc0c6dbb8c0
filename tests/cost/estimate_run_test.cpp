#include <catch2/catch.hpp>

#include "sim/cost/estimate_run.hpp"

using namespace orrery;

TEST_CASE("Run estimate: steps, time, GPU-hours, dollars, energy and CO2 by hand") {
  Scenario s;
  s.cluster.nodes = 4;
  s.cluster.node.gpus_per_node = 8;            // 32 GPUs
  s.cluster.node.host_power_w = 2000;
  s.cluster.accelerator.tdp_w = 700;
  s.cluster.accelerator.idle_w = 100;
  s.training.global_batch = 100;
  s.training.seq_len = 1000;                   // 1e5 tokens per step
  s.training.total_tokens = 1e9;               // 10,000 steps
  s.cost = {2.5, 1.25, 0.1, 400};
  StepResult step;
  step.time_s = 3.6;                           // 10,000 steps = 36,000 s = 10 h
  step.compute_fraction = 0.5;

  RunEstimate r = estimate_run(s, step);
  CHECK(r.steps == Approx(10000));
  CHECK(r.seconds == Approx(36000));
  CHECK(r.days == Approx(36000.0 / 86400));
  CHECK(r.gpu_hours == Approx(320));           // 32 GPUs x 10 h
  CHECK(r.usd == Approx(800));                 // x $2.5
  // Power per GPU = 100 + 600 x 0.5 = 400 W. IT power = 32 x 400 + 4 x 2000 = 20.8 kW.
  CHECK(r.avg_power_w_per_gpu == Approx(400));
  // Energy = 20.8 kW x 10 h x PUE 1.25 = 260 kWh.
  CHECK(r.energy_mwh == Approx(0.26));
  CHECK(r.energy_usd == Approx(26));
  CHECK(r.tco2e == Approx(260 * 400 / 1e6));   // 0.104 t
  CHECK(r.usd_per_million_tokens == Approx(0.8));
}

TEST_CASE("Accelerator power is clamped between idle and TDP") {
  AcceleratorSpec a;
  a.idle_w = 80;
  a.tdp_w = 400;
  CHECK(accelerator_power_w(a, 0) == Approx(80));
  CHECK(accelerator_power_w(a, 1) == Approx(400));
  CHECK(accelerator_power_w(a, 2) == Approx(400));
  CHECK(accelerator_power_w(a, 0.25) == Approx(160));
}
