#include "sim/run/run_plan.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "sim/run/checkpoint_model.hpp"
#include "sim/run/cluster_shape.hpp"
#include "sim/run/stragglers.hpp"
#include "sim/scenario/input_error.hpp"

namespace orrery {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

double RunPlan::checkpoint_stall_s() const {
  if (!async_checkpoint) return checkpoint_write_s;
  const double backlog = std::isfinite(interval_s) ? std::max(0.0, checkpoint_write_s - interval_s) : 0.0;
  return checkpoint_copy_s + backlog;
}

double RunPlan::job_failure_rate_per_s() const {
  double rate = 0;
  for (const JobFailureCause& c : causes) rate += c.rate_per_s;
  return rate;
}

double RunPlan::mean_detection_s() const {
  double rate = 0, weighted = 0;
  for (const JobFailureCause& c : causes) {
    rate += c.rate_per_s;
    weighted += c.rate_per_s * detection_s_of(c);
  }
  return rate > 0 ? weighted / rate : detection_s;
}

double RunPlan::job_mtbf_s() const {
  const double rate = job_failure_rate_per_s();
  return rate > 0 ? 1.0 / rate : kInf;
}

int RunPlan::checkpoints_in(double work) const {
  if (!(work > 0) || !std::isfinite(interval_s)) return 0;
  // Boundaries at interval, 2 x interval, ... strictly before the end. The
  // interval is whole steps, so the ratio is close to an integer when the
  // work is; the tolerance keeps a last boundary that lands on the end out.
  const double segments = std::ceil(work / interval_s * (1 - 1e-12));
  return std::max(0, static_cast<int>(segments) - 1);
}

double whole_steps_interval(double wanted_s, double step_time_s) {
  if (!std::isfinite(wanted_s) || !(step_time_s > 0)) return kInf;
  return std::max(1.0, std::round(wanted_s / step_time_s)) * step_time_s;
}

double rule_interval_s(const RunPlan& plan, const std::string& rule) {
  const double stall = plan.async_checkpoint ? plan.checkpoint_copy_s : plan.checkpoint_write_s;
  const double mtbf = plan.job_mtbf_s();
  double tau = rule == "young" ? young_interval_s(stall, mtbf) : daly_interval_s(stall, mtbf);
  // Async: a shorter interval only queues writes behind each other.
  if (plan.async_checkpoint) tau = std::max(tau, plan.checkpoint_write_s);
  // Never more than the run itself: one segment, no checkpoint.
  if (tau >= plan.work_s()) return kInf;
  return whole_steps_interval(tau, plan.step_time_s);
}

BatchRamp batch_ramp(const TrainingSpec& t, double full_step_s, double start_step_s) {
  BatchRamp r;
  if (t.batch_ramp_start <= 0 || t.batch_ramp_increment <= 0 || t.global_batch <= t.batch_ramp_start) return r;
  const int stages = (t.global_batch - t.batch_ramp_start) / t.batch_ramp_increment;
  const double per_stage = t.batch_ramp_samples / stages;
  const double run_sequences = t.total_tokens / t.seq_len;
  // Linear in the batch (m is proportional to it): through (start, t0) and (global, t1).
  const double slope = (full_step_s - start_step_s) / (t.global_batch - t.batch_ramp_start);
  for (int k = 0; k < stages && r.sequences < run_sequences; ++k) {
    const double batch = t.batch_ramp_start + static_cast<double>(k) * t.batch_ramp_increment;
    const double sequences = std::min(per_stage, run_sequences - r.sequences);
    const double steps = sequences / batch;
    r.steps += steps;
    r.work_s += steps * (start_step_s + slope * (batch - t.batch_ramp_start));
    r.sequences += sequences;
  }
  return r;
}

RunPlan plan_run(const Scenario& s, const StepResult& step, const StepResult* ramp_start,
                 const StepResult* eval_batch) {
  RunPlan p;
  const double tokens_per_step = static_cast<double>(s.training.global_batch) * s.training.seq_len;
  const int nodes = s.cluster.nodes;
  const double stragglers = 1 + expected_straggler_extra(s.stragglers, nodes);
  p.step_time_s = step.time_s * stragglers;
  BatchRamp ramp;
  if (ramp_start != nullptr && ramp_start->time_s > 0)
    ramp = batch_ramp(s.training, step.time_s, ramp_start->time_s);
  p.ramp_steps = ramp.steps;
  p.ramp_work_s = ramp.work_s * stragglers;
  const double rest_tokens = std::max(0.0, s.training.total_tokens - ramp.sequences * s.training.seq_len);
  p.steps = ramp.steps + (tokens_per_step > 0 ? rest_tokens / tokens_per_step : 0);
  if (s.training.eval_interval_steps > 0 && eval_batch != nullptr && eval_batch->time_s > 0) {
    const double interval = s.training.eval_interval_steps;
    p.evaluations = std::floor(p.steps / interval);
    p.eval_s = s.training.eval_batches * eval_batch->time_s * stragglers;
    const double in_ramp = std::min(p.evaluations, std::floor(p.ramp_steps / interval));
    const double ramp_scale = p.ramp_steps > 0 ? p.ramp_work_s / p.ramp_steps / p.step_time_s : 1.0;
    p.eval_work_s = p.eval_s * ((p.evaluations - in_ramp) + in_ramp * ramp_scale);
  }

  const ClusterShape job = cluster_shape(s.cluster, nodes);
  const CheckpointSpec& k = s.checkpoint;
  p.checkpoint_bytes = checkpoint_bytes(s);
  p.checkpoint_write_s = p.checkpoint_bytes / (k.write_gb_per_s * 1e9);
  p.checkpoint_load_s = p.checkpoint_bytes / (k.read_gb_per_s * 1e9);
  p.checkpoint_copy_s = p.checkpoint_bytes / (job.gpus * k.host_copy_gb_per_s * 1e9);
  p.async_checkpoint = k.mode == "async";

  const RecoverySpec& r = s.recovery;
  p.detection_s = r.detection_s;
  p.restart_s = r.restart_s;
  p.repair_s = r.repair_hours * 3600;
  p.spare_nodes = r.spare_nodes;
  p.maintenance_interval_s = r.maintenance_interval_hours * 3600;
  p.maintenance_duration_s = r.maintenance_duration_hours * 3600;
  p.job_time_limit_s = r.job_time_limit_hours * 3600;
  // A job must get past its restart, reload and final save with a step to spare.
  const double overhead_s = p.restart_s + p.checkpoint_load_s + p.checkpoint_write_s + p.step_time_s;
  if (p.job_time_limit_s > 0 && p.job_time_limit_s <= overhead_s)
    throw InputError("recovery.job_time_limit_hours", fmt::format("{}", r.job_time_limit_hours),
                     fmt::format("a job must outlast its restart ({:.3g} s), checkpoint reload ({:.3g} s), final save "
                                 "({:.3g} s) and one step ({:.3g} s): more than {:.3g} hours",
                                 p.restart_s, p.checkpoint_load_s, p.checkpoint_write_s, p.step_time_s,
                                 overhead_s / 3600),
                     "raise the limit, or set it to 0 for no limit");

  p.causes = job_failure_causes(s, job);
  p.weibull = s.failures.distribution == "weibull";
  p.weibull_shape = s.failures.weibull_shape;
  p.trials = s.failures.trials;
  p.seed = s.failures.seed;

  if (k.interval == "fixed") {
    p.interval_rule = "fixed";
    p.interval_s = k.interval_s >= p.work_s() ? kInf : whole_steps_interval(k.interval_s, p.step_time_s);
  } else {
    p.interval_rule = k.interval == "young" ? "young" : "daly";   // auto and search start from daly
    p.interval_s = rule_interval_s(p, p.interval_rule);
  }
  return p;
}

}  // namespace orrery
