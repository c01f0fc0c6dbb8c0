// `orrery compare`: several parallelism plans of one scenario, or several
// scenario files, simulated one after the other and shown side by side.
// A plan is a set of overrides of the scenario's "parallelism" keys, written
// into the scenario's JSON before it is loaded, so that every check of the
// loader (and its error messages) applies to it as to a file.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "reports/compare_table.hpp"
#include "sim/cli/commands.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace orrery::cli {
namespace {

constexpr const char* kPlanForm = "KEY=VALUE pairs separated by commas, each key once";
constexpr const char* kPlanHint =
    "e.g. --plan \"tp=8,pp=4,micro_batch=2\"; keys are the scenario's parallelism keys (tp, pp, dp, micro_batch, "
    "schedule, recompute, ...: orrery docs scenario-format); without dp, dp is derived as GPUs / (tp x pp)";

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return s.substr(first, last - first + 1);
}

// A plan value as JSON: true/false, an integer, a finite number, else text
// (schedule=interleaved). The loader checks the type the key wants.
nlohmann::json plan_value(std::string_view v) {
  if (v == "true") return true;
  if (v == "false") return false;
  std::int64_t i = 0;
  auto [end_i, err_i] = std::from_chars(v.data(), v.data() + v.size(), i);
  if (err_i == std::errc() && end_i == v.data() + v.size()) return i;
  double d = 0;
  auto [end_d, err_d] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (err_d == std::errc() && end_d == v.data() + v.size() && std::isfinite(d)) return d;
  return std::string(v);
}

bool is_key(std::string_view k) {
  const auto lower = [](char c) { return std::islower(static_cast<unsigned char>(c)) != 0; };
  const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  return !k.empty() && !digit(k.front()) &&
         std::all_of(k.begin(), k.end(), [&](char c) { return lower(c) || digit(c) || c == '_'; });
}

struct Plan {
  std::string label;                                    // the pairs as given, spaces trimmed
  std::vector<std::pair<std::string, nlohmann::json>> overrides;   // in the order given
};

// "tp=8,pp=4" -> {tp: 8, pp: 4}. Only the form is checked here; names and
// values are the loader's to judge.
Plan parse_plan(const std::string& text) {
  const auto bad = [&](const std::string& what) {
    return InputError("--plan", fmt::format("\"{}\": {}", text, what), kPlanForm, kPlanHint);
  };
  Plan plan;
  std::map<std::string, int> seen;
  std::string_view rest = text;
  if (trim(rest).empty()) throw bad("empty");
  while (true) {
    const auto comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    if (item.empty()) throw bad("an empty pair (two commas, or a comma at an end)");
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) throw bad(fmt::format("\"{}\" has no '='", item));
    const std::string_view key = trim(item.substr(0, eq)), value = trim(item.substr(eq + 1));
    if (!is_key(key))
      throw bad(fmt::format("\"{}\" is not a key (lower-case letters, digits and _; no dots: only parallelism keys)",
                            key));
    if (value.empty()) throw bad(fmt::format("{} has no value", key));
    if (seen[std::string(key)]++ > 0) throw bad(fmt::format("{} is given twice", key));
    plan.overrides.emplace_back(std::string(key), plan_value(value));
    if (!plan.label.empty()) plan.label += ',';
    plan.label += key;
    plan.label += '=';
    plan.label += value;
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return plan;
}

// The scenario document with the plan written into its "parallelism"
// section. Without dp in the plan, the scenario's dp goes too: the loader
// then derives it from the GPUs and the plan's tp and pp. A document that is
// not an object is left for the loader to reject.
nlohmann::json apply_plan(nlohmann::json doc, const Plan& plan) {
  if (!doc.is_object()) return doc;
  nlohmann::json& section = doc["parallelism"];
  if (section.is_null()) section = nlohmann::json::object();
  if (!section.is_object()) return doc;
  for (const auto& [key, value] : plan.overrides) section[key] = value;
  const bool has_dp = std::any_of(plan.overrides.begin(), plan.overrides.end(),
                                  [](const auto& kv) { return kv.first == "dp"; });
  if (!has_dp) section.erase("dp");
  return doc;
}

// Loads and simulates one plan; loader errors make an invalid row.
ComparedPlan simulate_one(const std::string& label, const std::function<Scenario()>& load) {
  Scenario s;
  try {
    s = load();
    const RunReport r = simulate_scenario(s);
    return compared_plan(label, r, r.step.fits ? std::string() : not_fit_message(s, r.step.memory));
  } catch (const InputError& e) {
    return invalid_plan(label, e.what());
  }
}

}  // namespace

int compare(const CompareArgs& args, const std::vector<std::string>& catalogs) {
  try {
    if (args.json_out == "-" && args.csv_out == "-")
      throw InputError("--json, --csv", "both \"-\"", "at most one of them may write to stdout",
                       "write one of them to a file");
    std::vector<ComparedPlan> rows;
    if (!args.plans.empty()) {
      if (args.scenarios.size() > 1)
        throw InputError("compare", fmt::format("{} scenario files and --plan", args.scenarios.size()),
                         "--plan compares plans of one scenario", "give one scenario file with --plan, or "
                         "several scenario files without --plan");
      if (args.plans.size() < 2)
        throw InputError("--plan", "given once", "two or more plans to compare",
                         "add another --plan, or use orrery run for one plan");
      // Every plan's form is checked before anything is simulated.
      std::vector<Plan> plans;
      for (const auto& text : args.plans) plans.push_back(parse_plan(text));
      const Catalog catalog = Catalog::load(catalogs);
      const bool builtin = args.scenarios.empty();
      const nlohmann::json base = builtin ? parse_json_text(default_scenario_json(), "builtin:scenarios/default.json")
                                          : read_json_file(args.scenarios.front());
      const std::filesystem::path base_dir =
          builtin ? std::filesystem::path() : std::filesystem::path(args.scenarios.front()).parent_path();
      for (std::size_t i = 0; i < plans.size(); ++i) {
        const Plan& plan = plans[i];
        rows.push_back(
            simulate_one(plan.label, [&] { return parse_scenario(apply_plan(base, plan), catalog, base_dir); }));
        if (!rows.back().valid)
          std::fprintf(stderr, "orrery: plan %zu (%s): %s\n", i + 1, plan.label.c_str(), rows.back().error.c_str());
      }
    } else {
      if (args.scenarios.size() < 2)
        throw InputError("compare", args.scenarios.empty() ? "nothing to compare" : "one scenario file",
                         "two or more --plan options, or two or more scenario files",
                         "orrery compare SCENARIO --plan \"tp=8,pp=4\" --plan \"tp=4,pp=8\", or orrery compare A.json "
                         "B.json");
      const Catalog catalog = Catalog::load(catalogs);
      for (const auto& file : args.scenarios) {
        rows.push_back(simulate_one(file, [&] { return load_scenario_file(file, catalog); }));
        if (!rows.back().valid)
          std::fprintf(stderr, "orrery: scenario %s: %s\n", file.c_str(), rows.back().error.c_str());
      }
    }

    const Comparison c = compare_plans(std::move(rows));
    const bool to_stdout = args.json_out == "-" || args.csv_out == "-";
    if (!to_stdout || c.best_by.empty()) std::fputs(render_compare_table(c).c_str(), to_stdout ? stderr : stdout);
    if (c.best_by.empty()) return input_error("no plan ran (each is invalid or does not fit; reasons above)");
    if (!args.json_out.empty()) write_output(args.json_out, compare_json(c).dump(2) + "\n");
    if (!args.csv_out.empty()) write_output(args.csv_out, render_compare_csv(c));
    return 0;
  } catch (const std::runtime_error& e) {
    // Bad input (InputError is a runtime_error) and output files that cannot
    // be written are the user's to fix.
    return input_error(e.what());
  }
}

}  // namespace orrery::cli
