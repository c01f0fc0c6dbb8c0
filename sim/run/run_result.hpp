#pragma once
// What the whole-run simulation (failures, checkpoints, restarts; Monte Carlo
// over seeded trials) produced, and what it cost. Plain data: reports/ reads it.
// All times in seconds of wall-clock unless a name says otherwise.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace orrery {

// Where a trial's wall-clock time went. The parts add up to the trial's wall time.
struct TimeByCause {
  double productive_s = 0;     // steps that count
  double evaluation_s = 0;     // evaluations that count (training.eval_interval_steps)
  double rework_s = 0;         // steps redone after a failure (lost since the last checkpoint)
  double restart_s = 0;        // detection + restart + checkpoint reload
  double checkpoint_s = 0;     // training stalled while writing checkpoints
  double repair_wait_s = 0;    // no spare: waiting for the failed part to be repaired
  double maintenance_s = 0;    // planned stops: maintenance, and jobs ending at their time limit
  double total_s() const {
    return productive_s + evaluation_s + rework_s + restart_s + checkpoint_s + repair_wait_s + maintenance_s;
  }
};

struct Interruption {
  double at_s = 0;             // wall-clock time of the failure
  std::string cause;           // "gpu", "hbm", "nic", "switch", "host", "software", ...
  double lost_work_s = 0;      // rework it caused
  double downtime_s = 0;       // detection + restart + reload (+ repair wait)
};

// Progress is recorded at each run start, at each interruption (before and
// after the rollback to the last checkpoint) and at the end; it grows
// linearly in between (checkpoint stalls are too short to draw).
struct ProgressPoint {
  double wall_s = 0;
  double fraction_done = 0;    // of the run's steps, 0..1
};

// One trial, in detail, for the report's timeline chart.
struct TrialTrace {
  double wall_s = 0;
  std::vector<ProgressPoint> progress;        // at checkpoints and interruptions
  std::vector<Interruption> interruptions;
};

struct RunSimulation {
  int trials = 0;
  std::uint64_t seed = 0;
  double steps = 0;                     // to reach the training tokens
  double step_time_s = 0;               // from the step simulation (mean, stragglers included)
  double ramp_steps = 0;                // of them, the batch-size ramp's (0: no ramp)
  double ramp_days = 0;                 // the ramp's compute time
  double evaluations = 0;               // in the run (training.eval_interval_steps; 0: none)
  double eval_s = 0;                    // one evaluation's stall
  double checkpoint_bytes = 0;
  double checkpoint_write_s = 0;        // time the job stalls per checkpoint
  double checkpoint_load_s = 0;
  double checkpoint_interval_s = 0;     // compute time between checkpoints (chosen or given)
  std::string checkpoint_interval_rule; // "fixed", "young", "daly", "searched"; "none": no checkpoint taken
                                        // (then checkpoint_interval_s and checkpoint_write_s are 0)
  double job_mtbf_s = 0;                // expected, whole job (0: no failures)
  double failure_free_days = 0;         // steps x step time, no interruption
  double days_mean = 0, days_p10 = 0, days_p50 = 0, days_p90 = 0;
  double ettr = 0;                      // mean over trials of productive / wall
  double ettr_p10 = 0, ettr_p50 = 0, ettr_p90 = 0;
  double interruptions = 0;             // mean per trial
  double interruptions_p10 = 0, interruptions_p50 = 0, interruptions_p90 = 0;
  std::map<std::string, double> interruptions_by_cause;   // mean per trial
  TimeByCause time_mean;                // mean per trial
  std::vector<double> days_per_trial;   // in trial order (for the distribution chart)
  TrialTrace representative;            // the trial whose days are nearest the median
};

// Money and energy of the run, each split by cause (same causes as TimeByCause,
// plus idle: allocated but not running, e.g. waiting for repair, planned
// maintenance, and the hot spare nodes all the time).
struct CostByCause {
  double productive = 0, evaluation = 0, rework = 0, restart = 0, checkpoint = 0, idle = 0;
  double total() const { return productive + evaluation + rework + restart + checkpoint + idle; }
};

struct RunCost {
  std::string pricing;                 // "on_demand", "reserved", "spot", "owned"
  double gpu_hours = 0;                // allocated, for the whole wall-clock time
  double usd = 0;
  double usd_per_million_tokens = 0;
  double energy_mwh = 0;               // facility energy (IT x PUE)
  double accelerator_mwh = 0;          // the GPUs alone (the job's and the spares'), no host, network or PUE
  double accelerator_tdp_mwh = 0;   // every allocated GPU at its TDP for the whole wall time (an upper bound)
  double energy_usd = 0;
  double tco2e = 0;                    // operational
  double embodied_tco2e = 0;           // share of the accelerators' embodied carbon (0 if not given)
  double avg_power_w_per_gpu = 0;      // accelerator power while stepping (or the all-in override)
  int allocated_gpus = 0;              // the job's GPUs plus the hot spares' GPUs
  double usd_per_gpu_hour = 0;         // what one allocated GPU costs per hour (owned: capex + operations)
  double grid_gco2_per_kwh = 0;        // the intensity used (a region preset or the scenario's number)
  CostByCause usd_by_cause;
  CostByCause usd_per_million_tokens_by_cause;   // usd_by_cause per 10^6 training tokens
  CostByCause gpu_hours_by_cause;      // the job's GPUs by cause, the spares' as idle
  CostByCause mwh_by_cause;
  CostByCause tco2e_by_cause;
};

}  // namespace orrery
