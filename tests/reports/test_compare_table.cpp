// reports/compare_table: the figures `orrery compare` takes from each plan,
// the choice of the best plan, and the table, JSON and CSV, from hand-made
// results (sample_run_report.hpp: Llama-2-7B on 128 H100s, 3.4 s steps).
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "reports/compare_table.hpp"
#include "sample_run_report.hpp"

using namespace orrery;
using nlohmann::json;

namespace {

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// The table's line that starts with `mark` and a space, then `label`.
std::string line_of(const std::string& table, const std::string& label) {
  std::istringstream in(table);
  std::string line;
  while (std::getline(in, line))
    if (line.size() > 2 && line.compare(2, label.size() + 1, label + " ") == 0) return line;
  return {};
}

// The sample plan that runs, with its step time and cost per million tokens
// replaced (the other figures as the sample's).
ComparedPlan ran(const std::string& label, double step_s, double usd_per_m) {
  RunReport r = test::sample_run_report();
  r.step.time_s = step_s;
  r.step.tokens_per_s = 4194304 / step_s;   // 1024 sequences of 4096 tokens
  r.cost.usd_per_million_tokens = usd_per_m;
  return compared_plan(label, r, "");
}

const std::string kNoFit = "the plan does not fit in memory: stage 1 is short by 2.5 GiB";

ComparedPlan not_fitting(const std::string& label) {
  RunReport r = test::sample_run_report();
  r.step = test::sample_step();   // stage 1 needs 82.5 of 80 GiB
  return compared_plan(label, r, kNoFit);
}

}  // namespace

TEST_CASE("compare takes a plan's figures from its step run and cost") {
  const ComparedPlan p = compared_plan("tp=2,pp=2", test::sample_run_report(), "ignored when it fits");
  CHECK(p.valid);
  CHECK(p.fits);
  CHECK(p.error.empty());
  CHECK(p.scenario == "llama2-7b-128gpu");
  CHECK(p.tp == 2);
  CHECK(p.pp == 2);
  CHECK(p.dp == 32);
  CHECK(p.step_time_s == 3.4);
  CHECK(p.tokens_per_s == Approx(4194304 / 3.4));
  CHECK(p.tflops_per_gpu == Approx(408.457));
  CHECK(p.mfu == 0.413);
  // Both stages peak at 71.3 of 80 GiB (sample_run_report evens them out).
  CHECK(p.peak_memory_gib == Approx(71.3));
  CHECK(p.headroom_gib == Approx(8.7));
  // Exposed communication: tp 0.2 + pp 0.1 + dp 0.15 = 0.45 s.
  CHECK(p.exposed_comm_s == Approx(0.45));
  CHECK(p.bubble_s == 0.25);
  CHECK(p.has_run);
  CHECK(p.days_p50 == 10.1);
  // 128 GPUs x 883,008 s / 3600 x $2.50 / 1e6 million tokens = $0.0784896.
  CHECK(p.usd_per_million_tokens == Approx(0.0784896));
}

TEST_CASE("compare gives a plan that does not fit its reason and its memory only") {
  const ComparedPlan p = not_fitting("tp=1");
  CHECK(p.valid);
  CHECK_FALSE(p.fits);
  CHECK(p.error == kNoFit);
  // Stage 1 peaks at 82.5 GiB of 80: 2.5 GiB over.
  CHECK(p.peak_memory_gib == Approx(82.5));
  CHECK(p.headroom_gib == Approx(-2.5));
  CHECK(p.step_time_s == 0);
  CHECK_FALSE(p.has_run);

  const ComparedPlan bad = invalid_plan("tp=6", "parallelism.tp: 6 does not divide the 32 heads");
  CHECK_FALSE(bad.valid);
  CHECK_FALSE(bad.fits);
  CHECK(bad.error == "parallelism.tp: 6 does not divide the 32 heads");
}

TEST_CASE("compare marks the cheapest plan per token when every plan that ran has a run estimate") {
  // B has the longer step but the lower cost per token: cost decides.
  const Comparison c = compare_plans({ran("A", 3.0, 0.09), ran("B", 3.5, 0.07), not_fitting("C"),
                                      invalid_plan("D", "bad"), ran("E", 3.2, 0.08)});
  CHECK(c.best_by == "usd_per_million_tokens");
  std::vector<bool> best;
  for (const ComparedPlan& p : c.plans) best.push_back(p.best);
  CHECK(best == std::vector<bool>{false, true, false, false, false});
}

TEST_CASE("compare marks the shortest step when a plan that ran has no run estimate") {
  ComparedPlan no_run = ran("C", 2.9, 0);
  no_run.has_run = false;   // training.total_tokens 0
  const Comparison c = compare_plans({ran("A", 3.0, 0.05), ran("B", 3.5, 0.04), no_run});
  CHECK(c.best_by == "step_time_s");
  CHECK_FALSE(c.plans[0].best);
  CHECK_FALSE(c.plans[1].best);
  CHECK(c.plans[2].best);
}

TEST_CASE("compare gives a tie to the first plan and no best when none ran") {
  const Comparison tie = compare_plans({ran("A", 3.0, 0.05), ran("B", 3.0, 0.05)});
  CHECK(tie.plans[0].best);
  CHECK_FALSE(tie.plans[1].best);

  const Comparison none = compare_plans({not_fitting("A"), invalid_plan("B", "bad")});
  CHECK(none.best_by.empty());
  CHECK_FALSE(none.plans[0].best);
  CHECK_FALSE(none.plans[1].best);
}

TEST_CASE("compare table has every column the best marker on its row and the reasons for the others") {
  const Comparison c =
      compare_plans({ran("tp=2,pp=2", 3.4, 0.0785), ran("tp=4,pp=1", 3.6, 0.0712), not_fitting("tp=1,pp=1"),
                     invalid_plan("tp=6", "parallelism.tp: 6 does not divide the 32 heads")});
  const std::string t = render_compare_table(c);
  INFO(t);
  CHECK(contains(t, "comparing 4 plans of llama2-7b-128gpu\n"));
  for (const char* column : {"plan", "step s", "tokens/s", "TFLOP/s", "MFU", "peak GiB", "headroom", "exp comm",
                             "bubble", "days p50", "$/M tokens"})
    CHECK(contains(t, column));

  const std::string a = line_of(t, "tp=2,pp=2"), b = line_of(t, "tp=4,pp=1");
  CHECK(a.starts_with("  tp=2,pp=2"));
  CHECK(b.starts_with("* tp=4,pp=1"));
  // The figures of B, with three significant digits as the summary writes
  // them: 3.60 s, 4,194,304 / 3.6 = 1.17 M tokens/s, 408 TFLOP/s, 41.3%,
  // 71.3 GiB peak and 8.7 left, 0.450 s exposed, 0.250 s bubble, 10.1 days,
  // $0.0712.
  for (const char* figure : {" 3.60 ", " 1.17 M ", " 408 ", " 41.3% ", " 71.3 ", " 8.7 ", " 0.450 ", " 0.250 ",
                             " 10.1 ", " $0.0712"})
    CHECK(contains(b, figure));
  CHECK(line_of(t, "tp=1,pp=1") == "  tp=1,pp=1  does not fit: " + kNoFit);
  CHECK(line_of(t, "tp=6") == "  tp=6       invalid: parallelism.tp: 6 does not divide the 32 heads");
  CHECK(contains(t, "* best: lowest cost per million tokens."));
}

TEST_CASE("compare table says when the best is by step time and shows no run figures without a run") {
  ComparedPlan no_run = ran("B", 3.5, 0);
  no_run.has_run = false;
  const std::string t = render_compare_table(compare_plans({ran("A", 3.0, 0.05), no_run}));
  INFO(t);
  CHECK(contains(t, "* best: shortest step time."));
  CHECK(line_of(t, "A").starts_with("* A"));
  CHECK(line_of(t, "B").ends_with("  -           -"));
}

TEST_CASE("compare JSON has the documented keys with nulls where a plan has no figure") {
  const Comparison c = compare_plans({ran("A", 3.0, 0.09), ran("B", 3.5, 0.07), not_fitting("C"),
                                      invalid_plan("D", "parallelism.tp: bad")});
  const json j = compare_json(c);
  CHECK(j.at("best_by") == "usd_per_million_tokens");
  CHECK(j.at("orrery").contains("version"));
  REQUIRE(j.at("plans").size() == 4);
  const json& a = j["plans"][0];
  for (const char* key : {"label", "scenario", "plan", "fits", "error", "step_time_s", "tokens_per_s",
                          "tflops_per_gpu", "mfu", "peak_memory_gib", "headroom_gib", "exposed_comm_s", "bubble_s",
                          "usd_per_million_tokens", "days_p50", "best"})
    CHECK(a.contains(key));
  CHECK(a.size() == 16);
  CHECK(a["label"] == "A");
  CHECK(a["fits"] == true);
  CHECK(a["error"].is_null());
  CHECK(a["step_time_s"] == 3.0);
  CHECK(a["usd_per_million_tokens"] == 0.09);
  CHECK(a["days_p50"] == 10.1);
  CHECK(a["plan"] == json{{"tp", 2}, {"pp", 2}, {"dp", 32}});
  CHECK(a["best"] == false);
  CHECK(j["plans"][1]["best"] == true);

  const json& no_fit = j["plans"][2];
  CHECK(no_fit["fits"] == false);
  CHECK(no_fit["error"] == kNoFit);
  CHECK(no_fit["step_time_s"].is_null());
  CHECK(no_fit["usd_per_million_tokens"].is_null());
  CHECK(no_fit["peak_memory_gib"].get<double>() == Approx(82.5));
  CHECK(no_fit["headroom_gib"].get<double>() == Approx(-2.5));

  const json& invalid = j["plans"][3];
  CHECK(invalid["fits"] == false);
  CHECK(invalid["error"] == "parallelism.tp: bad");
  CHECK(invalid["scenario"].is_null());
  CHECK(invalid["plan"].is_null());
  CHECK(invalid["peak_memory_gib"].is_null());
}

TEST_CASE("compare CSV has a header and one row per plan with the JSON's numbers") {
  const Comparison c = compare_plans({ran("tp=2,pp=2", 3.0, 0.09), invalid_plan("tp=6", "parallelism.tp: 6, bad")});
  const std::string csv = render_compare_csv(c);
  const std::string header =
      "label,scenario,tp,pp,dp,fits,error,step_time_s,tokens_per_s,tflops_per_gpu,mfu,peak_memory_gib,headroom_gib,"
      "exposed_comm_s,bubble_s,days_p50,usd_per_million_tokens,best\r\n";
  REQUIRE(csv.starts_with(header));
  const json p = compare_json(c)["plans"][0];
  // Numbers are written as the JSON writes them; labels with commas are quoted.
  const std::string row0 = "\"tp=2,pp=2\",llama2-7b-128gpu,2,2,32,true,,3.0," + p["tokens_per_s"].dump() + "," +
                           p["tflops_per_gpu"].dump() + ",0.413," + p["peak_memory_gib"].dump() + "," +
                           p["headroom_gib"].dump() + "," + p["exposed_comm_s"].dump() + ",0.25,10.1,0.09,true\r\n";
  const std::string row1 = "tp=6,,,,,false,\"parallelism.tp: 6, bad\",,,,,,,,,,,false\r\n";
  CHECK(csv == header + row0 + row1);
}
