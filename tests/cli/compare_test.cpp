// `orrery compare`, end to end: the real binary in a subprocess, on the small
// Llama 3 8B example (64 H100s; 32 heads, 8 KV heads, 32 layers). Its figures
// are checked against `orrery run --json` of the same scenario edited to the
// same plan, so compare is shown to simulate exactly what run does.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "run_orrery.hpp"

namespace fs = std::filesystem;

namespace {

using orrery::test::contains;
using orrery::test::run_orrery;
using orrery::test::slurp;
using Result = orrery::test::CommandResult;

const std::string kExample = std::string(ORRERY_SOURCE_DIR) + "/scenarios/examples/llama3-8b-64-h100.json";

fs::path temp_dir(const std::string& name) { return orrery::test::fresh_temp_dir("compare-" + name); }

// The lines of the table that start with a plan's label (after the mark).
int rows_starting(const std::string& table, const std::string& label) {
  std::istringstream in(table);
  std::string line;
  int n = 0;
  while (std::getline(in, line))
    if (line.size() > 2 && (line[0] == ' ' || line[0] == '*') && line.compare(2, label.size(), label) == 0) ++n;
  return n;
}

}  // namespace

TEST_CASE("orrery compare runs two plans and its JSON equals orrery run of the edited scenario") {
  const fs::path d = temp_dir("two-plans");
  const std::string json_path = (d / "compare.json").string();
  const Result r =
      run_orrery("compare " + kExample + " --plan tp=4 --plan \"tp=8, micro_batch=2\" --json " + json_path);
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(rows_starting(r.out, "tp=4 ") == 1);
  CHECK(rows_starting(r.out, "tp=8,micro_batch=2 ") == 1);
  CHECK(contains(r.out, "comparing 2 plans of llama3-8b-64-h100"));
  CHECK(contains(r.out, "* best: lowest cost per million tokens."));

  const nlohmann::json j = nlohmann::json::parse(slurp(json_path));
  REQUIRE(j.at("plans").size() == 2);
  CHECK(j["best_by"] == "usd_per_million_tokens");
  int best = 0;
  for (const auto& p : j["plans"]) {
    for (const char* key : {"label", "fits", "error", "step_time_s", "mfu", "peak_memory_gib", "headroom_gib",
                            "exposed_comm_s", "bubble_s", "usd_per_million_tokens", "days_p50", "best"})
      CHECK(p.contains(key));
    CHECK(p["fits"] == true);
    best += p["best"].get<bool>() ? 1 : 0;
  }
  CHECK(best == 1);
  // dp is derived when a plan leaves it out: 64 GPUs / (tp 8 x pp 1) = 8.
  CHECK(j["plans"][1]["plan"] == nlohmann::json{{"tp", 8}, {"pp", 1}, {"dp", 8}});

  // The same plan through orrery run: the example with tp 8, micro_batch 2
  // and dp dropped (the loader derives 8).
  nlohmann::json scenario = nlohmann::json::parse(slurp(kExample));
  scenario["parallelism"]["tp"] = 8;
  scenario["parallelism"]["micro_batch"] = 2;
  scenario["parallelism"].erase("dp");
  std::ofstream(d / "tp8.json") << scenario.dump(2);
  REQUIRE(run_orrery("run -q " + (d / "tp8.json").string() + " --json " + (d / "run.json").string()).code == 0);
  const nlohmann::json run = nlohmann::json::parse(slurp(d / "run.json"));
  const nlohmann::json& p = j["plans"][1];
  CHECK(p["step_time_s"] == run["step"]["time_s"]);
  CHECK(p["mfu"] == run["step"]["mfu"]);
  CHECK(p["tokens_per_s"] == run["step"]["tokens_per_s"]);
  CHECK(p["peak_memory_gib"] == run["memory"]["peak_gib"]);
  CHECK(p["bubble_s"] == run["step"]["breakdown"]["bubble_s"]);
  CHECK(p["days_p50"] == run["run"]["days_p50"]);
  CHECK(p["usd_per_million_tokens"] == run["cost"]["usd_per_million_tokens"]);
  const auto& b = run["step"]["breakdown"];
  CHECK(p["exposed_comm_s"].get<double>() ==
        b["exposed_tp_comm_s"].get<double>() + b["exposed_pp_comm_s"].get<double>() +
            b["exposed_dp_comm_s"].get<double>());
}

TEST_CASE("orrery compare lists an invalid plan with the loader's error and a plan that does not fit") {
  const fs::path d = temp_dir("invalid");
  // tp 6 does not divide the 32 heads: the loader's own message. tp 1 puts all
  // 8B parameters with their gradients and Adam states (16 bytes each, 128 GB)
  // on one 80 GB GPU: does not fit.
  const Result r = run_orrery("compare " + kExample + " --plan tp=6 --plan tp=1 --plan tp=4 --csv " +
                              (d / "c.csv").string());
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "orrery: plan 1 (tp=6): parallelism.tp: 6"));
  CHECK(contains(r.out, "  tp=6  invalid: parallelism.tp: 6"));
  CHECK(contains(r.out, "  tp=1  does not fit: the plan does not fit in memory"));
  CHECK(rows_starting(r.out, "tp=4 ") == 1);
  CHECK(contains(r.out, "* tp=4 "));
  const std::string csv = slurp(d / "c.csv");
  CHECK(csv.starts_with("label,scenario,tp,pp,dp,fits,error,"));
  CHECK(contains(csv, "\r\ntp=6,,,,,false,\"parallelism.tp: 6"));
  CHECK(contains(csv, "\r\ntp=4,llama3-8b-64-h100,4,1,16,true,,"));
}

TEST_CASE("orrery compare exits 2 when no plan runs") {
  const Result r = run_orrery("compare " + kExample + " --plan tp=6 --plan tp=1");
  INFO(r.out);
  CHECK(r.code == 2);
  CHECK(contains(r.out, "no plan ran"));
}

TEST_CASE("orrery compare rejects malformed plans with exit 2 before simulating") {
  struct Case {
    const char* plan;
    const char* says;
  };
  for (const Case c : {Case{"tp=", "tp has no value"}, Case{"tp8", "\"tp8\" has no '='"},
                       Case{"tp=8,tp=4", "tp is given twice"}, Case{"tp=8,,pp=2", "an empty pair"},
                       Case{"training.seq_len=4", "only parallelism keys"}, Case{"", "empty"}}) {
    const Result r = run_orrery("compare " + kExample + " --plan \"" + c.plan + "\" --plan tp=4");
    INFO(c.plan << ": " << r.out);
    CHECK(r.code == 2);
    CHECK(contains(r.out, "orrery: error: --plan: \"" + std::string(c.plan) + "\""));
    CHECK(contains(r.out, c.says));
    CHECK(contains(r.out, "KEY=VALUE pairs separated by commas"));
    CHECK(contains(r.out, "(hint: e.g. --plan"));
  }
}

TEST_CASE("orrery compare needs two things to compare") {
  const Result one = run_orrery("compare " + kExample + " --plan tp=4");
  CHECK(one.code == 2);
  CHECK(contains(one.out, "two or more plans"));
  const Result file = run_orrery("compare " + kExample);
  CHECK(file.code == 2);
  CHECK(contains(file.out, "two or more --plan options, or two or more scenario files"));
  const Result both = run_orrery("compare " + kExample + " " + kExample + " --plan tp=4 --plan tp=8");
  CHECK(both.code == 2);
  CHECK(contains(both.out, "--plan compares plans of one scenario"));
}

TEST_CASE("orrery compare compares scenario files and writes the same JSON to stdout twice") {
  const fs::path d = temp_dir("files");
  nlohmann::json scenario = nlohmann::json::parse(slurp(kExample));
  scenario["name"] = "llama3-8b-tp8";
  scenario["parallelism"]["tp"] = 8;
  scenario["parallelism"]["dp"] = 8;
  std::ofstream(d / "tp8.json") << scenario.dump(2);
  const Result r = run_orrery("compare " + kExample + " " + (d / "tp8.json").string() + " --json -", false);
  INFO(r.out);
  REQUIRE(r.code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);   // stdout holds the JSON alone
  REQUIRE(j["plans"].size() == 2);
  CHECK(j["plans"][0]["label"] == kExample);
  CHECK(j["plans"][0]["scenario"] == "llama3-8b-64-h100");
  CHECK(j["plans"][1]["scenario"] == "llama3-8b-tp8");
  CHECK(j["plans"][1]["plan"]["tp"] == 8);
  // Deterministic: a second run writes the same bytes.
  CHECK(run_orrery("compare " + kExample + " " + (d / "tp8.json").string() + " --json -", false).out == r.out);
}

TEST_CASE("orrery compare without a scenario file compares plans of the built-in default") {
  // The default scenario's own plan (tp 8, pp 4; dp derived: 256 / 32 = 8)
  // gives the figures of orrery run on the default.
  const Result r = run_orrery("compare --plan tp=8,pp=4 --plan tp=4,pp=8 --json -", false);
  INFO(r.out);
  REQUIRE(r.code == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  REQUIRE(j["plans"].size() == 2);
  CHECK(j["plans"][0]["scenario"] == "llama3-70b-on-256-h100");
  CHECK(j["plans"][0]["plan"] == nlohmann::json{{"tp", 8}, {"pp", 4}, {"dp", 8}});
  const nlohmann::json run = nlohmann::json::parse(run_orrery("run --json -", false).out);
  CHECK(j["plans"][0]["step_time_s"] == run["step"]["time_s"]);
  CHECK(j["plans"][0]["usd_per_million_tokens"] == run["cost"]["usd_per_million_tokens"]);
}
