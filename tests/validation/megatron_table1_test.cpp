// Megatron-LM SC'21 Table 1: predicted vs published TFLOP/s per GPU.
// Megatron's TFLOP/s are its formula's FLOPs over the measured iteration
// time, so the simulated step time is converted with the same formula:
//   F = 96 B s l h^2 (1 + s/(6h) + V/(16 l h))   (activation recompute included)
//
// Issue 3's target, checked: MAPE <= 5% and every row within 10%.
// "mb" is the micro batch that micro_batch "auto" chose (the paper leaves it
// unstated).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sim/scenario/scenario_loader.hpp"
#include "sim/step/simulate_step.hpp"

using namespace orrery;

TEST_CASE("Megatron SC'21 Table 1: TFLOP/s per GPU, MAPE within 5% and every row within 10%") {
  std::ifstream in(std::string(ORRERY_SOURCE_DIR) + "/tests/validation/data/megatron-sc21-table1.json");
  const auto table = nlohmann::json::parse(in);
  const char* names[] = {"1.7b", "3.6b", "7.5b", "18.4b", "39.1b", "76.1b", "145.6b", "310.1b", "529.6b", "1t"};
  const Catalog catalog = Catalog::builtin();

  double sum_abs = 0;
  int n = 0;
  double worst = 0;
  std::printf("\n%-10s %6s %4s %4s %3s %10s %10s %8s\n", "model", "GPUs", "tp", "pp", "mb", "published", "predicted",
              "error");
  for (const auto& row : table["rows"]) {
    const std::string file = std::string(ORRERY_SOURCE_DIR) + "/scenarios/validation/megatron-sc21-gpt-" + names[n] + ".json";
    const Scenario s = load_scenario_file(file, catalog);
    const StepResult r = simulate_step(s);
    REQUIRE(r.fits);
    const double B = s.training.global_batch, seq = s.training.seq_len, l = s.model.layers, h = s.model.hidden,
                 V = s.model.vocab;
    const double flops = 96 * B * seq * l * h * h * (1 + seq / (6 * h) + V / (16 * l * h));
    const double predicted = flops / r.time_s / s.cluster.gpus() / 1e12;
    const double published = row["tflops_per_gpu"].get<double>();
    const double err = (predicted - published) / published;
    std::printf("%-10s %6d %4d %4d %3d %10.1f %10.1f %+7.1f%%\n", names[n], s.cluster.gpus(), s.parallelism.tp,
                s.parallelism.pp, r.micro_batch, published, predicted, 100 * err);
    sum_abs += std::abs(err);
    worst = std::max(worst, std::abs(err));
    ++n;
  }
  const double mape = sum_abs / n;
  std::printf("MAPE %.1f%% over %d rows, worst row %.1f%%\n", 100 * mape, n, 100 * worst);
  CHECK(n == 10);
  CHECK(worst <= 0.10);
  CHECK(mape <= 0.05);
}
