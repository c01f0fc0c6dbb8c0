// Scale check: a Llama-3-sized run (16,384 GPUs, the llama3 preset, 54 days
// of work) against the closed forms.
//
// With exponential failures that can strike at any time (spares never run
// out, no maintenance), Daly's model is exact for the simulated job:
//   E[T] = M e^(R/M) sum_i (e^(L_i/M) - 1)      (checkpoint_model.hpp)
// with L_i each segment (compute plus its checkpoint; the last has no
// checkpoint), R = detection + restart + reload. Failures arrive at rate 1/M
// the whole time, so E[N] = E[T] / M (Wald's identity).
//
// Confidence interval: the trials are independent (separate random
// streams), so by the central limit theorem the mean of n trials is normal
// with standard deviation sigma / sqrt(n), sigma estimated by the sample
// standard deviation s. The test accepts |mean - expected| < 4 s / sqrt(n):
// a correct model fails it with probability 6e-5, while a bias of a few
// tenths of a percent in the wall time fails it.
// ETTR is work / T per trial, and E[work / T] = work / E[T] (1 + Var T / E[T]^2 + ...)
// (Jensen); the second-order term is added to the expected value.
#include <cmath>
#include <cstdio>

#include <catch2/catch.hpp>

#include "sim/run/checkpoint_model.hpp"
#include "sim/run/cluster_shape.hpp"
#include "sim/run/run_simulation.hpp"

using namespace orrery;

namespace {

struct Sample {
  double mean = 0, sd = 0;
};

Sample stats(const std::vector<double>& x) {
  Sample s;
  for (double v : x) s.mean += v / x.size();
  for (double v : x) s.sd += (v - s.mean) * (v - s.mean) / (x.size() - 1);
  s.sd = std::sqrt(s.sd);
  return s;
}

RunPlan llama3_plan() {
  Scenario s;
  s.cluster.nodes = 2048;
  s.cluster.node.gpus_per_node = 8;
  s.cluster.node.nics_per_node = 8;
  s.failures.preset = "llama3";
  RunPlan p;
  p.causes = job_failure_causes(s, cluster_shape(s.cluster, 2048));
  p.step_time_s = 10;
  p.steps = 54 * 86400 / 10.0;            // 54 days of work
  p.checkpoint_write_s = 60;
  p.checkpoint_load_s = 60;
  p.detection_s = 300;
  p.restart_s = 600;
  p.repair_s = 3600;
  p.spare_nodes = 1000000;                // never short of a node: failures may strike any time
  p.interval_s = rule_interval_s(p, "daly");
  p.interval_rule = "daly";
  p.trials = 200;
  p.seed = 2024;
  return p;
}

}  // namespace

TEST_CASE("Scale check: interruptions and ETTR of a 16k-GPU, 54-day run match the closed forms") {
  const RunPlan p = llama3_plan();
  const double mtbf = p.job_mtbf_s();
  CHECK(54 * 86400 / mtbf == Approx(419));   // the preset on its own cluster

  // Daly's expectation from the plan's own segments.
  const double work = p.work_s();
  const int n = p.checkpoints_in(work);
  std::vector<double> segments(static_cast<std::size_t>(n), p.interval_s + p.checkpoint_write_s);
  segments.push_back(work - n * p.interval_s);
  const double recovery = p.detection_s + p.restart_s + p.checkpoint_load_s;
  const double expected_wall = daly_expected_wall_s(segments, recovery, mtbf);
  const double expected_n = expected_wall / mtbf;

  std::vector<double> walls, counts, ettrs;
  for (int t = 0; t < p.trials; ++t) {
    const TrialResult r = simulate_trial(p, t);
    walls.push_back(r.wall_s);
    counts.push_back(r.total_interruptions());
    ettrs.push_back(r.time.productive_s / r.wall_s);
  }
  const Sample wall = stats(walls), count = stats(counts), ettr = stats(ettrs);
  const double root_n = std::sqrt(static_cast<double>(p.trials));
  const double expected_ettr = work / expected_wall * (1 + wall.sd * wall.sd / (expected_wall * expected_wall));
  std::printf("\nscale check, %d trials: interval %.0f s, MTBF %.0f s\n", p.trials, p.interval_s, mtbf);
  std::printf("  wall days      simulated %.3f +- %.3f   Daly %.3f\n", wall.mean / 86400, wall.sd / root_n / 86400,
              expected_wall / 86400);
  std::printf("  interruptions  simulated %.1f +- %.1f   Daly %.1f\n", count.mean, count.sd / root_n, expected_n);
  std::printf("  ETTR           simulated %.4f +- %.4f   Daly %.4f\n", ettr.mean, ettr.sd / root_n, expected_ettr);

  CHECK(std::abs(wall.mean - expected_wall) < 4 * wall.sd / root_n);
  CHECK(std::abs(count.mean - expected_n) < 4 * count.sd / root_n);
  CHECK(std::abs(ettr.mean - expected_ettr) < 4 * ettr.sd / root_n);
  // Hundreds of interruptions, an ETTR well below 1: the check is not vacuous.
  CHECK(count.mean > 400);
  CHECK(ettr.mean < 0.9);
}

TEST_CASE("Weibull failures keep the mean rate: interruptions = rate x exposed time, within 5%") {
  // Renewal processes with the same mean gap: over many gaps the count is
  // time / mean (elementary renewal theorem), plus a bounded transient
  // ((CV^2 - 1) / 2 per cause, a few per run), within 5%. A Weibull drawn
  // with the wrong scale (missing the Gamma(1 + 1/k) factor) is 27% off at k = 0.7.
  RunPlan p = llama3_plan();
  p.weibull = true;
  p.weibull_shape = 0.7;
  p.trials = 50;
  const RunSimulation r = simulate_run(p);
  const double exposed_s = r.days_mean * 86400;   // all time is exposed here
  CHECK(r.interruptions == Approx(exposed_s / p.job_mtbf_s()).epsilon(0.05));
}
