#include "reports/summary_table.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "models/parameters.hpp"
#include "reports/number_format.hpp"

#ifndef ORRERY_VERSION
#error "ORRERY_VERSION must be defined (reports/CMakeLists.txt sets it from the project version)"
#endif

namespace orrery {

namespace {

constexpr int kBarCells = 20;  // 100% of the step; one cell is 5%

using Out = std::back_insert_iterator<std::string>;

// Decimals that give the step time three significant digits; the breakdown
// uses the same so that its column lines up and sums visibly to the total.
int seconds_decimals(double step_s) {
  if (!(step_s > 0) || !std::isfinite(step_s)) return 2;
  const int d = 2 - static_cast<int>(std::floor(std::log10(step_s)));
  return std::clamp(d, 0, 6);
}

void row(Out out, const char* label, const std::string& value) {
  fmt::format_to(out, "  {:<17}{}\n", label, value);
}

void render_breakdown(Out out, const StepResult& step) {
  const StepBreakdown& b = step.breakdown;
  struct Part {
    const char* label;
    double s;
    bool optional = false;   // a row only where the plan has it (expert, context parallelism)
  };
  const Part parts[] = {
      {"compute", b.compute_s},
      {"exposed TP comm", b.exposed_tp_comm_s},
      {"exposed PP comm", b.exposed_pp_comm_s},
      {"exposed DP comm", b.exposed_dp_comm_s},
      {"exposed EP comm", b.exposed_ep_comm_s, true},
      {"exposed CP comm", b.exposed_cp_comm_s, true},
      {"pipeline bubble", b.bubble_s},
      {"idle", b.idle_s},
  };
  const int decimals = seconds_decimals(step.time_s);
  fmt::format_to(out, "\nWhere the step time goes\n");
  for (const Part& p : parts) {
    if (p.optional && p.s == 0) continue;
    const double fraction = step.time_s > 0 ? p.s / step.time_s : 0;
    const std::string bar = text_bar(fraction, kBarCells);
    fmt::format_to(out, "  {:<17}{:>9.{}f} s  {:>6}{}{}\n", p.label, p.s, decimals,
                   format_percent(fraction), bar.empty() ? "" : "  ", bar);
  }
}

void render_memory(Out out, const StepResult& step) {
  fmt::format_to(out, "\nMemory per pipeline stage (GiB)\n");
  fmt::format_to(out, "  {:>5} {:>6} {:>8} {:>8} {:>9} {:>11} {:>8} {:>17}\n", "stage", "layers",
                 "weights", "grads", "optimizer", "activations", "buffers", "peak / capacity");
  for (const StageMemory& m : step.memory) {
    const std::string verdict =
        m.fits() ? std::string("fits")
                 : fmt::format("DOES NOT FIT by {:.1f} GiB", m.peak_gib - m.capacity_gib);
    fmt::format_to(out, "  {:>5} {:>6} {:>8.1f} {:>8.1f} {:>9.1f} {:>11.1f} {:>8.1f} {:>8.1f} / {:<6.1f}  {}\n",
                   m.stage, m.layers, m.weights_gib, m.gradients_gib, m.optimizer_gib,
                   m.activations_gib, m.buffers_gib, m.peak_gib, m.capacity_gib, verdict);
  }
}

// The stage furthest over its capacity, or nullptr if all fit.
const StageMemory* worst_overflow(const StepResult& step) {
  const StageMemory* worst = nullptr;
  for (const StageMemory& m : step.memory) {
    if (!m.fits() && (!worst || m.peak_gib - m.capacity_gib > worst->peak_gib - worst->capacity_gib))
      worst = &m;
  }
  return worst;
}

// A duration in the unit that reads best: 45.0 s, 12.3 min, 1.05 h, 2.10 days.
std::string format_duration(double s) {
  if (s >= 86400) return format_3sig(s / 86400) + " days";
  if (s >= 3600) return format_3sig(s / 3600) + " h";
  if (s >= 60) return format_3sig(s / 60) + " min";
  return format_3sig(s) + " s";
}

// Decimal bytes: 988 GB, 14.1 TB.
std::string format_bytes(double bytes) {
  if (bytes >= 1e12) return format_3sig(bytes / 1e12) + " TB";
  if (bytes >= 1e9) return format_3sig(bytes / 1e9) + " GB";
  return format_3sig(bytes / 1e6) + " MB";
}

void render_run(Out out, const Scenario& scenario, const RunSimulation& run) {
  if (run.trials == 0) {
    fmt::format_to(out, "\nRun\n");
    row(out, "not simulated", "training.total_tokens is 0");
    return;
  }
  fmt::format_to(out, "\nRun ({} trial{}, failure preset {})\n", run.trials, run.trials == 1 ? "" : "s",
                 scenario.failures.preset);
  row(out, "steps", fmt::format("{} of {} s", format_scaled(run.steps), format_3sig(run.step_time_s)));
  if (run.ramp_steps > 0)
    row(out, "batch ramp", fmt::format("the first {} steps, {} days, from {} to {} sequences",
                                       format_scaled(run.ramp_steps), format_3sig(run.ramp_days),
                                       scenario.training.batch_ramp_start, scenario.training.global_batch));
  if (run.evaluations > 0)
    row(out, "evaluation", fmt::format("{:.0f} evaluations of {} (every {} steps)", run.evaluations,
                                       format_duration(run.eval_s), scenario.training.eval_interval_steps));
  row(out, "no failures", fmt::format("{} days", format_3sig(run.failure_free_days)));
  row(out, "time", fmt::format("{} days median, p10 {}, p90 {} (mean {})", format_3sig(run.days_p50),
                               format_3sig(run.days_p10), format_3sig(run.days_p90), format_3sig(run.days_mean)));
  row(out, "ETTR", fmt::format("{} (productive / wall-clock time), p10 {}, p90 {}", format_percent(run.ettr),
                               format_percent(run.ettr_p10), format_percent(run.ettr_p90)));

  // Causes by mean count, most frequent first; ties by name (the map's order).
  std::vector<std::pair<std::string, double>> causes;
  for (const auto& [cause, n] : run.interruptions_by_cause)
    if (n > 0) causes.emplace_back(cause, n);
  std::stable_sort(causes.begin(), causes.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string list;
  for (const auto& [cause, n] : causes) {
    list += list.empty() ? ": " : ", ";
    list += cause;
    list += ' ';
    list += format_3sig(n);
  }
  row(out, "interruptions",
      run.interruptions > 0 ? fmt::format("{} per run (p10 {}, p90 {}){}", format_3sig(run.interruptions),
                                          format_3sig(run.interruptions_p10), format_3sig(run.interruptions_p90), list)
                            : "none");

  if (run.checkpoint_interval_s > 0)
    row(out, "checkpoints", fmt::format("every {} ({}), {} stall, {}", format_duration(run.checkpoint_interval_s),
                                        run.checkpoint_interval_rule, format_duration(run.checkpoint_write_s),
                                        format_bytes(run.checkpoint_bytes)));
  else
    row(out, "checkpoints", "none (no failure to protect against)");
  const TimeByCause& t = run.time_mean;
  row(out, "time lost", fmt::format("rework {}, restarts {}, checkpoints {}, repair waits {}, planned stops {}",
                                    format_duration(t.rework_s), format_duration(t.restart_s),
                                    format_duration(t.checkpoint_s), format_duration(t.repair_wait_s),
                                    format_duration(t.maintenance_s)));
}

void render_cost(Out out, const Scenario& scenario, const RunCost& cost) {
  const CostSpec& in = scenario.cost;
  fmt::format_to(out, "\nCost\n");
  row(out, "GPU-hours", fmt::format("{} ({} GPUs allocated)", format_scaled(cost.gpu_hours), cost.allocated_gpus));
  row(out, "total", fmt::format("${} {} at ${:.2f} per GPU-hour", format_scaled(cost.usd), in.pricing,
                                cost.usd_per_gpu_hour));
  const CostByCause& c = cost.usd_by_cause;
  const std::string evaluation = c.evaluation > 0 ? fmt::format(", evaluation ${}", format_scaled(c.evaluation)) : "";
  row(out, "by cause", fmt::format("productive ${}{}, rework ${}, restarts ${}, checkpoints ${}, idle ${}",
                                   format_scaled(c.productive), evaluation, format_scaled(c.rework),
                                   format_scaled(c.restart), format_scaled(c.checkpoint), format_scaled(c.idle)));
  row(out, "per M tokens", fmt::format("${}", format_3sig(cost.usd_per_million_tokens)));
  row(out, "energy", fmt::format("{} MWh at PUE {:.2f} ({} W per GPU while stepping)", format_3sig(cost.energy_mwh),
                                 in.pue, format_3sig(cost.avg_power_w_per_gpu)));
  std::string carbon = fmt::format("{} tCO2e at {} gCO2e/kWh", format_3sig(cost.tco2e),
                                   format_3sig(cost.grid_gco2_per_kwh));
  if (in.grid_region != "custom") carbon += " (" + in.grid_region + ")";
  if (cost.embodied_tco2e > 0) carbon += fmt::format(", plus {} t embodied", format_3sig(cost.embodied_tco2e));
  row(out, "carbon", carbon);
}

}  // namespace

std::string render_summary(const Scenario& scenario, const StepResult& step, const RunSimulation& run,
                           const RunCost& cost) {
  std::string text;
  Out out(text);
  const ClusterSpec& cluster = scenario.cluster;
  const ModelSpec& model = scenario.model;
  const TrainingSpec& training = scenario.training;
  const ParallelismSpec& plan = scenario.parallelism;

  fmt::format_to(out, "Orrery {}: {}\n", ORRERY_VERSION, scenario.name);
  if (!scenario.description.empty()) fmt::format_to(out, "{}\n", scenario.description);

  // A plan that does not fit is said first and loudly: its step figures
  // describe hardware the plan cannot run on.
  const StageMemory* over = worst_overflow(step);
  if (over) {
    fmt::format_to(out, "\nWARNING: the plan DOES NOT FIT in memory (stage {} is over by {:.1f} GiB)\n",
                   over->stage, over->peak_gib - over->capacity_gib);
  } else if (!step.fits) {
    fmt::format_to(out, "\nWARNING: the plan DOES NOT FIT in memory\n");
  }

  fmt::format_to(out, "\n");
  row(out, "cluster", fmt::format("{} x {} = {} GPUs ({})", cluster.nodes, cluster.node.name,
                                  cluster.gpus(), cluster.accelerator.name));
  row(out, "model", fmt::format("{}: {} parameters, {} layers, hidden {}", model.name,
                                format_scaled(count_parameters(model).total), model.layers,
                                model.hidden));
  const std::string cp = plan.cp > 1 ? fmt::format(" x cp {}", plan.cp) : "";
  const std::string ep = plan.ep > 1 ? fmt::format(" (ep {} inside dp)", plan.ep) : "";
  row(out, "plan", fmt::format("tp {}{} x pp {} x dp {}{}, schedule {}, recompute {}", plan.tp, cp, plan.pp,
                               plan.dp, ep, plan.schedule, plan.recompute));
  row(out, "batch", fmt::format("micro-batch {} x {} microbatches x dp {} = {} sequences of {}",
                                plan.micro_batch, plan.microbatches(training.global_batch), plan.dp,
                                training.global_batch, training.seq_len));
  row(out, "training", fmt::format("{}, {} optimizer, {} tokens", to_string(training.precision),
                                   training.optimizer, format_scaled(training.total_tokens)));

  fmt::format_to(out, "\nStep\n");
  row(out, "time", fmt::format("{:.{}f} s", step.time_s, seconds_decimals(step.time_s)));
  row(out, "tokens/s", format_scaled(step.tokens_per_s));
  row(out, "TFLOP/s per GPU", format_3sig(step.tflops_per_gpu));
  row(out, "MFU", format_percent(step.mfu));
  row(out, "HFU", format_percent(step.hfu));

  render_breakdown(out, step);
  render_memory(out, step);

  render_run(out, scenario, run);
  render_cost(out, scenario, cost);
  return text;
}

}  // namespace orrery
