// CalibratedDeviceModel on SYNTHETIC profiles whose "measurements" follow an
// analytic law, so that every prediction has a closed form:
//   measured(m, n, k) = L + 2mnk / 2^f(log2 m, log2 n, log2 k)
// Multilinear interpolation of f in log space reproduces any f that is
// linear in each log coordinate exactly; a quadratic term c (w - w0)^2
// (w = log2 k) comes out c h^2 / 4 too high at the log-midpoint between two
// nodes h apart ((f(w - h/2) + f(w + h/2)) / 2 - f(w) = c h^2 / 4).
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

#include "hardware/calibrated_device_model.hpp"
#include "synthetic_profile.hpp"

using namespace orrery;

namespace {

AcceleratorSpec accelerator() {
  AcceleratorSpec a;
  a.name = "synthetic";
  a.peak_tflops_bf16 = 1000;
  a.peak_tflops_fp16 = 1000;
  a.peak_tflops_fp8 = 2000;
  a.peak_tflops_tf32 = 500;
  a.peak_tflops_fp32 = 60;
  a.hbm_bandwidth_gb_per_s = 3000;
  a.sm_count = 132;
  return a;
}

CalibratedDeviceModel model_of(const CalibrationProfile& p) {
  return CalibratedDeviceModel(accelerator(), DeviceEfficiency{}, std::make_shared<const CalibrationProfile>(p));
}

KernelWork gemm(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch = 1) {
  KernelWork w;
  w.kind = KernelKind::gemm;
  w.m = m;
  w.n = n;
  w.k = k;
  w.batch = batch;
  w.flops = 2.0 * static_cast<double>(batch * m * n * k);
  w.bytes = 2.0 * static_cast<double>(batch * (m * k + k * n + m * n));
  return w;
}

// Linear in every log coordinate: 400 TFLOP/s at 512^3, rising with m and n,
// falling slowly with k.
double linear_law(double u, double v, double w) { return std::log2(4e14) + 0.10 * (u - 9) + 0.05 * (v - 9) - 0.02 * (w - 9); }

constexpr double kLaunchUs = 0.5;

}  // namespace

TEST_CASE("a measured GEMM shape is reproduced exactly from its own point and from the grid") {
  const auto axis = test::powers_of_two(9, 13);   // 512 .. 8192
  const CalibrationProfile p = test::synthetic_profile(axis, linear_law, kLaunchUs);
  const CalibratedDeviceModel model = model_of(p);
  REQUIRE(model.fixed_cost_us() == kLaunchUs);   // 0.5 us < half the fastest GEMM (512^3: 0.5 + 0.67 us)
  for (const GemmPoint& g : p.gemm) {
    const KernelWork w = gemm(g.m, g.n, g.k);
    const auto e = model.estimate(w, Precision::bf16);
    CHECK(e.basis == CalibratedDeviceModel::Basis::measured);
    CHECK(e.seconds == Approx(g.time.median_us * 1e-6).epsilon(1e-12));
    // The grid alone lands on the node: the same time.
    CHECK(model.gemm_from_grid(w, Precision::bf16)->seconds == Approx(g.time.median_us * 1e-6).epsilon(1e-12));
  }
}

TEST_CASE("between grid nodes a log-linear law is interpolated exactly") {
  const CalibrationProfile p = test::synthetic_profile(test::powers_of_two(9, 13), linear_law, kLaunchUs);
  const CalibratedDeviceModel model = model_of(p);
  for (const auto& [m, n, k] : {std::tuple{3000, 1500, 700}, std::tuple{600, 7000, 5000}, std::tuple{1024, 1280, 8000}}) {
    const auto e = model.estimate(gemm(m, n, k), Precision::bf16);
    CHECK(e.basis == CalibratedDeviceModel::Basis::interpolated);
    CHECK(e.seconds * 1e6 == Approx(test::synthetic_gemm_us(linear_law, kLaunchUs, m, n, k)).epsilon(1e-10));
  }
}

TEST_CASE("a concave law is under-predicted at the log-midpoint by q h^2 / 4 in log2 throughput") {
  // Nodes 4x apart (h = 2 in log2), so the log-midpoints 512, 2048, 8192 are
  // whole numbers. f = log2(3e14) - q (w - 11)^2 with q = 0.05 (c = -q).
  const double q = 0.05;
  const double L = 0.1;   // below half the fastest point (256^3: 0.15 us busy)
  const auto law = [q](double, double, double w) { return std::log2(3e14) - q * (w - 11) * (w - 11); };
  const CalibrationProfile p = test::synthetic_profile(test::powers_of_two(8, 14, 2), law, L);
  const CalibratedDeviceModel model = model_of(p);
  for (std::int64_t k : {512, 2048, 8192}) {
    const KernelWork w = gemm(4096, 1024, k);
    const double busy_true = test::synthetic_gemm_us(law, L, 4096, 1024, k) - L;
    // Interpolated log2 throughput = true - q h^2 / 4 = true - q: busy time x 2^q.
    const double expected = L + busy_true * std::exp2(q * 2 * 2 / 4);
    CHECK(model.seconds(w, Precision::bf16) * 1e6 == Approx(expected).epsilon(1e-10));
  }
}

TEST_CASE("outside the grid the nearest efficiency is kept and time scales with FLOPs") {
  const CalibrationProfile p = test::synthetic_profile(test::powers_of_two(9, 13), linear_law, kLaunchUs);
  const CalibratedDeviceModel model = model_of(p);
  // m = 32768 is 4x past the last node (8192): same throughput as at 8192, 4x the FLOPs.
  const double edge_busy = test::synthetic_gemm_us(linear_law, kLaunchUs, 8192, 2048, 4096) - kLaunchUs;
  const auto far = model.estimate(gemm(32768, 2048, 4096), Precision::bf16);
  CHECK(far.basis == CalibratedDeviceModel::Basis::extrapolated);
  CHECK(far.seconds * 1e6 == Approx(kLaunchUs + 4 * edge_busy).epsilon(1e-10));
  // k = 128 is 4x below the first node (512): throughput at 512, a quarter of its FLOPs.
  const double low_busy = test::synthetic_gemm_us(linear_law, kLaunchUs, 2048, 2048, 512) - kLaunchUs;
  CHECK(model.seconds(gemm(2048, 2048, 128), Precision::bf16) * 1e6 ==
        Approx(kLaunchUs + low_busy / 4).epsilon(1e-10));
  // A batched GEMM folds its batch into m: 64 x (256 x 1024 x 1024) is read
  // at m = 16384, past the grid: throughput at 8192, FLOPs of 64 x 256 rows.
  const double fold_busy = test::synthetic_gemm_us(linear_law, kLaunchUs, 8192, 1024, 1024) - kLaunchUs;
  CHECK(model.seconds(gemm(256, 1024, 1024, 64), Precision::bf16) * 1e6 ==
        Approx(kLaunchUs + 2 * fold_busy).epsilon(1e-10));
}

TEST_CASE("a missing grid node is bridged by the wider bracket around it") {
  // f is linear, so even the widened bracket (the 8 nodes at +-1 step) is exact.
  CalibrationProfile p = test::synthetic_profile(test::powers_of_two(9, 13), linear_law, kLaunchUs);
  std::erase_if(p.gemm, [](const GemmPoint& g) { return g.m == 2048 && g.n == 2048 && g.k == 2048; });
  const CalibratedDeviceModel model = model_of(p);
  const auto e = model.estimate(gemm(2048, 2048, 2048), Precision::bf16);
  CHECK(e.basis == CalibratedDeviceModel::Basis::interpolated);
  CHECK(e.seconds * 1e6 == Approx(test::synthetic_gemm_us(linear_law, kLaunchUs, 2048, 2048, 2048)).epsilon(1e-10));
  // A query in a cell that has the missing node as a corner widens too.
  CHECK(model.seconds(gemm(1500, 2500, 3000), Precision::bf16) * 1e6 ==
        Approx(test::synthetic_gemm_us(linear_law, kLaunchUs, 1500, 2500, 3000)).epsilon(1e-10));
}

TEST_CASE("memory-bound kernels follow the copy curve and clamp its bandwidth at both ends") {
  CalibrationProfile p = test::synthetic_profile(test::powers_of_two(9, 10), linear_law, kLaunchUs);
  // log2 bandwidth rises linearly from 1 TB/s at 1 MiB to 2^(0.1 x 10) = 2 TB/s at 1 GiB.
  const auto curve = [](double b) { return std::log2(1e12) + 0.1 * (b - 20); };
  std::vector<double> sizes;
  for (int e = 20; e <= 30; e += 2) sizes.push_back(std::ldexp(1.0, e));
  test::add_copy_curve(p, sizes, curve);
  const CalibratedDeviceModel model = model_of(p);
  KernelWork w;
  w.kind = KernelKind::memory_bound;
  for (double bytes : {3.0 * (1 << 20), 1e8, 7e8}) {   // between nodes: exact (linear law)
    w.bytes = bytes;
    CHECK(model.seconds(w, Precision::bf16) * 1e6 == Approx(test::synthetic_copy_us(curve, kLaunchUs, bytes)).epsilon(1e-10));
  }
  w.bytes = std::ldexp(1.0, 33);   // 8 GiB: the 1 GiB bandwidth, 2 TB/s
  CHECK(model.seconds(w, Precision::bf16) * 1e6 == Approx(kLaunchUs + std::ldexp(1.0, 33) / 2e12 * 1e6).epsilon(1e-10));
  w.bytes = 4096;                  // below 1 MiB: 1 TB/s
  CHECK(model.seconds(w, Precision::bf16) * 1e6 == Approx(kLaunchUs + 4096 / 1e12 * 1e6).epsilon(1e-10));
  w.bytes = 0;                     // an empty kernel: its fixed cost
  CHECK(model.seconds(w, Precision::bf16) * 1e6 == Approx(kLaunchUs));
}

TEST_CASE("fused attention runs at 0.75 of the same-shape batched GEMM's measured throughput") {
  // A 5 ns fixed cost: below half the fastest point (128^3, 13 ns busy).
  const CalibrationProfile p = test::synthetic_profile(test::powers_of_two(7, 14), linear_law, 0.005);
  const CalibratedDeviceModel model = model_of(p);
  // s = 2048, d = 128, 16 (sequence, head) pairs. P V is 2048 x 128 x 2048,
  // batch 16, read at m = 32768 -> clamped to 16384 on the grid.
  KernelWork a;
  a.kind = KernelKind::attention;
  a.m = 2048;
  a.n = 2048;
  a.k = 128;
  a.batch = 16;
  a.flops = 4.0 * 16 * 2048 * 2048 * 128;
  const double pv_throughput = std::exp2(linear_law(14, 7, 11));
  const auto e = model.estimate(a, Precision::bf16);
  CHECK(e.basis == CalibratedDeviceModel::Basis::approximated);
  CHECK(e.seconds == Approx(0.005e-6 + a.flops / (0.75 * pv_throughput)).epsilon(1e-10));
}

TEST_CASE("what the profile cannot time goes to the default device model") {
  const CalibrationProfile p = test::synthetic_profile(test::powers_of_two(9, 11), linear_law, kLaunchUs);
  const CalibratedDeviceModel model = model_of(p);
  const DeviceModel roofline(accelerator(), DeviceEfficiency{});
  // fp8: no table in this profile.
  const KernelWork w = gemm(4096, 4096, 4096);
  CHECK(model.estimate(w, Precision::fp8).basis == CalibratedDeviceModel::Basis::default_model);
  CHECK(model.seconds(w, Precision::fp8) == Approx(roofline.seconds(w, Precision::fp8)).epsilon(1e-12));
  // A GEMM with no shape.
  KernelWork shapeless;
  shapeless.kind = KernelKind::gemm;
  shapeless.flops = 1e12;
  CHECK(model.seconds(shapeless, Precision::bf16) == Approx(roofline.seconds(shapeless, Precision::bf16)).epsilon(1e-12));
  // Memory-bound work without a copy curve.
  KernelWork mem;
  mem.bytes = 1e9;
  CHECK(model.seconds(mem, Precision::bf16) == Approx(roofline.seconds(mem, Precision::bf16)).epsilon(1e-12));
}

TEST_CASE("the fixed cost is capped at half the fastest measured kernel") {
  // A 10 us launch measurement against a fastest GEMM of 10.67 us (512^3 at
  // 400 TFLOP/s: 0.67 us busy): the fixed cost becomes 5.34 us, and every
  // measured point is still reproduced.
  const CalibrationProfile p = test::synthetic_profile(test::powers_of_two(9, 10), linear_law, 10.0);
  const CalibratedDeviceModel model = model_of(p);
  const double fastest = test::synthetic_gemm_us(linear_law, 10.0, 512, 512, 512);
  CHECK(model.fixed_cost_us() == Approx(fastest / 2));
  for (const GemmPoint& g : p.gemm)
    CHECK(model.gemm_from_grid(gemm(g.m, g.n, g.k), Precision::bf16)->seconds ==
          Approx(g.time.median_us * 1e-6).epsilon(1e-12));
}

TEST_CASE("LogGridTable rejects bad axes and answers with the nearest node when no bracket is complete") {
  CHECK_THROWS_AS(LogGridTable({}), std::invalid_argument);
  CHECK_THROWS_AS(LogGridTable({{1, 1}}), std::invalid_argument);
  LogGridTable t({{0, 1, 2}, {0, 1}});
  const double on[2] = {2, 1};
  t.set(t.node(on), 7.0);
  // Only one node has a value: every query gets it, flagged as nearest.
  const double x[2] = {0.2, 0.3};
  const auto a = t.at(x);
  CHECK(a.value == 7.0);
  CHECK(a.nearest);
  // With it excluded there is nothing left.
  CHECK_THROWS_AS(t.at(x, t.node(on)), std::logic_error);
  CHECK_FALSE(t.interior(t.node(on)));
}
