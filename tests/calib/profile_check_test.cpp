// `orrery calib check` machinery on SYNTHETIC profiles with known answers.
//
// Leave-one-out bound: on a grid with nodes one log2 step apart (h = 1),
// an interior node left out is predicted from the 8 nodes at +-1 step around
// it (the bracket widens on every axis), at its centre, i.e. from their mean.
// For log2 throughput f = c + a u + b v - q (w - w0)^2 (u, v, w = log2 m, n, k)
// the linear part averages out exactly and the quadratic one gives
//   mean of f over w +- 1 = f(w) - q h^2,
// so the predicted busy time is the measured busy time x 2^q and the relative
// time error of node i is  b_i (2^q - 1) / (L + b_i)  (b_i busy, L fixed),
// at most 2^q - 1 and close to it when L << b_i.
#include <catch2/catch.hpp>

#include <cmath>

#include "calib/profile_check.hpp"
#include "synthetic_profile.hpp"

using namespace orrery;

namespace {

const CheckRow* row(const CalibrationCheck& c, const std::string& label) {
  for (const CheckRow& r : c.rows)
    if (r.label == label) return &r;
  return nullptr;
}

}  // namespace

TEST_CASE("error statistics: median and p90 interpolate between order statistics") {
  // |errors| sorted: 0.01 0.02 0.03 0.04 0.10; median = 0.03; p90 at rank
  // 0.9 x 4 = 3.6: 0.04 + 0.6 x (0.10 - 0.04) = 0.076; mean signed = -0.004.
  const ErrorStats s = error_stats({-0.03, 0.01, 0.10, -0.04, -0.06 + 0.04});
  CHECK(s.count == 5);
  CHECK(s.median_abs == Approx(0.03));
  CHECK(s.p90_abs == Approx(0.076));
  CHECK(s.mean == Approx((-0.03 + 0.01 + 0.10 - 0.04 - 0.02) / 5));
  CHECK(s.max_abs == Approx(0.10));
  CHECK(error_stats({}).count == 0);
}

TEST_CASE("leave-one-out over the grid gives the analytic error of a curved law") {
  const double q = 0.04, launch = 0.02;
  const auto law = [q](double u, double v, double w) {
    return std::log2(5e14) + 0.1 * (u - 11) - 0.05 * (v - 11) - q * (w - 11) * (w - 11);
  };
  const auto axis = test::powers_of_two(9, 13);   // 5 values: 3 interior per axis
  const CalibrationProfile p = test::synthetic_profile(axis, law, launch);
  const CalibrationCheck check = check_profile(p);
  const CheckRow* loo = row(check, "gemm bf16: grid, leave-one-out");
  REQUIRE(loo);
  CHECK(loo->stats.count == 27);

  std::vector<double> expected;
  for (std::int64_t m : {1024, 2048, 4096})
    for (std::int64_t n : {1024, 2048, 4096})
      for (std::int64_t k : {1024, 2048, 4096}) {
        const double busy = test::synthetic_gemm_us(law, launch, m, n, k) - launch;
        expected.push_back(busy * (std::exp2(q) - 1) / (launch + busy));
      }
  const ErrorStats want = error_stats(expected);
  CHECK(loo->stats.median_abs == Approx(want.median_abs).epsilon(1e-9));
  CHECK(loo->stats.p90_abs == Approx(want.p90_abs).epsilon(1e-9));
  CHECK(loo->stats.mean > 0);   // over-predicts time: the law is concave in log k
  CHECK(loo->stats.max_abs <= std::exp2(q) - 1);
  CHECK(loo->stats.median_abs == Approx(std::exp2(q) - 1).epsilon(1e-2));   // launch << busy
}

TEST_CASE("held-out transformer shapes are predicted from the grid alone") {
  // f depends on log2 k only, linearly between nodes on the k axis: shapes
  // with m and n off the grid but k on it are predicted exactly, so the
  // transformer row's errors are 0 and the 5% / 10% target is met.
  const auto law = [](double, double, double w) { return std::log2(4e14) - 0.1 * (w - 12) * (w - 12); };
  CalibrationProfile p = test::synthetic_profile(test::powers_of_two(9, 14), law, 0.02);
  for (const auto& [m, n, k] : {std::tuple{8192, 1280, 8192}, std::tuple{8192, 7168, 8192}, std::tuple{3000, 5000, 1024}}) {
    GemmPoint g;
    g.m = m;
    g.n = n;
    g.k = k;
    g.origin = GemmOrigin::transformer;
    g.time = test::exact_time(test::synthetic_gemm_us(law, 0.02, m, n, k));
    p.gemm.push_back(g);
  }
  // One whose k lies between nodes (k = 3 x 2^10, w = 11.585): the
  // interpolant is linear in w between 11 and 12, the law is not.
  GemmPoint off;
  off.m = 4096;
  off.n = 4096;
  off.k = 3072;
  off.origin = GemmOrigin::transformer;
  off.time = test::exact_time(test::synthetic_gemm_us(law, 0.02, 4096, 4096, 3072));
  p.gemm.push_back(off);

  const CalibrationCheck check = check_profile(p);
  const CheckRow* held = row(check, "gemm bf16: transformer shapes, held out");
  REQUIRE(held);
  CHECK(held->stats.count == 4);
  CHECK(held->has_target);
  // Three exact, one off by: t = log2(1.5); interpolated f - true f
  //   = -0.1 [(1 - t) (11 - 12)^2 + t 0] + 0.1 (t - 1)^2 = -0.1 (1 - t) t.
  const double t = std::log2(1.5);
  const double df = -0.1 * (1 - t) * t;
  const double busy = test::synthetic_gemm_us(law, 0.02, 4096, 4096, 3072) - 0.02;
  const double err = busy * (std::exp2(-df) - 1) / (0.02 + busy);
  CHECK(held->stats.max_abs == Approx(err).epsilon(1e-9));
  CHECK(held->stats.median_abs == Approx(0).margin(1e-9));
  CHECK(held->target_met == (err <= 0.10));
}

TEST_CASE("memory kernels are held against the copy curve") {
  CalibrationProfile p = test::synthetic_profile(test::powers_of_two(9, 10), [](double, double, double) { return 48.0; }, 0.02);
  const auto curve = [](double b) { return std::log2(2e12) - 0.05 * (b - 26) * (b - 26); };
  std::vector<double> sizes;
  for (int e = 20; e <= 32; ++e) sizes.push_back(std::ldexp(1.0, e));
  test::add_copy_curve(p, sizes, curve);
  // An rmsnorm that is exactly 10% slower than the copy curve predicts.
  MemoryPoint norm;
  norm.kernel = "rmsnorm";
  norm.bytes = std::ldexp(1.0, 27);
  norm.rows = 8192;
  norm.cols = 4096;
  norm.time = test::exact_time(1.1 * test::synthetic_copy_us(curve, 0.02, norm.bytes));
  p.memory.push_back(norm);
  const CalibrationCheck check = check_profile(p);

  // Copy LOO, h = 1 in log2 bytes, 1-D: predicted from the two neighbours'
  // mean, g - 0.05: busy x 2^0.05 at the 11 interior sizes.
  const CheckRow* copy = row(check, "memory: copy curve, leave-one-out");
  REQUIRE(copy);
  CHECK(copy->stats.count == 11);
  CHECK(copy->stats.max_abs <= std::exp2(0.05) - 1);
  CHECK(copy->stats.median_abs == Approx(std::exp2(0.05) - 1).epsilon(1e-2));
  const CheckRow* rms = row(check, "memory: rmsnorm from the copy curve");
  REQUIRE(rms);
  CHECK(rms->stats.count == 1);
  CHECK(rms->stats.mean == Approx(1 / 1.1 - 1).epsilon(1e-9));   // predicted / measured - 1
}

TEST_CASE("unfused attention is checked against the sum of its kernels") {
  // Constant 400 TFLOP/s GEMMs and 2 TB/s copies, no fixed cost to speak of:
  // forward = 2 GEMMs of 2 b s^2 d FLOPs + a softmax of 4 b s^2 bytes.
  const auto law = [](double, double, double) { return std::log2(4e14); };
  CalibrationProfile p = test::synthetic_profile(test::powers_of_two(7, 14), law, 1e-4);
  test::add_copy_curve(p, {std::ldexp(1.0, 20), std::ldexp(1.0, 34)}, [](double) { return std::log2(2e12); });
  const double b = 16, s = 1024, d = 128;
  const double gemm_us = 2 * b * s * s * d / 4e14 * 1e6;
  const double softmax_us = 4 * b * s * s / 2e12 * 1e6;
  const double forward_us = 2 * (1e-4 + gemm_us) + 1e-4 + softmax_us;
  p.attention.push_back({"forward", "unfused", 16, 1024, 128, test::exact_time(forward_us * 1.25)});
  const CalibrationCheck check = check_profile(p);
  const CheckRow* r = row(check, "attention forward (unfused) from its kernels");
  REQUIRE(r);
  CHECK(r->stats.mean == Approx(1 / 1.25 - 1).epsilon(1e-6));
  CHECK(render_check(p, check).find("attention forward (unfused) from its kernels") != std::string::npos);
}
