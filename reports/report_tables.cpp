#include "reports/report_tables.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "models/parameters.hpp"
#include "reports/number_format.hpp"

namespace orrery {

namespace {

constexpr double kSecondsPerDay = 86400;

// Cells. Figures use the same formatting as the terminal summary: three
// significant digits, k/M/B/T suffixes for large counts and dollars.
ReportCell text(std::string value, std::string key = {}) { return {{}, std::move(value), {}, std::move(key)}; }

ReportCell sig3(double v, std::string key, std::string suffix = {}, std::string prefix = {}) {
  return {std::move(prefix), format_3sig(tidy(v)), std::move(suffix), std::move(key)};
}

ReportCell scaled(double v, std::string key, std::string suffix = {}, std::string prefix = {}) {
  return {std::move(prefix), format_scaled(tidy(v)), std::move(suffix), std::move(key)};
}

ReportCell dollars(double v, std::string key) { return scaled(v, std::move(key), {}, "$"); }

ReportCell percent(double fraction, std::string key = {}) {
  return {{}, format_percent(tidy(fraction)), {}, std::move(key)};
}

ReportCell integer(long long v, std::string key, std::string suffix = {}) {
  return {{}, fmt::format("{}", v), std::move(suffix), std::move(key)};
}

double share(double part, double whole) { return whole > 0 ? part / whole : 0; }

// A two-column table of labelled figures.
ReportTable pairs(std::string caption, std::vector<std::pair<std::string, ReportCell>> items) {
  ReportTable t{std::move(caption), {}, {false, true}, {}};
  for (auto& [label, cell] : items) t.rows.push_back({text(std::move(label)), std::move(cell)});
  return t;
}

// Durations read best in the largest unit that keeps them above one.
std::string human_duration(double s) {
  if (!std::isfinite(s)) return format_3sig(s);
  if (s >= kSecondsPerDay) return format_3sig(s / kSecondsPerDay) + " days";
  if (s >= 3600) return format_3sig(s / 3600) + " h";
  if (s >= 60) return format_3sig(s / 60) + " min";
  return format_3sig(s) + " s";
}

std::string fabric_text(const FabricSpec& f) {
  std::string t = fmt::format("{}-tier {}", f.tiers, f.topology == "fat_tree" ? "fat tree" : f.topology);
  if (f.rail_optimized) t += ", rail-optimized";
  t += fmt::format(", oversubscription {}:1, radix {}", format_3sig(f.oversubscription), f.switch_radix);
  return t;
}

std::string link_text(const LinkSpec& l) {
  return fmt::format("{}: {} GB/s per direction at {} efficiency, {} us", l.name, format_3sig(l.bandwidth_gb_per_s),
                     format_percent(l.efficiency), format_3sig(l.latency_us));
}

// The causes of CostByCause, with the words the report uses for them.
struct CauseRow {
  const char* key;     // results-JSON name
  const char* label;
  double CostByCause::*member;
};
constexpr CauseRow kCostCauses[] = {
    {"productive", "productive training", &CostByCause::productive},
    {"evaluation", "evaluation (forward-only batches)", &CostByCause::evaluation},
    {"rework", "rework (lost since the last checkpoint)", &CostByCause::rework},
    {"restart", "restarts (detect, restart, reload)", &CostByCause::restart},
    {"checkpoint", "checkpoint stalls", &CostByCause::checkpoint},
    {"idle", "idle (waiting for repair, planned stops)", &CostByCause::idle},
};

ReportSection summary(const RunReport& r) {
  const Scenario& s = r.scenario;
  const RunSimulation& run = r.run;
  const RunCost& c = r.cost;
  ReportSection sec{"summary", "Summary", {}, {}};
  sec.intro = fmt::format(
      "{} on {} {} GPUs, trained on {} tokens: {} days at the median of {} trial{} ({} days at the 90th "
      "percentile), ${}, {} MWh and {} tCO2e.",
      s.model.name, s.cluster.gpus(), s.cluster.accelerator.name, format_scaled(s.training.total_tokens),
      format_3sig(run.days_p50), run.trials, run.trials == 1 ? "" : "s", format_3sig(run.days_p90),
      format_scaled(c.usd), format_3sig(c.energy_mwh), format_3sig(c.tco2e));
  if (!r.step.fits)
    sec.intro = "WARNING: the plan does not fit in memory; these figures describe a plan that cannot run. " + sec.intro;
  sec.tables.push_back(pairs(
      "Headline figures", {
                              {"days to train, median (p50)", sig3(run.days_p50, "run.days_p50", " days")},
                              {"days to train, 90th percentile", sig3(run.days_p90, "run.days_p90", " days")},
                              {"cost", dollars(c.usd, "cost.usd")},
                              {"cost per million tokens", sig3(c.usd_per_million_tokens, "cost.usd_per_million_tokens", {}, "$")},
                              {"energy", sig3(c.energy_mwh, "cost.energy_mwh", " MWh")},
                              {"carbon (operational)", sig3(c.tco2e, "cost.tco2e", " tCO2e")},
                              {"MFU", percent(r.step.mfu, "step.mfu")},
                              {"effective training time ratio", percent(run.ettr, "run.ettr")},
                              {"GPU-hours", scaled(c.gpu_hours, "cost.gpu_hours")},
                          }));
  return sec;
}

ReportSection scenario_section(const RunReport& r) {
  const Scenario& s = r.scenario;
  const ModelSpec& m = s.model;
  const ClusterSpec& cl = s.cluster;
  const ParallelismSpec& p = s.parallelism;
  const TrainingSpec& t = s.training;
  const CostSpec& cost = s.cost;
  ReportSection sec{"scenario", "Scenario", s.description, {}};
  sec.tables.push_back(pairs(
      "Model", {
                   {"model", text(m.name, "model.name")},
                   {"parameters", scaled(count_parameters(m).total, "model.params")},
                   {"layers", integer(m.layers, "model.layers")},
                   {"hidden size", integer(m.hidden, "model.hidden")},
                   {"attention heads", text(fmt::format("{} ({} key/value)", m.heads, m.kv_heads))},
                   {"MLP hidden size", text(fmt::format("{}", m.ffn_hidden))},
                   {"vocabulary", text(fmt::format("{}", m.vocab))},
               }));
  sec.tables.push_back(pairs(
      "Cluster", {
                     {"nodes", integer(cl.nodes, "cluster.nodes")},
                     {"node", text(cl.node.name, "cluster.node")},
                     {"GPUs per node", integer(cl.node.gpus_per_node, "cluster.gpus_per_node")},
                     {"GPUs", integer(cl.gpus(), "cluster.gpus")},
                     {"accelerator", text(cl.accelerator.name, "cluster.accelerator")},
                     {"peak (dense)", text(fmt::format("{} TFLOP/s {}", format_3sig(cl.accelerator.peak_tflops(t.precision)),
                                                       to_string(t.precision)))},
                     {"memory per GPU", text(format_3sig(cl.accelerator.hbm_gib) + " GiB")},
                     {"fabric", text(fabric_text(cl.fabric))},
                 }));
  sec.tables.push_back(pairs(
      "Parallelism plan", {
                              {"tensor parallel (tp)", integer(p.tp, "plan.tp")},
                              {"pipeline parallel (pp)", integer(p.pp, "plan.pp")},
                              {"data parallel (dp)", integer(p.dp, "plan.dp")},
                              {"micro-batch", integer(p.micro_batch, "plan.micro_batch", p.micro_batch == 1 ? " sequence" : " sequences")},
                              {"microbatches per step", integer(p.microbatches(t.global_batch), "plan.microbatches")},
                              {"schedule", text(p.schedule, "plan.schedule")},
                              {"activation recompute", text(p.recompute, "plan.recompute")},
                          }));
  sec.tables.push_back(pairs(
      "Training", {
                      {"sequence length", integer(t.seq_len, "training.seq_len", " tokens")},
                      {"global batch", integer(t.global_batch, "training.global_batch", " sequences")},
                      {"tokens per step",
                       text(format_scaled(static_cast<double>(t.seq_len) * t.global_batch))},
                      {"precision", text(to_string(t.precision), "training.precision")},
                      {"optimizer", text(t.optimizer, "training.optimizer")},
                      {"training tokens", scaled(t.total_tokens, "training.total_tokens")},
                      {"steps", scaled(r.run.steps, "run.steps")},
                      {"of them, batch ramp", scaled(r.run.ramp_steps, "run.ramp_steps")},
                  }));
  sec.tables.push_back(pairs(
      "Cost inputs", {
                         {"pricing", text(r.cost.pricing, "cost.pricing")},
                         {"price per GPU-hour", sig3(cost.price_usd_per_gpu_hour, "cost.price_usd_per_gpu_hour", {}, "$")},
                         {"cost per allocated GPU-hour", sig3(r.cost.usd_per_gpu_hour, "cost.usd_per_gpu_hour", {}, "$")},
                         {"allocated GPUs (spares included)", integer(r.cost.allocated_gpus, "cost.allocated_gpus")},
                         {"electricity", sig3(cost.electricity_usd_per_kwh, "cost.electricity_usd_per_kwh", " per kWh", "$")},
                         {"PUE", sig3(cost.pue, "cost.pue")},
                         {"grid region", text(cost.grid_region, "cost.grid_region")},
                     }));
  return sec;
}

ReportSection step_section(const RunReport& r) {
  const StepResult& step = r.step;
  const StepBreakdown& b = step.breakdown;
  ReportSection sec{"step-breakdown", "Where the step time goes", {}, {}};
  sec.intro = fmt::format(
      "One training step takes {} s on the slowest rank; compute is {} of it. Exposed communication is the time "
      "compute waits on it (overlapped communication costs nothing here).",
      format_3sig(step.time_s), format_percent(share(b.compute_s, step.time_s)));
  ReportTable parts{"Step time by part", {"part", "seconds", "share"}, {false, true, true}, {}};
  const std::pair<const char*, std::pair<double, const char*>> rows[] = {
      {"compute", {b.compute_s, "compute_s"}},
      {"exposed TP comm", {b.exposed_tp_comm_s, "exposed_tp_comm_s"}},
      {"exposed PP comm", {b.exposed_pp_comm_s, "exposed_pp_comm_s"}},
      {"exposed DP comm", {b.exposed_dp_comm_s, "exposed_dp_comm_s"}},
      {"exposed EP comm", {b.exposed_ep_comm_s, "exposed_ep_comm_s"}},
      {"exposed CP comm", {b.exposed_cp_comm_s, "exposed_cp_comm_s"}},
      {"pipeline bubble", {b.bubble_s, "bubble_s"}},
      {"idle", {b.idle_s, "idle_s"}},
  };
  for (const auto& [label, value] : rows)
    if (value.first > 0 || !expert_or_context_part(label))   // EP and CP rows only where the plan has them
    parts.rows.push_back({text(label), sig3(value.first, std::string("step.breakdown.") + value.second),
                          percent(share(value.first, step.time_s))});
  parts.rows.push_back({text("step time"), sig3(step.time_s, "step.time_s"), percent(1)});
  sec.tables.push_back(std::move(parts));
  sec.tables.push_back(pairs("Throughput", {
                                               {"tokens per second", scaled(step.tokens_per_s, "step.tokens_per_s")},
                                               {"TFLOP/s per GPU", sig3(step.tflops_per_gpu, "step.tflops_per_gpu")},
                                               {"MFU", percent(step.mfu, "step.mfu")},
                                               {"HFU", percent(step.hfu, "step.hfu")},
                                           }));
  return sec;
}

ReportSection memory_section(const RunReport& r) {
  ReportSection sec{"memory", "Memory per pipeline stage", {}, {}};
  double worst = 0;
  for (const StageMemory& m : r.step.memory) worst = std::max(worst, m.peak_gib);
  const double capacity = r.step.memory.empty() ? 0 : r.step.memory.front().capacity_gib;
  sec.intro = fmt::format("Per GPU, by pipeline stage: the fullest stage peaks at {} GiB of {} GiB.",
                          format_3sig(worst), format_3sig(capacity));
  ReportTable t{"GiB per GPU",
                {"stage", "layers", "weights", "gradients", "optimizer", "activations", "buffers", "peak", "capacity",
                 "fits"},
                {true, true, true, true, true, true, true, true, true, false},
                {}};
  for (std::size_t i = 0; i < r.step.memory.size(); ++i) {
    const StageMemory& m = r.step.memory[i];
    const std::string k = fmt::format("memory.per_stage[{}].", i);
    t.rows.push_back({integer(m.stage, k + "stage"), integer(m.layers, k + "layers"), sig3(m.weights_gib, k + "weights_gib"),
                      sig3(m.gradients_gib, k + "gradients_gib"), sig3(m.optimizer_gib, k + "optimizer_gib"),
                      sig3(m.activations_gib, k + "activations_gib"), sig3(m.buffers_gib, k + "buffers_gib"),
                      sig3(m.peak_gib, k + "peak_gib"), sig3(m.capacity_gib, k + "capacity_gib"),
                      text(m.fits() ? "fits" : fmt::format("NO: over by {} GiB", format_3sig(m.peak_gib - m.capacity_gib)))});
  }
  sec.tables.push_back(std::move(t));
  return sec;
}

ReportSection timeline_section(const RunReport& r) {
  const RunSimulation& run = r.run;
  ReportSection sec{"run-timeline", "The run over wall-clock time", {}, {}};
  sec.intro = fmt::format(
      "Progress of one representative trial (the one nearest the median, {} days) with its {} interruption{}. "
      "Without failures the run would take {} days.",
      format_3sig(run.representative.wall_s / kSecondsPerDay), run.representative.interruptions.size(),
      run.representative.interruptions.size() == 1 ? "" : "s", format_3sig(run.failure_free_days));
  // Without failures there is no MTBF and no checkpoint (0, or infinity
  // which the JSON writes as null).
  auto given = [](double v) { return std::isfinite(v) && v > 0; };
  const ReportCell mtbf = given(run.job_mtbf_s)
                              ? ReportCell{{}, format_3sig(run.job_mtbf_s), " s (" + human_duration(run.job_mtbf_s) + ")",
                                           "run.job_mtbf_s"}
                              : text("none (no failures)");
  const ReportCell interval =
      given(run.checkpoint_interval_s)
          ? ReportCell{{}, format_3sig(run.checkpoint_interval_s),
                       " s (" + human_duration(run.checkpoint_interval_s) + ", " + run.checkpoint_interval_rule + ")",
                       "run.checkpoint_interval_s"}
          : text("none (no failures)");
  sec.tables.push_back(pairs(
      "Run", {
                 {"failure-free time", sig3(run.failure_free_days, "run.failure_free_days", " days")},
                 {"mean time to train", sig3(run.days_mean, "run.days_mean", " days")},
                 {"effective training time ratio", percent(run.ettr, "run.ettr")},
                 {"interruptions per run (mean)", sig3(run.interruptions, "run.interruptions")},
                 {"job mean time between failures", mtbf},
                 {"checkpoint interval", interval},
                 {"checkpoint size", text(format_3sig(run.checkpoint_bytes / 1e9) + " GB")},
                 {"checkpoint stall", sig3(run.checkpoint_write_s, "run.checkpoint_stall_s", " s")},
                 {"checkpoint reload", sig3(run.checkpoint_load_s, "run.checkpoint_load_s", " s")},
                 {"step time (stragglers included)", sig3(run.step_time_s, "run.step_time_s", " s")},
                 {"evaluations", integer(std::llround(run.evaluations), "run.evaluations")},
                 {"one evaluation (forward-only batches)", sig3(run.eval_s, "run.eval_s", " s")},
             }));

  ReportTable causes{"Interruptions by cause (mean per run)", {"cause", "interruptions"}, {false, true}, {}};
  for (const auto& [cause, n] : run.interruptions_by_cause)
    causes.rows.push_back({text(cause), sig3(n, "run.interruptions_by_cause." + cause)});
  if (!causes.rows.empty()) sec.tables.push_back(std::move(causes));

  const TimeByCause& tm = run.time_mean;
  const double wall = tm.total_s();
  ReportTable time{"Where the wall-clock time goes (mean per run)", {"", "days", "share"}, {false, true, true}, {}};
  // Shown in days; the JSON has seconds (run.time_by_cause.*_s).
  const std::pair<const char*, double> rows[] = {
      {"productive training", tm.productive_s}, {"evaluation", tm.evaluation_s}, {"rework", tm.rework_s},
      {"restarts (detect, restart, reload)", tm.restart_s}, {"checkpoint stalls", tm.checkpoint_s},
      {"waiting for repair", tm.repair_wait_s}, {"planned stops (maintenance, job limits)", tm.maintenance_s},
  };
  for (const auto& [label, seconds] : rows)
    time.rows.push_back({text(label), sig3(seconds / kSecondsPerDay, {}), percent(share(seconds, wall))});
  sec.tables.push_back(std::move(time));
  return sec;
}

ReportSection distribution_section(const RunReport& r) {
  const RunSimulation& run = r.run;
  ReportSection sec{"days-distribution", "Days to train across trials", {}, {}};
  sec.intro = fmt::format(
      "{} seeded trial{} of the whole run (seed {}): the same seed gives the same numbers. The 10th to 90th "
      "percentile range is {} to {} days.",
      run.trials, run.trials == 1 ? "" : "s", run.seed, format_3sig(run.days_p10), format_3sig(run.days_p90));
  sec.tables.push_back(pairs("Wall-clock days", {
                                                    {"trials", integer(run.trials, "run.trials")},
                                                    {"mean", sig3(run.days_mean, "run.days_mean")},
                                                    {"p10", sig3(run.days_p10, "run.days_p10")},
                                                    {"p50 (median)", sig3(run.days_p50, "run.days_p50")},
                                                    {"p90", sig3(run.days_p90, "run.days_p90")},
                                                }));
  ReportTable spread{"Across trials", {"", "p10", "p50", "p90", "mean"}, {false, true, true, true, true}, {}};
  spread.rows.push_back({text("effective training time ratio"), percent(run.ettr_p10, "run.ettr_p10"),
                         percent(run.ettr_p50, "run.ettr_p50"), percent(run.ettr_p90, "run.ettr_p90"),
                         percent(run.ettr, "run.ettr")});
  spread.rows.push_back({text("interruptions"), sig3(run.interruptions_p10, "run.interruptions_p10"),
                         sig3(run.interruptions_p50, "run.interruptions_p50"),
                         sig3(run.interruptions_p90, "run.interruptions_p90"),
                         sig3(run.interruptions, "run.interruptions")});
  sec.tables.push_back(std::move(spread));
  return sec;
}

ReportSection cost_section(const RunReport& r) {
  const RunCost& c = r.cost;
  ReportSection sec{"cost-breakdown", "Cost by cause", {}, {}};
  sec.intro = fmt::format(
      "${} in all ({} pricing): every allocated GPU is paid for the whole wall-clock time, so failures cost "
      "money through rework, restarts, checkpoint stalls and idle time.",
      format_scaled(c.usd), c.pricing);
  ReportTable t{"Dollars by cause",
                {"cause", "USD", "share", "GPU-hours", "USD per M tokens"},
                {false, true, true, true, true},
                {}};
  const double total = c.usd_by_cause.total();
  for (const CauseRow& cause : kCostCauses) {
    const double v = c.usd_by_cause.*cause.member;
    t.rows.push_back({text(cause.label), dollars(v, std::string("cost.by_cause.") + cause.key), percent(share(v, total)),
                      scaled(c.gpu_hours_by_cause.*cause.member, std::string("cost.gpu_hours_by_cause.") + cause.key),
                      sig3(c.usd_per_million_tokens_by_cause.*cause.member,
                           std::string("cost.usd_per_million_tokens_by_cause.") + cause.key, {}, "$")});
  }
  t.rows.push_back({text("total"), dollars(c.usd, "cost.usd"), percent(1), scaled(c.gpu_hours, "cost.gpu_hours"),
                    sig3(c.usd_per_million_tokens, "cost.usd_per_million_tokens", {}, "$")});
  sec.tables.push_back(std::move(t));
  sec.tables.push_back(pairs("Unit costs", {
                                               {"GPU-hours", scaled(c.gpu_hours, "cost.gpu_hours")},
                                               {"per million tokens", sig3(c.usd_per_million_tokens, "cost.usd_per_million_tokens", {}, "$")},
                                               {"electricity", dollars(c.energy_usd, "cost.energy_usd")},
                                           }));
  return sec;
}

ReportSection energy_section(const RunReport& r) {
  const RunCost& c = r.cost;
  const CostSpec& in = r.scenario.cost;
  ReportSection sec{"energy-carbon", "Energy and carbon", {}, {}};
  sec.intro = fmt::format(
      "Facility energy (IT power x PUE {}) and operational carbon at {} gCO2e/kWh{}.", format_3sig(in.pue),
      format_3sig(c.grid_gco2_per_kwh),
      c.embodied_tco2e > 0 ? "; embodied carbon is the run's share of the accelerators' manufacturing" : "");
  sec.tables.push_back(pairs("Totals", {
                                           {"energy", sig3(c.energy_mwh, "cost.energy_mwh", " MWh")},
                                           {"the GPUs alone, no PUE", sig3(c.accelerator_mwh, "cost.accelerator_mwh", " MWh")},
                                           {"the GPUs at TDP all the time (an upper bound)",
                                            sig3(c.accelerator_tdp_mwh, "cost.accelerator_tdp_mwh", " MWh")},
                                           {"average power per GPU", sig3(c.avg_power_w_per_gpu, "cost.avg_power_w_per_gpu", " W")},
                                           {"grid carbon intensity", sig3(c.grid_gco2_per_kwh, "cost.grid_gco2_per_kwh", " gCO2e/kWh")},
                                           {"operational carbon", sig3(c.tco2e, "cost.tco2e", " tCO2e")},
                                           {"embodied carbon",
                                            sig3(c.embodied_tco2e, "cost.embodied_tco2e",
                                                 in.embodied_kgco2e_per_gpu > 0 ? " tCO2e" : " tCO2e (not counted: no cost.embodied_kgco2e_per_gpu)")},
                                           {"electricity cost", dollars(c.energy_usd, "cost.energy_usd")},
                                       }));
  ReportTable t{"Energy and carbon by cause", {"cause", "MWh", "tCO2e"}, {false, true, true}, {}};
  for (const CauseRow& cause : kCostCauses)
    t.rows.push_back({text(cause.label), sig3(c.mwh_by_cause.*cause.member, std::string("cost.energy_mwh_by_cause.") + cause.key),
                      sig3(c.tco2e_by_cause.*cause.member, std::string("cost.tco2e_by_cause.") + cause.key)});
  sec.tables.push_back(std::move(t));
  return sec;
}

ReportSection assumptions_section(const RunReport& r) {
  const Scenario& s = r.scenario;
  const ClusterSpec& cl = s.cluster;
  ReportSection sec{"assumptions", "Assumptions and their sources", {}, {}};
  sec.intro =
      "Every hardware and model figure comes from a catalog entry with its source; the rest are the scenario's "
      "inputs (their JSON paths).";
  ReportTable t{{}, {"assumption", "value", "source"}, {false, false, false}, {}};
  auto add = [&](std::string what, std::string value, std::string source) {
    t.rows.push_back({text(std::move(what)), text(std::move(value)), text(std::move(source))});
  };
  const AcceleratorSpec& a = cl.accelerator;
  add("accelerator", fmt::format("{}: {} TFLOP/s bf16, {} GiB at {} GB/s, {} W TDP ({} W idle)", a.name,
                                 format_3sig(a.peak_tflops_bf16), format_3sig(a.hbm_gib),
                                 format_3sig(a.hbm_bandwidth_gb_per_s), format_3sig(a.tdp_w), format_3sig(a.idle_w)),
      a.source);
  add("node", fmt::format("{}: {} x {}, {} NICs, host {} W", cl.node.name, cl.node.gpus_per_node, cl.node.accelerator,
                          cl.node.nics_per_node, format_3sig(cl.node.host_power_w)),
      cl.node.source);
  add("scale-up link", link_text(cl.scale_up), cl.scale_up.source);
  add("GPU-NIC link", link_text(cl.gpu_nic), cl.gpu_nic.source);
  add("NIC link", link_text(cl.nic), cl.nic.source);
  if (!cl.fabric.link.name.empty()) add("fabric link", link_text(cl.fabric.link), cl.fabric.link.source);
  add("model", s.model.name, s.model.source);
  add("device efficiency",
      fmt::format("GEMM {}, memory {}, launch {} us", format_percent(s.efficiency.gemm),
                  format_percent(s.efficiency.memory), format_3sig(s.efficiency.launch_overhead_us)),
      "scenario: efficiency (defaults in docs/device-model.md)");
  add("failures",
      fmt::format("preset {}, {} times between failures, {} trials, seed {}", s.failures.preset,
                  s.failures.distribution, r.run.trials, r.run.seed),
      "scenario: failures (presets and their sources in docs/run-model.md)");
  std::string detect = human_duration(s.recovery.detection_s);
  for (const auto& [cause, seconds] : s.recovery.detection_overrides)
    detect += fmt::format(" ({} {})", cause, human_duration(seconds));
  std::string limit;
  if (s.recovery.job_time_limit_hours > 0)
    limit = fmt::format(", jobs of at most {}", human_duration(s.recovery.job_time_limit_hours * 3600));
  add("recovery",
      fmt::format("detect {}, restart {}, reload {}, {} spare nodes, repair {}{}", detect,
                  human_duration(s.recovery.restart_s), human_duration(r.run.checkpoint_load_s), s.recovery.spare_nodes,
                  human_duration(s.recovery.repair_hours * 3600), limit),
      "scenario: recovery");
  const StragglerSpec& st = s.stragglers;
  add("stragglers",
      fmt::format("jitter {} of a step per node, slow steps {} of a node's steps adding {}: the step {} longer",
                  format_percent(st.jitter_fraction), format_percent(st.slow_step_probability),
                  format_percent(st.slow_step_extra_fraction),
                  format_percent(r.step.time_s > 0 ? r.run.step_time_s / r.step.time_s - 1 : 0)),
      "scenario: stragglers (docs/run-model.md)");
  const double interval = r.run.checkpoint_interval_s;
  add("checkpoints",
      fmt::format("{} mode, interval {}, write {} GB/s, read {} GB/s", s.checkpoint.mode,
                  std::isfinite(interval) && interval > 0
                      ? fmt::format("{} ({})", human_duration(interval), r.run.checkpoint_interval_rule)
                      : std::string("none (no failures)"),
                  format_3sig(s.checkpoint.write_gb_per_s), format_3sig(s.checkpoint.read_gb_per_s)),
      "scenario: checkpoint");
  add("pricing", fmt::format("{}: ${} per allocated GPU-hour", r.cost.pricing, format_3sig(r.cost.usd_per_gpu_hour)),
      "scenario: cost.pricing and its prices (docs/run-model.md)");
  add("power", fmt::format("{} W per GPU while stepping, idle power otherwise; PUE {}",
                           format_3sig(r.cost.avg_power_w_per_gpu), format_3sig(s.cost.pue)),
      s.cost.average_power_w_per_gpu > 0 ? "scenario: cost.average_power_w_per_gpu (measured, all-in), cost.pue"
                                         : "power model between idle and TDP (docs/run-model.md); scenario: cost.pue");
  add("grid carbon intensity",
      fmt::format("{} gCO2e/kWh ({})", format_3sig(r.cost.grid_gco2_per_kwh), s.cost.grid_region),
      s.cost.grid_region == "custom" ? "scenario: cost.grid_gco2_per_kwh"
                                     : "scenario: cost.grid_region (2023 figures, docs/sources/hardware-datasheets.md)");
  add("electricity price", fmt::format("${} per kWh", format_3sig(s.cost.electricity_usd_per_kwh)),
      "scenario: cost.electricity_usd_per_kwh");
  sec.tables.push_back(std::move(t));
  return sec;
}

}  // namespace

double tidy(double v) { return std::fabs(v) < 1e-9 ? 0.0 : v; }

std::vector<std::string> report_section_ids() {
  return {"summary",           "scenario",       "step-breakdown", "memory",     "run-timeline",
          "days-distribution", "cost-breakdown", "energy-carbon",  "assumptions"};
}

std::vector<ReportSection> report_sections(const RunReport& report) {
  return {summary(report),        scenario_section(report),     step_section(report),
          memory_section(report), timeline_section(report),     distribution_section(report),
          cost_section(report),   energy_section(report),       assumptions_section(report)};
}

}  // namespace orrery
