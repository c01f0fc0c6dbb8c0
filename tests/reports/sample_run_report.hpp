#pragma once
// A hand-built whole run for the report tests: the sample scenario and step
// of sample_results.hpp (Llama-2-7B on 128 H100s, 3.4 s steps) run over five
// trials with failures. Chosen by hand, not simulated, and mutually
// consistent: each expected figure in the tests follows from the comments.
#include <cmath>

#include "reports/run_report.hpp"
#include "sample_results.hpp"

namespace orrery::test {

inline RunSimulation sample_run_simulation() {
  RunSimulation r;
  r.trials = 5;
  r.seed = 7;
  r.steps = 1e12 / 4194304;                  // 238,418.58 steps
  r.step_time_s = 3.4;
  r.checkpoint_bytes = 6738415616.0 * 14;    // 14 bytes per parameter: 94.3 GB
  r.checkpoint_write_s = r.checkpoint_bytes / 100e9;   // 0.943 s at 100 GB/s
  r.checkpoint_load_s = r.checkpoint_bytes / 200e9;    // 0.472 s at 200 GB/s
  r.checkpoint_interval_s = 3600;
  r.checkpoint_interval_rule = "fixed";
  r.job_mtbf_s = 86400;                      // one interruption a day
  r.failure_free_days = r.steps * 3.4 / 86400;         // 810,623.17 s = 9.38 days
  // Five trials; percentiles by linear interpolation between order statistics:
  // p10 at rank 0.4 -> 9.8 + 0.4 x 0.2 = 9.88; p50 = 10.1; p90 at rank 3.6 ->
  // 10.3 + 0.6 x 0.6 = 10.66; mean 51.1 / 5 = 10.22.
  r.days_per_trial = {10.1, 9.8, 10.9, 10.0, 10.3};
  r.days_mean = 10.22;
  r.days_p10 = 9.88;
  r.days_p50 = 10.1;
  r.days_p90 = 10.66;
  // Mean wall time 10.22 days = 883,008 s, split by cause:
  //   productive 810,623.17 + checkpoint 212.28 (225 stalls of 0.9435 s)
  //   + restart 9,000 + repair wait 20,000 + rework 43,172.55 = 883,008 s.
  r.time_mean.productive_s = r.failure_free_days * 86400;
  r.time_mean.checkpoint_s = 212.28;
  r.time_mean.restart_s = 9000;
  r.time_mean.repair_wait_s = 20000;
  r.time_mean.rework_s = 883008 - r.time_mean.productive_s - 212.28 - 9000 - 20000;
  r.ettr = r.time_mean.productive_s / 883008;   // 0.918
  r.ettr_p10 = 0.905;
  r.ettr_p50 = 0.92;
  r.ettr_p90 = 0.93;
  r.interruptions = 10;
  r.interruptions_p10 = 7.4;
  r.interruptions_p50 = 10;
  r.interruptions_p90 = 12.6;
  r.interruptions_by_cause = {{"gpu", 6}, {"host", 2.4}, {"software", 1.6}};
  // The representative trial (10.1 days = 872,640 s): three interruptions,
  // each losing work back to the last checkpoint (progress dips).
  TrialTrace& t = r.representative;
  t.wall_s = 872640;
  t.progress = {{0, 0},           {200000, 0.24}, {200000, 0.235}, {203000, 0.235}, {500000, 0.58},
                {500000, 0.575},  {530000, 0.575}, {700000, 0.77},  {700000, 0.768}, {701000, 0.768},
                {872640, 1.0}};
  t.interruptions = {{200000, "gpu", 3000, 3000}, {500000, "host", 3200, 30000}, {700000, "software", 1500, 1000}};
  return r;
}

inline RunCost sample_run_cost() {
  RunCost c;
  c.pricing = "on_demand";
  // 128 GPUs x 883,008 s / 3600 = 31,396.7 GPU-hours at $2.50 = $78,491.8.
  const double usd_per_s = 128 * 2.5 / 3600;
  const RunSimulation run = sample_run_simulation();
  c.allocated_gpus = 128;                    // no spares
  c.usd_per_gpu_hour = 2.5;
  c.gpu_hours = 128 * 883008.0 / 3600;
  c.usd = 2.5 * c.gpu_hours;
  c.usd_per_million_tokens = c.usd / 1e6;    // 1e12 tokens: $0.0785
  c.usd_by_cause.productive = usd_per_s * run.time_mean.productive_s;   // $72,055.39
  c.usd_by_cause.rework = usd_per_s * run.time_mean.rework_s;           // $3,837.56
  c.usd_by_cause.restart = usd_per_s * 9000;                            // $800.00
  c.usd_by_cause.checkpoint = usd_per_s * 212.28;                       // $18.87
  c.usd_by_cause.idle = usd_per_s * 20000;                              // $1,777.78
  c.usd_per_million_tokens_by_cause = {c.usd_by_cause.productive / 1e6, 0, c.usd_by_cause.rework / 1e6,
                                       c.usd_by_cause.restart / 1e6, c.usd_by_cause.checkpoint / 1e6,
                                       c.usd_by_cause.idle / 1e6};
  c.gpu_hours_by_cause = {c.usd_by_cause.productive / 2.5, 0, c.usd_by_cause.rework / 2.5,
                          c.usd_by_cause.restart / 2.5, c.usd_by_cause.checkpoint / 2.5, c.usd_by_cause.idle / 2.5};
  c.avg_power_w_per_gpu = 600;
  // Energy by cause: 32 MWh split as chosen; carbon at 400 g/kWh = 0.4 t/MWh.
  c.mwh_by_cause = {29.4, 0, 1.6, 0.3, 0.02, 0.68};   // no evaluation
  c.energy_mwh = c.mwh_by_cause.total();     // 32.0 MWh
  c.energy_usd = c.energy_mwh * 1000 * 0.08;  // $2,560
  c.grid_gco2_per_kwh = 400;
  c.tco2e_by_cause = {11.76, 0, 0.64, 0.12, 0.008, 0.272};
  c.tco2e = c.tco2e_by_cause.total();        // 12.8 t
  c.embodied_tco2e = 0.5;
  return c;
}

// The sample step's stage 1 does not fit (82.5 of 80 GiB, for the summary
// tests); a report is written for plans that fit, so here stage 1 holds the
// same activations as stage 0: 6.5 + 6.5 + 26 + 30.05 + 2.25 = 71.3 GiB.
inline RunReport sample_run_report() {
  RunReport r{sample_scenario(), sample_step(), sample_run_simulation(), sample_run_cost()};
  r.step.memory[1].activations_gib = 30.05;
  r.step.memory[1].peak_gib = 71.3;
  r.step.fits = true;
  return r;
}

}  // namespace orrery::test
