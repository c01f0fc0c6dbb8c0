#include "sim/run/run_simulation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "sim/engine/engine.hpp"
#include "sim/engine/rng.hpp"
#include "sim/run/checkpoint_model.hpp"
#include "sim/scenario/input_error.hpp"

namespace orrery {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::uint64_t kStreamsPerTrial = 16;           // causes per trial (10 used)
constexpr std::uint64_t kMaxEventsPerTrial = 20'000'000;  // a run that never ends is an input error
constexpr double kMaxScheduleS = 9e9;                     // SimTime's range is 9.2e9 s
constexpr double kDay = 86400;

// How long a run may take before it counts as never finishing: 100 times its
// failure-free time, plus 30 days for short runs.
double wall_cap_s(const RunPlan& plan) {
  const double failure_free = plan.work_s() + plan.checkpoints_in(plan.work_s()) * plan.checkpoint_stall_s();
  return std::min(kMaxScheduleS, 100 * failure_free + 30 * kDay);
}

[[noreturn]] void never_finishes(const RunPlan& plan, const std::string& why) {
  throw InputError(
      "failures", why,
      fmt::format("the run does not finish within 100 times its failure-free time: the job fails every {:.3g} h on "
                  "average and a recovery (detection, restart, reload) takes {:.3g} h",
                  plan.job_mtbf_s() / 3600,
                  (plan.mean_detection_s() + plan.restart_s + plan.checkpoint_load_s) / 3600),
      "lower the failure rates (failures.preset, failures.rates_per_million_hours), shorten the recovery, or add "
      "recovery.spare_nodes");
}

class TrialSimulator final : public EventHandler {
public:
  TrialSimulator(const RunPlan& plan, int trial, TrialTrace* trace)
      : plan_(plan), trace_(trace), work_(plan.work_s()), tau_(plan.interval_s), stall_(plan.checkpoint_stall_s()),
        durable_delay_(plan.async_checkpoint ? plan.checkpoint_write_s : 0.0), cycle_(tau_ + stall_),
        cap_s_(wall_cap_s(plan)), spares_free_(plan.spare_nodes) {
    id_ = engine_.add_handler(this);
    const std::size_t n = plan.causes.size();
    if (n > kStreamsPerTrial) throw std::logic_error("TrialSimulator: more causes than streams per trial");
    rngs_.reserve(n);
    for (std::size_t c = 0; c < n; ++c)
      rngs_.emplace_back(plan.seed, static_cast<std::uint64_t>(trial) * kStreamsPerTrial + c);
    next_failure_.resize(n);
    for (std::size_t c = 0; c < n; ++c) next_failure_[c] = draw(c);
    result_.interruptions.assign(n, 0);
  }

  TrialResult run() {
    if (plan_.maintenance_interval_s > 0) schedule_in(plan_.maintenance_interval_s, kMaintenance, 0);
    job_started_in(0.0);
    start_run();
    engine_.run();
    if (!done_) throw std::logic_error("TrialSimulator: events ran out before the run finished");
    // The work that counts ran every evaluation once: that share of it was evaluating.
    if (work_ > 0) {
      result_.time.evaluation_s = result_.time.productive_s * (plan_.eval_work_s / work_);
      result_.time.productive_s -= result_.time.evaluation_s;
    }
    return result_;
  }

private:
  enum Tag : std::uint32_t { kFailure, kPhaseEnd, kRepairDone, kMaintenance, kJobLimit };
  enum class Phase { run, detect, wait, restart, maintenance, done };

  // Where a run phase stands `e` seconds after it started (see run_simulation.hpp).
  struct Progress {
    double work = 0;      // compute done, absolute
    double durable = 0;   // work saved by the last checkpoint that finished writing
    double stall = 0;     // checkpoint stall time inside the phase so far
  };

  double now_s() const { return engine_.now().seconds(); }

  void schedule_in(double seconds, std::uint32_t tag, std::uint64_t arg) {
    engine_.schedule_in(SimTime::from_seconds(seconds), id_, tag, arg);
  }

  double draw(std::size_t c) {
    const double rate = plan_.causes[c].rate_per_s;
    if (!(rate > 0)) return kInf;
    const double mean = 1.0 / rate;
    if (!plan_.weibull) return rngs_[c].exponential(mean);
    const double k = plan_.weibull_shape;
    return rngs_[c].weibull(k, mean / std::tgamma(1 + 1 / k));
  }

  // Failures arrive only while the job is exposed (run, detect, restart):
  // the exposure clock stops otherwise, and each cause's next failure is a
  // point on that clock.
  void set_exposed(bool on) {
    const double t = now_s();
    if (exposed_) exposure_ += t - exposure_mark_;
    exposure_mark_ = t;
    exposed_ = on;
    ++failure_generation_;
    if (!on) return;
    const auto first = std::min_element(next_failure_.begin(), next_failure_.end());
    if (first == next_failure_.end() || !std::isfinite(*first)) return;
    const double in = std::max(0.0, *first - exposure_);
    if (in < kMaxScheduleS) schedule_in(in, kFailure, failure_generation_);
  }

  Progress progress(double e) const {
    const double remaining = work_ - base_;
    Progress p;
    int started = 0;  // checkpoints begun
    double compute = 0;
    if (checkpoints_ == 0) {
      compute = std::min(e, remaining);
    } else if (e >= checkpoints_ * cycle_) {
      started = checkpoints_;
      compute = std::min(checkpoints_ * tau_ + (e - checkpoints_ * cycle_), remaining);
    } else {
      const int j = std::min(static_cast<int>(std::floor(e / cycle_)), checkpoints_ - 1);
      const double r = e - j * cycle_;
      started = r < tau_ ? j : j + 1;
      compute = r < tau_ ? j * tau_ + r : (j + 1) * tau_;
    }
    int written = 0;
    if (started > 0 && e >= durable_delay_)
      written = std::min(started, static_cast<int>(std::floor((e - durable_delay_) / cycle_)));
    p.work = base_ + compute;
    p.durable = base_ + written * tau_;
    p.stall = std::max(0.0, e - compute);
    return p;
  }

  void trace_progress(double t, double work) {
    if (trace_ && work_ > 0) trace_->progress.push_back({t, std::clamp(work / work_, 0.0, 1.0)});
  }

  void close_interruption(double t) {
    if (trace_ && open_interruption_) {
      trace_->interruptions.back().downtime_s = t - trace_->interruptions.back().at_s;
      open_interruption_ = false;
    }
  }

  void enter(Phase phase, double duration) {
    phase_ = phase;
    phase_start_ = now_s();
    ++phase_generation_;
    if (duration >= 0) schedule_in(duration, kPhaseEnd, phase_generation_);
  }

  void start_run() {
    const double t = now_s();
    close_interruption(t);
    if (maintenance_pending_) {
      maintenance_pending_ = false;
      begin_maintenance(0.0);
      return;
    }
    base_ = durable_;
    checkpoints_ = plan_.checkpoints_in(work_ - base_);
    trace_progress(t, base_);
    enter(Phase::run, (work_ - base_) + checkpoints_ * stall_);
    set_exposed(true);
  }

  void begin_detect(std::size_t cause) {
    enter(Phase::detect, plan_.detection_s_of(plan_.causes[cause]));
    set_exposed(true);
  }

  // A new job (batch-scheduler allocation) starts `in` seconds from now: its
  // time limit counts from then; the previous job's limit no longer applies.
  void job_started_in(double in) {
    ++job_generation_;
    if (plan_.job_time_limit_s > 0) schedule_in(in + plan_.job_time_limit_s, kJobLimit, job_generation_);
  }

  void begin_restart() {
    job_started_in(0.0);
    enter(Phase::restart, plan_.restart_s + plan_.checkpoint_load_s);
    set_exposed(true);
  }

  // A planned stop: save, downtime, then a new job restarts and reloads.
  void begin_planned_stop(double save_s, double downtime_s) {
    job_started_in(save_s + downtime_s);
    enter(Phase::maintenance, save_s + downtime_s + plan_.restart_s + plan_.checkpoint_load_s);
    set_exposed(false);
  }

  void begin_maintenance(double save_s) { begin_planned_stop(save_s, plan_.maintenance_duration_s); }

  // Stops a running job at a checkpoint it writes now (nothing is lost).
  void stop_running(double downtime_s) {
    const double t = now_s();
    const Progress p = progress(t - phase_start_);
    result_.time.productive_s += p.work - base_;
    result_.time.checkpoint_s += p.stall;
    durable_ = p.work;
    trace_progress(t, p.work);
    begin_planned_stop(plan_.checkpoint_write_s, downtime_s);
  }

  bool take_spares() {
    if (spares_free_ < nodes_needed_) return false;
    spares_free_ -= nodes_needed_;
    nodes_needed_ = 0;
    return true;
  }

  void on_failure() {
    const double t = now_s();
    exposure_ += t - exposure_mark_;
    exposure_mark_ = t;
    const auto first = std::min_element(next_failure_.begin(), next_failure_.end());
    const auto c = static_cast<std::size_t>(first - next_failure_.begin());
    next_failure_[c] += draw(c);
    ++result_.interruptions[c];

    double lost = 0;
    const double e = t - phase_start_;
    if (phase_ == Phase::run) {
      const Progress p = progress(e);
      result_.time.productive_s += p.durable - base_;
      result_.time.rework_s += p.work - p.durable;
      result_.time.checkpoint_s += p.stall;
      lost = p.work - p.durable;
      durable_ = p.durable;
      trace_progress(t, p.work);
      trace_progress(t, p.durable);
    } else if (phase_ == Phase::detect || phase_ == Phase::restart) {
      result_.time.restart_s += e;
    } else {
      throw std::logic_error("TrialSimulator: a failure while the job was not exposed");
    }
    close_interruption(t);
    if (trace_) {
      trace_->interruptions.push_back({t, plan_.causes[c].name, lost, 0.0});
      open_interruption_ = true;
    }
    if (const int blast = plan_.causes[c].blast_nodes; blast > 0) {
      nodes_needed_ += blast;
      schedule_in(plan_.repair_s, kRepairDone, static_cast<std::uint64_t>(blast));
    }
    begin_detect(c);
  }

  void on_phase_end() {
    const double t = now_s();
    const double e = t - phase_start_;
    switch (phase_) {
      case Phase::run:
        // The phase lasted work + stalls, rounded to the nanosecond: count the
        // exact parts, not the rounding.
        result_.time.productive_s += work_ - base_;
        result_.time.checkpoint_s += checkpoints_ * stall_;
        result_.wall_s = t;
        trace_progress(t, work_);
        if (trace_) trace_->wall_s = t;
        phase_ = Phase::done;
        done_ = true;
        set_exposed(false);
        return;
      case Phase::detect:
        result_.time.restart_s += e;
        if (take_spares()) {
          begin_restart();
        } else {
          enter(Phase::wait, -1);
          set_exposed(false);
        }
        return;
      case Phase::restart:
        result_.time.restart_s += e;
        start_run();
        return;
      case Phase::maintenance:
        result_.time.maintenance_s += e;
        start_run();
        return;
      case Phase::wait:
      case Phase::done:
        throw std::logic_error("TrialSimulator: phase end in a phase without an end");
    }
  }

  void on_repair_done(int nodes) {
    spares_free_ += nodes;
    if (phase_ == Phase::wait && take_spares()) {
      result_.time.repair_wait_s += now_s() - phase_start_;
      begin_restart();
    }
  }

  void on_maintenance() {
    schedule_in(plan_.maintenance_interval_s, kMaintenance, 0);
    switch (phase_) {
      case Phase::run: stop_running(plan_.maintenance_duration_s); return;
      case Phase::detect:
      case Phase::wait:
      case Phase::restart: maintenance_pending_ = true; return;
      case Phase::maintenance:
      case Phase::done: return;
    }
  }

  // The job reached its time limit: it saves and exits, and the next job
  // starts at once. Only a running job's own limit counts: a job that failed
  // is being replaced, and its replacement has a limit of its own.
  void on_job_limit(std::uint64_t generation) {
    if (generation == job_generation_ && phase_ == Phase::run) stop_running(0.0);
  }

  void on_event(Engine&, std::uint32_t tag, std::uint64_t arg) override {
    if (done_) return;  // repairs and cancelled events still in the queue
    if (++events_ > kMaxEventsPerTrial) never_finishes(plan_, "more than 20 million events in one trial");
    if (now_s() > cap_s_) never_finishes(plan_, fmt::format("wall-clock time past {:.3g} days", cap_s_ / kDay));
    switch (tag) {
      case kFailure:
        if (arg == failure_generation_) on_failure();
        return;
      case kPhaseEnd:
        if (arg == phase_generation_) on_phase_end();
        return;
      case kRepairDone: on_repair_done(static_cast<int>(arg)); return;
      case kMaintenance: on_maintenance(); return;
      case kJobLimit: on_job_limit(arg); return;
      default: throw std::logic_error("TrialSimulator: unknown event tag");
    }
  }

  const RunPlan& plan_;
  TrialTrace* trace_;
  const double work_, tau_, stall_, durable_delay_, cycle_, cap_s_;
  Engine engine_;
  std::uint32_t id_ = 0;
  std::vector<RngStream> rngs_;
  std::vector<double> next_failure_;   // per cause, on the exposure clock
  double exposure_ = 0, exposure_mark_ = 0;
  bool exposed_ = false;
  std::uint64_t failure_generation_ = 0, phase_generation_ = 0, job_generation_ = 0, events_ = 0;
  Phase phase_ = Phase::run;
  double phase_start_ = 0;
  double base_ = 0, durable_ = 0;      // work at the run's start; work saved
  int checkpoints_ = 0;                // checkpoints inside the current run phase
  int spares_free_ = 0, nodes_needed_ = 0;
  bool maintenance_pending_ = false, open_interruption_ = false, done_ = false;
  TrialResult result_;
};

// Percentile by linear interpolation between order statistics (sorted input).
double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double rank = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (rank - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

// The 10th, 50th and 90th percentiles of a sample.
std::tuple<double, double, double> deciles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {percentile(v, 0.10), percentile(v, 0.50), percentile(v, 0.90)};
}

// Daly's expected wall time (exponential failures, checkpoint_model.hpp);
// infinity when it overflows.
double expected_wall_s(const RunPlan& plan) {
  const double work = plan.work_s();
  const int n = plan.checkpoints_in(work);
  const double mtbf = plan.job_mtbf_s();
  if (!std::isfinite(mtbf)) return work + n * plan.checkpoint_stall_s();
  const double segment = plan.interval_s + plan.checkpoint_stall_s();
  const double last = work - (n > 0 ? n * plan.interval_s : 0.0);
  const double recovery = plan.mean_detection_s() + plan.restart_s + plan.checkpoint_load_s;
  const double sum = (n > 0 ? n * std::expm1(segment / mtbf) : 0.0) + std::expm1(last / mtbf);
  return mtbf * std::exp(recovery / mtbf) * sum;
}

bool finishes(const RunPlan& plan) { return expected_wall_s(plan) <= wall_cap_s(plan); }

double mean_wall_s(const RunPlan& plan) {
  double sum = 0;
  for (int t = 0; t < plan.trials; ++t) sum += simulate_trial(plan, t).wall_s;
  return sum / plan.trials;
}

}  // namespace

int TrialResult::total_interruptions() const {
  int n = 0;
  for (int i : interruptions) n += i;
  return n;
}

TrialResult simulate_trial(const RunPlan& plan, int trial, TrialTrace* trace) {
  TrialSimulator sim(plan, trial, trace);
  return sim.run();
}

RunSimulation simulate_run(RunPlan plan, bool search) {
  if (plan.trials < 1) throw std::invalid_argument("simulate_run: at least one trial");
  if (!finishes(plan)) never_finishes(plan, "expected wall-clock time too long");
  if (search) {
    const double daly = rule_interval_s(plan, "daly");
    if (std::isfinite(daly)) {
      RunPlan probe = plan;
      probe.trials = std::min(plan.trials, 32);
      double best = daly, best_wall = kInf, previous = -1;
      for (double f : {0.25, 0.3536, 0.5, 0.7071, 1.0, 1.4142, 2.0, 2.8284, 4.0}) {
        probe.interval_s = whole_steps_interval(daly * f, plan.step_time_s);
        if (probe.interval_s >= plan.work_s()) probe.interval_s = kInf;
        if (probe.interval_s == previous) continue;
        previous = probe.interval_s;
        if (!finishes(probe)) continue;
        const double wall = mean_wall_s(probe);
        if (wall < best_wall) {
          best_wall = wall;
          best = probe.interval_s;
        }
      }
      plan.interval_s = best;
    }
    plan.interval_rule = "searched";
  }

  RunSimulation r;
  r.trials = plan.trials;
  r.seed = plan.seed;
  r.steps = plan.steps;
  r.step_time_s = plan.step_time_s;
  r.ramp_steps = plan.ramp_steps;
  r.ramp_days = plan.ramp_work_s / kDay;
  r.evaluations = plan.evaluations;
  r.eval_s = plan.eval_s;
  r.checkpoint_bytes = plan.checkpoint_bytes;
  const double work = plan.work_s();
  const int checkpoints = plan.checkpoints_in(work);
  r.checkpoint_write_s = checkpoints > 0 ? plan.checkpoint_stall_s() : 0;
  r.checkpoint_load_s = plan.checkpoint_load_s;
  r.checkpoint_interval_s = checkpoints > 0 ? plan.interval_s : 0;
  r.checkpoint_interval_rule = checkpoints > 0 ? plan.interval_rule : "none";
  r.job_mtbf_s = std::isfinite(plan.job_mtbf_s()) ? plan.job_mtbf_s() : 0;
  r.failure_free_days = (work + checkpoints * plan.checkpoint_stall_s()) / kDay;

  std::vector<double> interruptions(plan.causes.size(), 0.0);
  std::vector<double> ettr_per_trial, interruptions_per_trial;
  const double n = plan.trials;
  for (int t = 0; t < plan.trials; ++t) {
    const TrialResult tr = simulate_trial(plan, t);
    r.days_per_trial.push_back(tr.wall_s / kDay);
    ettr_per_trial.push_back(tr.wall_s > 0 ? tr.time.productive_s / tr.wall_s : 1.0);
    interruptions_per_trial.push_back(tr.total_interruptions());
    r.ettr += ettr_per_trial.back() / n;
    r.interruptions += interruptions_per_trial.back() / n;
    for (std::size_t c = 0; c < interruptions.size(); ++c) interruptions[c] += tr.interruptions[c] / n;
    r.time_mean.productive_s += tr.time.productive_s / n;
    r.time_mean.rework_s += tr.time.rework_s / n;
    r.time_mean.restart_s += tr.time.restart_s / n;
    r.time_mean.checkpoint_s += tr.time.checkpoint_s / n;
    r.time_mean.repair_wait_s += tr.time.repair_wait_s / n;
    r.time_mean.maintenance_s += tr.time.maintenance_s / n;
    r.time_mean.evaluation_s += tr.time.evaluation_s / n;
    r.days_mean += tr.wall_s / kDay / n;
  }
  for (std::size_t c = 0; c < interruptions.size(); ++c)
    r.interruptions_by_cause[plan.causes[c].name] = interruptions[c];

  std::tie(r.days_p10, r.days_p50, r.days_p90) = deciles(r.days_per_trial);
  std::tie(r.ettr_p10, r.ettr_p50, r.ettr_p90) = deciles(std::move(ettr_per_trial));
  std::tie(r.interruptions_p10, r.interruptions_p50, r.interruptions_p90) =
      deciles(std::move(interruptions_per_trial));

  // The representative trial: days nearest the median (the first such), run
  // again with its timeline recorded (same streams, same numbers).
  std::size_t nearest = 0;
  for (std::size_t t = 1; t < r.days_per_trial.size(); ++t)
    if (std::abs(r.days_per_trial[t] - r.days_p50) < std::abs(r.days_per_trial[nearest] - r.days_p50)) nearest = t;
  simulate_trial(plan, static_cast<int>(nearest), &r.representative);
  return r;
}

RunSimulation simulate_run(const Scenario& s, const StepResult& step, const StepResult* ramp_start,
                           const StepResult* eval_batch) {
  if (!(s.training.total_tokens > 0) || !(step.time_s > 0)) return {};
  return simulate_run(plan_run(s, step, ramp_start, eval_batch), s.checkpoint.interval == "search");
}

}  // namespace orrery
