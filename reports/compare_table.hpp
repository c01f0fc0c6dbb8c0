#pragma once
// `orrery compare`: the figures of several plans (or scenarios) side by side,
// as a terminal table, JSON with stable keys (docs/results-format.md,
// "Compare JSON") and CSV. Plain data in, text out; the simulating is the
// CLI's (sim/cli/compare_command.cpp).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/run_report.hpp"

namespace orrery {

// One compared plan. A plan either ran (fits, the figures are set), did not
// fit in memory (fits false, error says why, only the memory figures are
// set), or was rejected by the scenario loader (valid false, error says why).
struct ComparedPlan {
  std::string label;               // the --plan text, or the scenario file
  std::string scenario;            // the scenario's name ("" when invalid)
  bool valid = false;              // the scenario loaded
  bool fits = false;               // it fit in memory and was simulated
  std::string error;               // why there are no figures; empty when it ran
  int tp = 0, pp = 0, dp = 0;      // the plan as loaded (0 when invalid)
  double step_time_s = 0;
  double tokens_per_s = 0;
  double tflops_per_gpu = 0;
  double mfu = 0;
  double peak_memory_gib = 0;      // the largest stage peak
  double headroom_gib = 0;         // the smallest capacity - peak over the stages (< 0: over)
  double exposed_comm_s = 0;       // exposed tp + pp + dp + ep + cp communication
  double bubble_s = 0;
  bool has_run = false;            // the whole run was simulated (training.total_tokens > 0)
  double days_p50 = 0;
  double usd_per_million_tokens = 0;
  bool best = false;
};

// The figures of one simulated scenario. `not_fit_reason` is the message
// for a plan that does not fit (used only when r.step.fits is false).
ComparedPlan compared_plan(const std::string& label, const RunReport& r, const std::string& not_fit_reason);
// A plan the scenario loader rejected.
ComparedPlan invalid_plan(const std::string& label, const std::string& error);

struct Comparison {
  std::vector<ComparedPlan> plans;
  // What "best" means: "usd_per_million_tokens" when every plan that ran has
  // a run estimate, else "step_time_s"; empty when no plan ran.
  std::string best_by;
};

// Marks the best plan: the lowest cost per million tokens, or the shortest
// step when some plan that ran has no run estimate. Ties go to the first.
Comparison compare_plans(std::vector<ComparedPlan> plans);

// One row per plan; the best marked with `*` and a line saying by what.
std::string render_compare_table(const Comparison& c);
// {"orrery": {"version"}, "best_by", "plans": [...]} (docs/results-format.md).
nlohmann::json compare_json(const Comparison& c);
// A header and one row per plan, with the JSON's keys as columns (CRLF, RFC 4180).
std::string render_compare_csv(const Comparison& c);

}  // namespace orrery
