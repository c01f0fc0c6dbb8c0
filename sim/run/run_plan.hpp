#pragma once
// RunPlan: the whole-run simulation's inputs as plain numbers, resolved from
// the scenario and the simulated step (tests build one by hand).
//
// Checkpoint stall per checkpoint (the job stops computing for it):
//   sync:  write = bytes / storage write bandwidth
//   async: copy = bytes / (GPUs x host copy bandwidth), every GPU copying its
//          share; the write then runs in the background for `write` seconds
//          and the checkpoint counts only once written. When the interval is
//          shorter than the write, each checkpoint also waits for the previous
//          write: stall = copy + (write - interval).
// Interval rules (delta = the stall, M = the job's MTBF): young and daly as in
// checkpoint_model.hpp; auto = daly; async rules never go below the write
// time; search: see simulate_run. The interval is rounded to whole steps
// (at least one). No failures (M infinite): one segment, no checkpoint.
// Stragglers: step time x (1 + the slowest node's expected extra time),
// stragglers.hpp.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/run/failure_model.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/step/step_result.hpp"

namespace orrery {

struct RunPlan {
  double steps = 0;                    // to reach the training tokens (fractional), the ramp's included
  double step_time_s = 0;              // of a full-batch step, stragglers included
  double ramp_steps = 0;               // steps of the batch-size ramp (smaller, shorter steps)
  double ramp_work_s = 0;              // their compute time
  double evaluations = 0;              // every training.eval_interval_steps steps
  double eval_s = 0;                   // one evaluation at the full batch: eval_batches forward-only batches
  double eval_work_s = 0;              // all the evaluations (those inside the batch ramp are shorter)
  double checkpoint_bytes = 0;
  double checkpoint_write_s = 0;       // bytes / write bandwidth
  double checkpoint_copy_s = 0;        // async: bytes / (GPUs x host copy bandwidth)
  bool async_checkpoint = false;
  double checkpoint_load_s = 0;        // bytes / read bandwidth
  double interval_s = 0;               // compute between checkpoints: whole steps; infinity: none
  std::string interval_rule;           // "fixed", "young", "daly", "searched"
  double detection_s = 0, restart_s = 0, repair_s = 0;
  int spare_nodes = 0;
  double maintenance_interval_s = 0;   // 0: none
  double maintenance_duration_s = 0;
  double job_time_limit_s = 0;         // 0: none; a job saves and exits at it, the next starts at once
  std::vector<JobFailureCause> causes; // the nine, then preemption
  bool weibull = false;
  double weibull_shape = 1;
  int trials = 1;
  std::uint64_t seed = 1;

  // Compute time, evaluations included: an evaluation stalls training like
  // the steps around it and is redone with them after a rollback.
  double work_s() const { return ramp_work_s + (steps - ramp_steps) * step_time_s + eval_work_s; }
  // The stall of one checkpoint (see above).
  double checkpoint_stall_s() const;
  double job_failure_rate_per_s() const;
  double detection_s_of(const JobFailureCause& c) const { return c.detection_s.value_or(detection_s); }
  // The detection time a failure of the job takes on average (rate-weighted).
  double mean_detection_s() const;
  double job_mtbf_s() const;           // infinity without failures
  // Checkpoints written in `work` seconds of compute starting from a
  // checkpoint (none at the very end).
  int checkpoints_in(double work) const;
};

// Steps x step time with stragglers, failure causes, checkpoint times and
// the interval from the scenario's rule ("search" resolves to daly here;
// simulate_run searches). With a batch-size ramp, `ramp_start` is the step
// simulated at training.batch_ramp_start sequences (see BatchRamp). With
// training.eval_interval_steps, `eval_batch` is one forward-only global
// batch (StepOptions::forward_only): floor(steps / interval) evaluations of
// eval_batches such batches each, stragglers included. Megatron evaluates at
// the current batch size, so an evaluation inside the ramp is shorter: by
// the ramp's mean step over the full step (the eval batch is taken to scale
// with the batch as the step does).
RunPlan plan_run(const Scenario& s, const StepResult& step, const StepResult* ramp_start = nullptr,
                 const StepResult* eval_batch = nullptr);

// Megatron's batch-size ramp (--rampup-batch-size START INCREMENT SAMPLES):
// n = (global - START) / INCREMENT stages; stage k runs batches of
// START + k x INCREMENT sequences until SAMPLES / n sequences are consumed.
// A step's time is affine in its microbatches per replica m: a pipeline
// step is (m + pp - 1) microbatch slots plus the fixed gradient reduction
// and optimizer step, so t(m) is the line through the two simulated steps
// (start and full batch). Truncated when the run's tokens end inside it.
struct BatchRamp {
  double steps = 0;
  double work_s = 0;          // before stragglers
  double sequences = 0;       // consumed by the ramp
};
BatchRamp batch_ramp(const TrainingSpec& t, double full_step_s, double start_step_s);

// Rounds a wanted interval to whole steps (at least one); infinity stays.
double whole_steps_interval(double wanted_s, double step_time_s);
// The interval a rule gives ("young", "daly"), async-floored and rounded.
double rule_interval_s(const RunPlan& plan, const std::string& rule);


}  // namespace orrery
