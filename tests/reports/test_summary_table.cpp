#include <catch2/catch.hpp>

#include <string>

#include "reports/summary_table.hpp"
#include "sample_run_report.hpp"

using namespace orrery;

namespace {

std::string sample_summary() {
  return render_summary(test::sample_scenario(), test::sample_step(), test::sample_run_simulation(),
                        test::sample_run_cost());
}

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// The line of text that contains needle (empty if none).
std::string line_with(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  if (at == std::string::npos) return {};
  const std::size_t begin = text.rfind('\n', at) + 1;  // npos + 1 == 0 on the first line
  const std::size_t end = text.find('\n', at);
  return text.substr(begin, end - begin);
}

}  // namespace

TEST_CASE("summary names the scenario, cluster, model and plan") {
  const std::string s = sample_summary();
  INFO(s);
  CHECK(contains(s, "Orrery 0.1.0: llama2-7b-128gpu"));
  CHECK(contains(s, "Llama-2-7B on 16 DGX H100 nodes"));
  CHECK(contains(s, "16 x dgx-h100 = 128 GPUs (h100-sxm)"));
  CHECK(contains(s, "llama2-7b: 6.74 B parameters, 32 layers, hidden 4096"));  // 6,738,415,616
  CHECK(contains(s, "tp 2 x pp 2 x dp 32, schedule 1f1b, recompute none"));
  CHECK(contains(s, "micro-batch 1 x 32 microbatches x dp 32 = 1024 sequences of 4096"));
  CHECK(contains(s, "bf16, adam optimizer, 1.00 T tokens"));
}

TEST_CASE("summary shows the step figures with three significant digits") {
  const std::string s = sample_summary();
  INFO(s);
  CHECK(line_with(s, "tokens/s").ends_with("1.23 M"));       // 4,194,304 / 3.4 = 1,233,619
  CHECK(line_with(s, "TFLOP/s per GPU").ends_with(" 408"));  // 0.413 x 989 = 408.457
  CHECK(line_with(s, "MFU").ends_with("41.3%"));
  CHECK(line_with(s, "HFU").ends_with("55.0%"));
  CHECK(contains(s, "time             3.40 s"));
}

TEST_CASE("summary breakdown: seconds, share of the step and a bar") {
  const std::string s = sample_summary();
  INFO(s);
  // compute 2.6554 s of 3.4 s = 78.1% -> 15 full cells + 5/8 (see text_bar).
  std::string bar;
  for (int i = 0; i < 15; ++i) bar += "\u2588";
  bar += "\u258B";
  CHECK(line_with(s, "  compute  ") == "  compute               2.66 s   78.1%  " + bar);
  // 0.2 / 3.4 = 5.88% -> 1.18 cells = 9.41 eighths -> 9 = 1 full + 1/8.
  CHECK(line_with(s, "exposed TP comm") == "  exposed TP comm       0.20 s    5.9%  \u2588\u258F");
  CHECK(line_with(s, "exposed PP comm").starts_with("  exposed PP comm       0.10 s    2.9%"));
  CHECK(line_with(s, "exposed DP comm").starts_with("  exposed DP comm       0.15 s    4.4%"));
  CHECK(line_with(s, "pipeline bubble").starts_with("  pipeline bubble       0.25 s    7.4%"));
  // 0.0446 / 3.4 = 1.3% -> 0.26 cells = 2.1 eighths -> 2/8.
  CHECK(line_with(s, "idle") == "  idle                  0.04 s    1.3%  \u258E");
}

TEST_CASE("summary breakdown: expert and context rows only where the plan has them") {
  const std::string dense = sample_summary();
  CHECK_FALSE(contains(dense, "exposed EP comm"));
  CHECK_FALSE(contains(dense, "exposed CP comm"));
  Scenario scenario = test::sample_scenario();
  scenario.parallelism.ep = 4;
  StepResult step = test::sample_step();
  step.breakdown.exposed_ep_comm_s = 0.34;   // 10% of 3.4 s
  const std::string moe = render_summary(scenario, step, test::sample_run_simulation(), test::sample_run_cost());
  INFO(moe);
  CHECK(line_with(moe, "exposed EP comm").starts_with("  exposed EP comm       0.34 s   10.0%"));
  CHECK_FALSE(contains(moe, "exposed CP comm"));
  CHECK(contains(moe, "(ep 4 inside dp)"));
}

TEST_CASE("summary memory: per-stage peak against capacity, and the verdict") {
  const std::string s = sample_summary();
  INFO(s);
  CHECK(contains(s, "71.3 / 80.0    fits"));
  CHECK(contains(s, "82.5 / 80.0    DOES NOT FIT by 2.5 GiB"));
  CHECK(contains(s, "WARNING: the plan DOES NOT FIT in memory (stage 1 is over by 2.5 GiB)"));

  StepResult fitting = test::sample_step();
  fitting.memory[1].peak_gib = 79.5;
  fitting.fits = true;
  const std::string f =
      render_summary(test::sample_scenario(), fitting, test::sample_run_simulation(), test::sample_run_cost());
  CHECK_FALSE(contains(f, "DOES NOT FIT"));
  CHECK_FALSE(contains(f, "WARNING"));
}

TEST_CASE("summary run: days by percentile, ETTR, interruptions, checkpoints, time lost") {
  const std::string s = sample_summary();
  INFO(s);
  CHECK(contains(s, "Run (5 trials, failure preset default)"));
  CHECK(line_with(s, "steps").ends_with("238 k of 3.40 s"));             // 1e12 / 4,194,304 = 238,419
  CHECK(line_with(s, "no failures").ends_with("9.38 days"));              // 810,623 s / 86,400
  CHECK(contains(s, "10.1 days median, p10 9.88, p90 10.7 (mean 10.2)"));
  CHECK(line_with(s, "ETTR").ends_with("91.8% (productive / wall-clock time), p10 90.5%, p90 93.0%"));   // 810,623 / 883,008
  // Most frequent cause first.
  CHECK(line_with(s, "interruptions").ends_with("10.0 per run (p10 7.40, p90 12.6): gpu 6.00, host 2.40, software 1.60"));
  // 3600 s = 1.00 h; 0.943 s stall; 94.3 GB (6,738,415,616 x 14 bytes).
  CHECK(line_with(s, "checkpoints").ends_with("every 1.00 h (fixed), 0.943 s stall, 94.3 GB"));
  // rework 883,008 - 810,623 - 212 - 9,000 - 20,000 = 43,173 s = 12.0 h.
  CHECK(line_with(s, "time lost")
            .ends_with("rework 12.0 h, restarts 2.50 h, checkpoints 3.54 min, repair waits 5.56 h, planned stops 0 s"));
}

TEST_CASE("summary cost: total, by cause, per token, energy and carbon") {
  const std::string s = sample_summary();
  INFO(s);
  CHECK(line_with(s, "GPU-hours").ends_with("31.4 k (128 GPUs allocated)"));   // 128 x 883,008 s / 3600
  CHECK(contains(s, "$78.5 k on_demand at $2.50 per GPU-hour"));
  CHECK(line_with(s, "by cause")
            .ends_with("productive $72.1 k, rework $3.84 k, restarts $800, checkpoints $18.9, idle $1.78 k"));
  CHECK(line_with(s, "per M tokens").ends_with("$0.0785"));   // $78,492 / 1e6 M tokens
  CHECK(contains(s, "32.0 MWh at PUE 1.20 (600 W per GPU while stepping)"));
  CHECK(contains(s, "12.8 tCO2e at 400 gCO2e/kWh, plus 0.500 t embodied"));
}

TEST_CASE("summary without training tokens says the run was not simulated") {
  const std::string s =
      render_summary(test::sample_scenario(), test::sample_step(), RunSimulation{}, RunCost{});
  INFO(s);
  CHECK(line_with(s, "not simulated").ends_with("training.total_tokens is 0"));
  CHECK_FALSE(contains(s, "ETTR"));
}

TEST_CASE("summary is plain deterministic text") {
  const std::string a = sample_summary();
  CHECK(a == sample_summary());
  CHECK_FALSE(contains(a, "\x1b["));  // no ANSI colour codes
  CHECK(a.back() == '\n');
}

TEST_CASE("summary of an empty step does not divide by zero") {
  // A zero step time (e.g. a plan that was never simulated) gives 0.0% shares
  // and empty bars rather than nan or inf.
  const std::string s = render_summary(test::sample_scenario(), StepResult{}, RunSimulation{}, RunCost{});
  INFO(s);
  CHECK_FALSE(contains(s, "nan"));
  CHECK_FALSE(contains(s, "inf"));
  CHECK(line_with(s, "  compute  ") == "  compute               0.00 s    0.0%");
}
