// BigScience's shape search for BLOOM on Jean Zay (bloom-jz-topology-sweep.json):
// 31 measured iterations of one 176-181B model on the same 48 nodes in
// different (tp, pp, dp, micro batch, heads, batch) shapes, plus the first,
// abandoned ramp's step at batch 16. Each row is simulated from
// scenarios/validation/bloom-176b.json with the row's shape; rows before
// 02-28 ran fp16 with DeepSpeed's ZeRO-1 (fp16 gradients, added per
// microbatch by autograd, reduce-scattered) instead of the BF16_Optimizer.
//
// The Omni-Path ports run at NCCL's bus bandwidth measured on these nodes
// (jean_zay_network_test.cpp; at their line rate every row was predicted
// fast, MAPE 14.8%). What is left: MAPE 10.9%; the 17 rows at tp 4 and below
// within 7.5% on average (the final software's tp 4 rows 2-4% fast, the
// batch-16 step +1.3%), the 15 rows at tp 8 all fast (8-28%). A
// least-squares split of the measured times into a x (compute + bubble) +
// b x (exposed communication), both as simulated, gives a = 1.00 and
// b = 2.0: the kernels and the pipeline schedule carry their measured
// weight; what is missing is communication, most of it at tp 8
// (docs/run-model.md). The target (every row within 10%) is not met; the
// checks hold the split and guard today's error so that it cannot silently
// get worse. The shapes that ran out of memory are checked against the
// memory estimate, which refuses one of four, and the memory use the
// prequel recorded against its peak, which is lower on every row.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sim/scenario/scenario_loader.hpp"
#include "sim/step/memory_estimate.hpp"
#include "sim/step/rank_layout.hpp"
#include "sim/step/simulate_step.hpp"
#include "validation_data.hpp"

using namespace orrery;

namespace {

// The BLOOM scenario reshaped as one row of the sweep.
nlohmann::json row_scenario(nlohmann::json s, const nlohmann::json& row) {
  const int heads = row.at("heads").get<int>();
  s["model"] = {{"base", "bloom-176b"}, {"layers", row.at("layers")}, {"heads", heads}, {"kv_heads", heads}};
  auto& t = s["training"];
  for (const char* key : {"batch_ramp_start", "batch_ramp_increment", "batch_ramp_samples"}) t.erase(key);
  t["global_batch"] = row.at("global_batch");
  t["precision"] = row.at("precision");
  auto& p = s["parallelism"];
  for (const char* key : {"tp", "pp", "dp", "micro_batch"}) p[key] = row.at(key);
  if (row.at("precision") == "fp16") {   // DeepSpeed ZeRO-1 in fp16
    p["grad_accumulation"] = "add";
    p["main_grad"] = "param";
    p.erase("grad_reduce");
  }
  return s;
}

// The largest peak over the stages, and whether every stage fits.
std::pair<double, bool> peak_gib(const std::vector<StageMemory>& stages) {
  double peak = 0;
  bool fits = true;
  for (const StageMemory& m : stages) {
    peak = std::max(peak, m.peak_gib);
    fits = fits && m.fits();
  }
  return {peak, fits};
}

// Least squares y = a x1 + b x2 (no intercept).
std::pair<double, double> fit_two(const std::vector<double>& x1, const std::vector<double>& x2,
                                  const std::vector<double>& y) {
  double s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    s11 += x1[i] * x1[i];
    s12 += x1[i] * x2[i];
    s22 += x2[i] * x2[i];
    s1y += x1[i] * y[i];
    s2y += x2[i] * y[i];
  }
  const double det = s11 * s22 - s12 * s12;
  return {(s1y * s22 - s2y * s12) / det, (s2y * s11 - s1y * s12) / det};
}

}  // namespace

TEST_CASE("Known gap (target 10% not met): BLOOM's shape search on Jean Zay, tp 8 rows fast") {
  const auto sweep = test::source_json("tests/validation/data/bloom-jz-topology-sweep.json");
  const auto base = test::source_json("scenarios/validation/bloom-176b.json");
  const Catalog catalog = Catalog::builtin();

  std::vector<double> measured, compute, comm;
  double sum_abs = 0, worst = 0, production_error = 0;
  double tp8_abs = 0, rest_abs = 0;   // absolute errors at tp 8 and below
  std::size_t tp8_rows = 0, tp8_fast = 0;
  std::vector<double> memory_errors;   // the model's peak per GPU against the measured memory use
  std::printf("\n%-10s %3s %3s %3s %3s %5s %5s %4s %9s %9s %7s %7s\n", "date", "tp", "pp", "dp", "mb", "batch",
              "heads", "prec", "measured", "predicted", "error", "comm");
  for (const auto& row : sweep.at("rows")) {
    const Scenario s = parse_scenario(row_scenario(base, row), catalog);
    const StepResult r = simulate_step(s);
    REQUIRE(r.fits);
    const StepBreakdown& b = r.breakdown;
    const double seconds = row.at("seconds_per_iteration").get<double>();
    const double err = r.time_s / seconds - 1;
    const double exposed = b.exposed_tp_comm_s + b.exposed_pp_comm_s + b.exposed_dp_comm_s;
    std::printf("%-10s %3d %3d %3d %3d %5d %5d %4s %9.2f %9.2f %+6.1f%% %6.1fs\n",
                row.at("date").get<std::string>().c_str(), s.parallelism.tp, s.parallelism.pp, s.parallelism.dp,
                r.micro_batch, s.training.global_batch, s.model.heads, row.at("precision").get<std::string>().c_str(),
                seconds, r.time_s, 100 * err, exposed);
    measured.push_back(seconds);
    compute.push_back(b.compute_s + b.bubble_s + b.idle_s);   // idle: zero in every row
    comm.push_back(exposed);
    sum_abs += std::abs(err);
    worst = std::max(worst, std::abs(err));
    if (row.at("date") == "02-28" && s.model.heads == 112) production_error = err;
    if (s.parallelism.tp == 8) {
      tp8_abs += std::abs(err);
      ++tp8_rows;
      if (err < 0) ++tp8_fast;
    } else {
      rest_abs += std::abs(err);
    }
    if (row.contains("memory_gib")) {   // nvidia-smi on the first stage's node
      memory_errors.push_back(peak_gib(r.memory).first / row.at("memory_gib").get<double>() - 1);
    }
  }
  const auto [a, c] = fit_two(compute, comm, measured);
  double fit_abs = 0;
  for (std::size_t i = 0; i < measured.size(); ++i) fit_abs += std::abs((a * compute[i] + c * comm[i]) / measured[i] - 1);
  const double n = static_cast<double>(measured.size());
  const double rest_rows = n - static_cast<double>(tp8_rows);
  std::printf("MAPE %.1f%%, worst row %.1f%% over %zu rows; %.1f%% over the %zu rows at tp 8, %.1f%% over the "
              "other %.0f\n",
              100 * sum_abs / n, 100 * worst, measured.size(), 100 * tp8_abs / static_cast<double>(tp8_rows), tp8_rows,
              100 * rest_abs / rest_rows, rest_rows);
  std::printf("measured = %.3f x (compute + bubble) + %.2f x (exposed communication): MAPE %.1f%%\n", a, c,
              100 * fit_abs / n);

  CHECK(measured.size() == 32);
  // The shape BLOOM trained with (also whole_run_test.cpp's step check).
  CHECK(std::abs(production_error) <= 0.10);
  // The split: the kernels and the schedule carry their measured weight,
  // and what is missing is communication (README, docs/run-model.md).
  CHECK(a == Approx(1.0).margin(0.05));
  CHECK(c > 1.5);
  CHECK(fit_abs / n <= 0.07);
  // Where it is missing: every tp 8 row is predicted fast.
  CHECK(tp8_rows == 15);
  CHECK(tp8_fast == tp8_rows);
  // Today's error, guarded: the target is 10% on every row.
  CHECK(sum_abs / n <= 0.11);
  CHECK(rest_abs / rest_rows <= 0.08);
  CHECK(tp8_abs / static_cast<double>(tp8_rows) <= 0.15);
  CHECK(worst <= 0.28);

  // The shapes that ran out of memory: the model refuses tp 8 x pp 1 (every
  // layer's weights and gradients on one stage), but finds room for the
  // other three (printed: a known gap of the memory estimate).
  int refused = 0;
  std::printf("\nout of memory on Jean Zay: the model's peak per GPU\n");
  for (const auto& row : sweep.at("out_of_memory")) {
    const Scenario s = parse_scenario(row_scenario(base, row), catalog);
    const auto stages = estimate_memory(s, RankLayout(s.parallelism, s.model.layers));
    const auto [peak, fits] = peak_gib(stages);
    std::printf("%-10s tp %d pp %2d dp %2d mb %d %2d layers: %5.1f GiB of %.0f  %s\n",
                row.at("date").get<std::string>().c_str(), s.parallelism.tp, s.parallelism.pp, s.parallelism.dp,
                s.parallelism.micro_batch, s.model.layers, peak, stages.front().capacity_gib,
                fits ? "fits (measured: out of memory)" : "refused, as measured");
    if (!fits) ++refused;
  }
  CHECK(refused >= 1);

  // Memory use where the prequel gives it: the model's peak is below what
  // nvidia-smi showed on every row (the CUDA context alone was 1.5 GiB; NCCL's
  // buffers and the caching allocator's reserve come on top), by about a quarter.
  std::sort(memory_errors.begin(), memory_errors.end());
  const double median = memory_errors[memory_errors.size() / 2];
  std::printf("memory: the model's peak against nvidia-smi on %zu rows: median %+.1f%%, from %+.1f%% to %+.1f%%\n",
              memory_errors.size(), 100 * median, 100 * memory_errors.front(), 100 * memory_errors.back());
  CHECK(memory_errors.size() == 22);
  CHECK(memory_errors.back() < 0);
  CHECK(median > -0.30);
}
