#include "reports/compare_table.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

#include <fmt/format.h>

#include "reports/csv_report.hpp"
#include "reports/number_format.hpp"

#ifndef ORRERY_VERSION
#error "ORRERY_VERSION must be defined (reports/CMakeLists.txt sets it from the project version)"
#endif

namespace orrery {

namespace {

// The CSV's columns, in order: the JSON's per-plan keys ("plan" flattened).
constexpr const char* kCsvColumns[] = {
    "label", "scenario", "tp", "pp", "dp", "fits", "error", "step_time_s", "tokens_per_s", "tflops_per_gpu", "mfu",
    "peak_memory_gib", "headroom_gib", "exposed_comm_s", "bubble_s", "days_p50", "usd_per_million_tokens", "best"};

void set_memory(ComparedPlan& p, const std::vector<StageMemory>& memory) {
  if (memory.empty()) return;
  p.peak_memory_gib = 0;
  p.headroom_gib = std::numeric_limits<double>::infinity();
  for (const StageMemory& m : memory) {
    p.peak_memory_gib = std::max(p.peak_memory_gib, m.peak_gib);
    p.headroom_gib = std::min(p.headroom_gib, m.capacity_gib - m.peak_gib);
  }
}

nlohmann::json number_or_null(bool present, double v) { return present ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json plan_json(const ComparedPlan& p) {
  const bool ran = p.valid && p.fits;
  const bool memory = p.valid;   // a plan that does not fit still has its memory figures
  return {
      {"label", p.label},
      {"scenario", p.valid ? nlohmann::json(p.scenario) : nlohmann::json(nullptr)},
      {"plan", p.valid ? nlohmann::json{{"tp", p.tp}, {"pp", p.pp}, {"dp", p.dp}} : nlohmann::json(nullptr)},
      {"fits", ran},
      {"error", p.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(p.error)},
      {"step_time_s", number_or_null(ran, p.step_time_s)},
      {"tokens_per_s", number_or_null(ran, p.tokens_per_s)},
      {"tflops_per_gpu", number_or_null(ran, p.tflops_per_gpu)},
      {"mfu", number_or_null(ran, p.mfu)},
      {"peak_memory_gib", number_or_null(memory, p.peak_memory_gib)},
      {"headroom_gib", number_or_null(memory, p.headroom_gib)},
      {"exposed_comm_s", number_or_null(ran, p.exposed_comm_s)},
      {"bubble_s", number_or_null(ran, p.bubble_s)},
      {"days_p50", number_or_null(ran && p.has_run, p.days_p50)},
      {"usd_per_million_tokens", number_or_null(ran && p.has_run, p.usd_per_million_tokens)},
      {"best", p.best},
  };
}

std::string metric_phrase(const std::string& best_by) {
  if (best_by == "usd_per_million_tokens") return "lowest cost per million tokens";
  if (best_by == "step_time_s") return "shortest step time";
  return {};
}

}  // namespace

ComparedPlan compared_plan(const std::string& label, const RunReport& r, const std::string& not_fit_reason) {
  ComparedPlan p;
  p.label = label;
  p.scenario = r.scenario.name;
  p.valid = true;
  p.fits = r.step.fits;
  p.tp = r.scenario.parallelism.tp;
  p.pp = r.scenario.parallelism.pp;
  p.dp = r.scenario.parallelism.dp;
  set_memory(p, r.step.memory);
  if (!p.fits) {
    p.error = not_fit_reason;
    return p;
  }
  const StepResult& s = r.step;
  p.step_time_s = s.time_s;
  p.tokens_per_s = s.tokens_per_s;
  p.tflops_per_gpu = s.tflops_per_gpu;
  p.mfu = s.mfu;
  p.exposed_comm_s = s.breakdown.exposed_tp_comm_s + s.breakdown.exposed_pp_comm_s + s.breakdown.exposed_dp_comm_s +
                     s.breakdown.exposed_ep_comm_s + s.breakdown.exposed_cp_comm_s;
  p.bubble_s = s.breakdown.bubble_s;
  p.has_run = r.run.trials > 0;
  if (p.has_run) {
    p.days_p50 = r.run.days_p50;
    p.usd_per_million_tokens = r.cost.usd_per_million_tokens;
  }
  return p;
}

ComparedPlan invalid_plan(const std::string& label, const std::string& error) {
  ComparedPlan p;
  p.label = label;
  p.error = error;
  return p;
}

Comparison compare_plans(std::vector<ComparedPlan> plans) {
  Comparison c{std::move(plans), {}};
  const auto ran = [](const ComparedPlan& p) { return p.valid && p.fits; };
  if (std::none_of(c.plans.begin(), c.plans.end(), ran)) return c;
  // Cost per token folds in step time, failures and price, so it is the
  // better judge; but it can only rank plans that all have it.
  const bool by_cost = std::all_of(c.plans.begin(), c.plans.end(),
                                   [&](const ComparedPlan& p) { return !ran(p) || p.has_run; });
  c.best_by = by_cost ? "usd_per_million_tokens" : "step_time_s";
  ComparedPlan* best = nullptr;
  for (ComparedPlan& p : c.plans) {
    p.best = false;
    if (!ran(p)) continue;
    const double v = by_cost ? p.usd_per_million_tokens : p.step_time_s;
    if (!best || v < (by_cost ? best->usd_per_million_tokens : best->step_time_s)) best = &p;
  }
  best->best = true;
  return c;
}

std::string render_compare_table(const Comparison& c) {
  std::string text;
  auto out = std::back_inserter(text);

  // One scenario for every plan is named in the title; scenarios compared
  // with each other are named by their labels.
  std::string scenario;
  bool one_scenario = true;
  for (const ComparedPlan& p : c.plans) {
    if (!p.valid) continue;
    if (scenario.empty()) scenario = p.scenario;
    else if (p.scenario != scenario) one_scenario = false;
  }
  fmt::format_to(out, "Orrery {}: comparing {} plan{}", ORRERY_VERSION, c.plans.size(),
                 c.plans.size() == 1 ? "" : "s");
  if (one_scenario && !scenario.empty()) fmt::format_to(out, " of {}", scenario);
  fmt::format_to(out, "\n\n");

  std::size_t label_width = 4;  // "plan"
  for (const ComparedPlan& p : c.plans) label_width = std::max(label_width, p.label.size());

  fmt::format_to(out, "  {:<{}}  {:>9}  {:>9}  {:>8}  {:>6}  {:>8}  {:>8}  {:>8}  {:>8}  {:>8}  {:>10}\n", "plan",
                 label_width, "step s", "tokens/s", "TFLOP/s", "MFU", "peak GiB", "headroom", "exp comm", "bubble",
                 "days p50", "$/M tokens");
  for (const ComparedPlan& p : c.plans) {
    const char* mark = p.best ? "*" : " ";
    if (!p.valid) {
      fmt::format_to(out, "{} {:<{}}  invalid: {}\n", mark, p.label, label_width, p.error);
      continue;
    }
    if (!p.fits) {
      fmt::format_to(out, "{} {:<{}}  does not fit: {}\n", mark, p.label, label_width, p.error);
      continue;
    }
    const std::string days = p.has_run ? format_3sig(p.days_p50) : "-";
    const std::string usd = p.has_run ? "$" + format_3sig(p.usd_per_million_tokens) : "-";
    fmt::format_to(out, "{} {:<{}}  {:>9}  {:>9}  {:>8}  {:>6}  {:>8.1f}  {:>8.1f}  {:>8}  {:>8}  {:>8}  {:>10}\n", mark,
                   p.label, label_width, format_3sig(p.step_time_s), format_scaled(p.tokens_per_s),
                   format_3sig(p.tflops_per_gpu), format_percent(p.mfu), p.peak_memory_gib, p.headroom_gib,
                   format_3sig(p.exposed_comm_s), format_3sig(p.bubble_s), days, usd);
  }

  fmt::format_to(out, "\n");
  if (c.best_by.empty()) {
    fmt::format_to(out, "No plan ran.\n");
  } else {
    fmt::format_to(out, "* best: {}.", metric_phrase(c.best_by));
    if (c.best_by == "step_time_s")
      fmt::format_to(out, " (Not every plan has a run estimate: training.total_tokens is 0.)");
    fmt::format_to(out, "\n");
  }
  fmt::format_to(out, "Seconds per step; exp comm: exposed tp + pp + dp + ep + cp communication; headroom: GiB left on the "
                      "fullest stage; days p50: median run time.\n");
  return text;
}

nlohmann::json compare_json(const Comparison& c) {
  nlohmann::json plans = nlohmann::json::array();
  for (const ComparedPlan& p : c.plans) plans.push_back(plan_json(p));
  return {
      {"orrery", {{"version", ORRERY_VERSION}}},
      {"best_by", c.best_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.best_by)},
      {"plans", plans},
  };
}

std::string render_compare_csv(const Comparison& c) {
  std::string out;
  for (const char* column : kCsvColumns) {
    if (column != kCsvColumns[0]) out += ',';
    out += column;
  }
  out += "\r\n";
  for (const ComparedPlan& p : c.plans) {
    nlohmann::json j = plan_json(p);
    // The plan's degrees are columns of their own.
    for (const char* k : {"tp", "pp", "dp"}) j[k] = p.valid ? nlohmann::json(j["plan"][k]) : nlohmann::json(nullptr);
    bool first = true;
    for (const char* column : kCsvColumns) {
      if (!first) out += ',';
      first = false;
      const nlohmann::json& v = j.at(column);
      // Numbers as the JSON writes them (shortest round trip); null is empty.
      out += v.is_string() ? csv_field(v.get<std::string>(), true) : v.is_null() ? std::string() : v.dump();
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace orrery
