#pragma once
// The whole-run simulation: one discrete-event simulation per Monte Carlo
// trial, over wall-clock time, on its own Engine (never the step's), with the
// simulated step as the unit of progress (docs/run-model.md).
//
// The job alternates between phases:
//   run      computing; every `interval` seconds of compute it stalls for a
//            checkpoint. Checkpoints inside a run are computed, not events:
//            between two events the job's progress is a known function of
//            time, so a run costs O(1) events however many checkpoints it has.
//   detect   a failure happened; the job has not noticed yet (the cause's
//            detection time)
//   wait     too few spare nodes: waiting for a repaired node (or switch)
//   restart  restart + checkpoint reload
//   maintenance  a planned stop: final checkpoint, downtime, restart, reload;
//            also the end of a job at its time limit (no downtime)
// Failures arrive during run, detect and restart (a failure during a restart
// starts the recovery over), not while the job waits or is in maintenance.
// Each cause has its own renewal process and RngStream (seed, trial x 16 +
// cause): exponential, or Weibull with the same mean. A job (one
// batch-scheduler allocation) starts at the beginning, at every restart after
// a failure and after every planned stop; with a time limit it stops there
// with a final checkpoint. A failure loses the
// work since the last checkpoint that finished writing. Failed nodes go to
// repair and come back as spares; a restart needs as many spares as nodes
// the failures took.
#include <vector>

#include "sim/run/run_plan.hpp"
#include "sim/run/run_result.hpp"

namespace orrery {

struct TrialResult {
  double wall_s = 0;
  TimeByCause time;                     // adds up to wall_s
  std::vector<int> interruptions;       // per cause, in plan.causes order
  int total_interruptions() const;
};

// One trial; `trace` (may be null) receives its timeline.
TrialResult simulate_trial(const RunPlan& plan, int trial, TrialTrace* trace = nullptr);

// All trials and their statistics. With `search`, first tries a grid of
// intervals around Daly's (x 1/4 ... x 4, on up to 32 of the trials, the same
// random streams for each) and keeps the one with the least mean wall time.
RunSimulation simulate_run(RunPlan plan, bool search = false);

// plan_run + simulate_run (search when checkpoint.interval is "search").
// Without training tokens, an empty RunSimulation. Throws InputError when the
// run cannot finish (failures faster than recovery).
RunSimulation simulate_run(const Scenario& s, const StepResult& step, const StepResult* ramp_start = nullptr,
                           const StepResult* eval_batch = nullptr);

}  // namespace orrery
