// `orrery report`, end to end: the real binary in a subprocess. The default
// scenario's report is checked for structure (every section present) and its
// figures against `orrery run --json` (issue 5).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../reports/json_lookup.hpp"
#include "run_orrery.hpp"

namespace fs = std::filesystem;

namespace {

using orrery::test::contains;
using orrery::test::run_orrery;
using orrery::test::slurp;
using Result = orrery::test::CommandResult;

fs::path temp_dir(const std::string& name) { return orrery::test::fresh_temp_dir("report-" + name); }

const std::string kExample = std::string(ORRERY_SOURCE_DIR) + "/scenarios/examples/llama3-8b-64-h100.json";

}  // namespace

TEST_CASE("orrery report on the default scenario has every section and the figures of orrery run --json") {
  const fs::path d = temp_dir("default");
  const Result report = run_orrery("report -o " + (d / "report.html").string());
  INFO(report.out);
  REQUIRE(report.code == 0);
  REQUIRE(run_orrery("run -q --json " + (d / "run.json").string()).code == 0);
  const std::string html = slurp(d / "report.html");
  const nlohmann::json j = nlohmann::json::parse(slurp(d / "run.json"));

  for (const char* id : {"summary", "scenario", "step-breakdown", "memory", "run-timeline", "days-distribution",
                         "cost-breakdown", "energy-carbon", "assumptions"}) {
    INFO(id);
    CHECK(contains(html, std::string("<section id=\"") + id + "\">"));
  }
  CHECK(contains(html, "<h1 data-key=\"scenario.name\">llama3-70b-on-256-h100</h1>"));

  // Every figure marked with its JSON key shows that key's value.
  const std::regex re("data-key=\"([^\"]+)\">([^<]*)<");
  std::set<std::string> keys;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it) {
    const std::string key = (*it)[1].str(), shown = orrery::test::unescape_html((*it)[2].str());
    const nlohmann::json v = orrery::test::json_at(j, key);
    INFO(key << " shows \"" << shown << "\"; orrery run --json has " << v.dump());
    CHECK(orrery::test::shown_forms(v).count(shown) == 1);
    keys.insert(key);
  }
  for (const char* k : {"run.days_p50", "run.days_p90", "cost.usd", "cost.usd_per_million_tokens", "cost.energy_mwh",
                        "cost.tco2e", "step.mfu"})
    CHECK(keys.count(k) == 1);
  CHECK(keys.size() >= 70);
}

TEST_CASE("orrery report picks the format from the extension or --format and writes - to stdout") {
  const fs::path d = temp_dir("formats");
  REQUIRE(run_orrery("report " + kExample + " -o " + (d / "r.json").string()).code == 0);
  REQUIRE(run_orrery("run " + kExample + " -q --json " + (d / "run.json").string()).code == 0);
  CHECK(slurp(d / "r.json") == slurp(d / "run.json"));   // the results JSON, byte for byte

  REQUIRE(run_orrery("report " + kExample + " -o " + (d / "r.md").string()).code == 0);
  CHECK(slurp(d / "r.md").starts_with("# llama3-8b-64-h100\n"));

  REQUIRE(run_orrery("report " + kExample + " -o " + (d / "r.csv").string()).code == 0);
  const std::string csv = slurp(d / "r.csv");
  CHECK(csv.starts_with("key,value,unit\r\n"));
  CHECK(contains(csv, "\r\nrun.days_p50,"));
  CHECK(contains(csv, "\r\ncost.usd,"));

  REQUIRE(run_orrery("report " + kExample + " -o " + (d / "r.html").string() + " --format csv").code == 0);
  CHECK(slurp(d / "r.html") == csv);

  const Result out = run_orrery("report " + kExample + " -o - --format md", false);
  CHECK(out.code == 0);
  CHECK(out.out == slurp(d / "r.md"));
  const Result html = run_orrery("report " + kExample + " -o -", false);
  CHECK(html.out.starts_with("<!DOCTYPE html>"));
}

TEST_CASE("orrery report writes the same bytes twice") {
  const fs::path d = temp_dir("determinism");
  REQUIRE(run_orrery("report " + kExample + " -o " + (d / "a.html").string()).code == 0);
  REQUIRE(run_orrery("report " + kExample + " -o " + (d / "b.html").string()).code == 0);
  CHECK(slurp(d / "a.html") == slurp(d / "b.html"));
}

TEST_CASE("orrery report refuses bad input with exit code 2 and writes nothing") {
  const fs::path d = temp_dir("bad");
  const Result ext = run_orrery("report " + kExample + " -o " + (d / "r.txt").string());
  CHECK(ext.code == 2);
  CHECK(contains(ext.out, ".html"));
  CHECK_FALSE(fs::exists(d / "r.txt"));

  CHECK(run_orrery("report " + kExample + " -o " + (d / "r.html").string() + " --format pdf").code == 2);
  CHECK(run_orrery("report " + kExample).code == 2);   // -o is required

  { std::ofstream(d / "bad.json") << R"({"name": "x", "model": "llama3-70b", "trainig": {}})"; }
  const Result bad = run_orrery("report " + (d / "bad.json").string() + " -o " + (d / "bad.html").string());
  CHECK(bad.code == 2);
  CHECK(contains(bad.out, "training"));   // did you mean
  CHECK_FALSE(fs::exists(d / "bad.html"));

  { std::ofstream(d / "big.json") << R"({"name": "too-big", "model": "llama3-70b",
      "cluster": {"node": "dgx-h100", "nodes": 1},
      "training": {"seq_len": 4096, "global_batch": 8, "total_tokens": 1e9},
      "parallelism": {"tp": 8, "pp": 1, "micro_batch": 1}})"; }
  const Result big = run_orrery("report " + (d / "big.json").string() + " -o " + (d / "big.html").string());
  CHECK(big.code == 2);
  CHECK(contains(big.out, "does not fit"));
  CHECK_FALSE(fs::exists(d / "big.html"));

  const Result dir = run_orrery("report " + kExample + " -o " + (d / "no-such-dir" / "r.html").string());
  CHECK(dir.code == 2);
  CHECK(contains(dir.out, "cannot write"));
}
