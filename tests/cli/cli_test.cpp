// The orrery command, end to end: the real binary in a subprocess.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "run_orrery.hpp"

namespace fs = std::filesystem;

namespace {

using orrery::test::slurp;
using Result = orrery::test::CommandResult;

using orrery::test::run_orrery;
fs::path temp_dir(const std::string& name) { return orrery::test::fresh_temp_dir("cli-" + name); }

const std::string kScenarios = std::string(ORRERY_SOURCE_DIR) + "/scenarios";

}  // namespace

TEST_CASE("orrery run twice gives byte-identical JSON") {
  const fs::path d = temp_dir("determinism");
  const std::string file = kScenarios + "/examples/llama3-8b-64-h100.json";
  Result a = run_orrery("run " + file + " -q --json " + (d / "a.json").string());
  Result b = run_orrery("run " + file + " -q --json " + (d / "b.json").string());
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  const std::string ja = slurp(d / "a.json");
  CHECK(!ja.empty());
  CHECK(ja == slurp(d / "b.json"));
  CHECK(ja.find("\"mfu\"") != std::string::npos);
}

TEST_CASE("orrery run with micro_batch auto reports the micro batch it chose") {
  // Megatron's 39.1B row: 1536 sequences over dp 32 = 48 per replica; auto
  // tries 1, 2, 4, 8 and the JSON and the summary show the winner, never the
  // placeholder.
  const fs::path d = temp_dir("auto-mb");
  const std::string file = kScenarios + "/validation/megatron-sc21-gpt-39.1b.json";
  Result r = run_orrery("run " + file + " --json " + (d / "r.json").string());
  REQUIRE(r.code == 0);
  std::ifstream in(d / "r.json");
  const auto j = nlohmann::json::parse(in);
  const int chosen = j.at("plan").at("micro_batch").get<int>();
  CHECK(chosen > 1);
  CHECK(j.at("plan").at("microbatches").get<int>() == 1536 / 32 / chosen);
  CHECK(r.out.find("micro-batch " + std::to_string(chosen) + " x " + std::to_string(1536 / 32 / chosen) +
                   " microbatches") != std::string::npos);
}

TEST_CASE("orrery run with evaluation: forward-only batches every interval, reported by cause") {
  const fs::path d = temp_dir("eval");
  std::ifstream example(kScenarios + "/examples/llama3-8b-64-h100.json");
  auto doc = nlohmann::json::parse(example);
  doc["training"]["eval_interval_steps"] = 500;
  doc["training"]["eval_batches"] = 10;
  std::ofstream(d / "s.json") << doc.dump();
  Result r = run_orrery("run " + (d / "s.json").string() + " --json " + (d / "r.json").string());
  REQUIRE(r.code == 0);
  std::ifstream in(d / "r.json");
  const auto j = nlohmann::json::parse(in);
  const auto& run = j.at("run");
  const double evaluations = run.at("evaluations").get<double>(), eval_s = run.at("eval_s").get<double>();
  CHECK(evaluations == std::floor(run.at("steps").get<double>() / 500));
  CHECK(evaluations > 0);
  // A forward-only batch is about a third of a training step (no recompute here): 10 of them.
  const double step_s = run.at("step_time_s").get<double>();
  CHECK(eval_s > 10 * step_s / 4);
  CHECK(eval_s < 10 * step_s / 2);
  // Every trial ran each evaluation once in the work that counts.
  CHECK(run.at("time_by_cause").at("evaluation_s").get<double>() == Approx(evaluations * eval_s).epsilon(1e-9));
  CHECK(j.at("cost").at("by_cause").at("evaluation").get<double>() > 0);
  CHECK(r.out.find("evaluations of") != std::string::npos);
}

TEST_CASE("orrery run writes a Chrome trace with one track per rank and stream") {
  const fs::path d = temp_dir("trace");
  Result r = run_orrery("run " + kScenarios + "/examples/llama3-8b-64-h100.json -q --trace " + (d / "t.json").string() +
                    " --trace-ranks 0");
  REQUIRE(r.code == 0);
  const std::string t = slurp(d / "t.json");
  CHECK(t.find("\"traceEvents\"") != std::string::npos);
  CHECK(t.find("\"rank 0\"") != std::string::npos);
  CHECK(t.find("tp_all_reduce") != std::string::npos);
}

TEST_CASE("Bad input exits with code 2 and names the problem, no output file is written") {
  const fs::path d = temp_dir("bad");
  {
    std::ofstream(d / "bad.json") << R"({"name": "x", "model": "llama3-70b", "paralelism": {}})";
  }
  Result r = run_orrery("run " + (d / "bad.json").string() + " --json " + (d / "out.json").string());
  CHECK(r.code == 2);
  CHECK(r.out.find("paralelism") != std::string::npos);
  CHECK(r.out.find("parallelism") != std::string::npos);   // did you mean
  CHECK_FALSE(fs::exists(d / "out.json"));

  Result missing = run_orrery("run " + (d / "nope.json").string());
  CHECK(missing.code == 2);

  { std::ofstream(d / "broken.json") << "{\"name\": "; }
  Result broken = run_orrery("validate " + (d / "broken.json").string());
  CHECK(broken.code == 2);

  Result bad_flag = run_orrery("run --no-such-flag");
  CHECK(bad_flag.code == 2);
}

TEST_CASE("A plan that does not fit is refused with the numbers") {
  const fs::path d = temp_dir("nofit");
  {
    std::ofstream(d / "big.json") << R"({"name": "too-big", "model": "llama3-70b",
      "cluster": {"node": "dgx-h100", "nodes": 1},
      "training": {"seq_len": 4096, "global_batch": 8, "total_tokens": 1e9},
      "parallelism": {"tp": 8, "pp": 1, "micro_batch": 1}})";
  }
  Result r = run_orrery("run " + (d / "big.json").string());
  CHECK(r.code == 2);
  CHECK(r.out.find("does not fit") != std::string::npos);
  CHECK(r.out.find("GiB") != std::string::npos);
}

TEST_CASE("Every shipped scenario validates") {
  std::string files;
  for (const auto& e : fs::recursive_directory_iterator(kScenarios))
    if (e.path().extension() == ".json") {
      files += ' ';   // two appends: GCC 12 warns falsely (-Wrestrict) on " " + string
      files += e.path().string();
    }
  Result r = run_orrery("validate" + files);
  INFO(r.out);
  CHECK(r.code == 0);
}

TEST_CASE("list, show, version and help answer") {
  Result l = run_orrery("list models");
  CHECK(l.code == 0);
  CHECK(l.out.find("llama3-405b") != std::string::npos);
  Result s = run_orrery("show model llama3-70b");
  CHECK(s.code == 0);
  CHECK(s.out.find("80") != std::string::npos);
  Result unknown = run_orrery("show model llama3-7b");
  CHECK(unknown.code == 2);
  CHECK(unknown.out.find("llama3-8b") != std::string::npos);
  CHECK(run_orrery("--version").out.find("orrery 0.1.0") != std::string::npos);
  CHECK(run_orrery("help").code == 0);
}
