// DeviceModel::seconds: the roofline closed forms, precision fallback and
// input checks.
//   t = max(flops / (peak x eff_compute), bytes / (bw x eff.memory)) + launch
#include <catch2/catch.hpp>

#include <stdexcept>

#include "hardware/device_model.hpp"
#include "test_specs.hpp"

using orrery::DeviceEfficiency;
using orrery::DeviceModel;
using orrery::KernelKind;
using orrery::KernelWork;
using orrery::Precision;

namespace {

KernelWork memory_op(double bytes, double flops = 0) {
  KernelWork w;
  w.kind = KernelKind::memory_bound;
  w.bytes = bytes;
  w.flops = flops;
  return w;
}

// A GEMM with no shape: no wave or depth penalty, eff_compute = eff.gemm.
KernelWork shapeless_gemm(double flops, double bytes) {
  KernelWork w;
  w.kind = KernelKind::gemm;
  w.flops = flops;
  w.bytes = bytes;
  return w;
}

}  // namespace

TEST_CASE("a memory-bound op of B bytes takes B / (W e) + launch") {
  const DeviceModel dm(orrery::test::round_numbers(), DeviceEfficiency{});
  // B = 1e9 bytes, W = 2000 GB/s, e = 0.8: 1e9 / (2e12 x 0.8) = 625 us, + 4 us launch.
  CHECK(dm.seconds(memory_op(1e9), Precision::bf16) == Approx(629e-6).epsilon(1e-12));
  // Its flops are not timed (elementwise work hides under the memory stream).
  CHECK(dm.seconds(memory_op(1e9, 1e15), Precision::bf16) == Approx(629e-6).epsilon(1e-12));
  // Precision does not matter to a byte count.
  CHECK(dm.seconds(memory_op(1e9), Precision::fp32) == Approx(629e-6).epsilon(1e-12));
}

TEST_CASE("memory efficiency and launch overhead come from DeviceEfficiency") {
  DeviceEfficiency eff;
  eff.memory = 0.5;
  eff.launch_overhead_us = 10;
  const DeviceModel dm(orrery::test::round_numbers(), eff);
  // 1e9 / (2e12 x 0.5) = 1000 us, + 10 us.
  CHECK(dm.seconds(memory_op(1e9), Precision::bf16) == Approx(1010e-6).epsilon(1e-12));
  // An empty kernel still pays its launch.
  CHECK(dm.seconds(memory_op(0), Precision::bf16) == Approx(10e-6).epsilon(1e-12));
}

TEST_CASE("compute-bound vs memory-bound: the crossover is at the ridge intensity") {
  const DeviceModel dm(orrery::test::round_numbers(), DeviceEfficiency{});
  // Ridge: flops/bytes = (1000e12 x 0.8) / (2000e9 x 0.8) = 500 flop/byte.
  // bytes = 1e9 -> memory time 625 us; compute time = flops / 800e12.
  const double launch = 4e-6;
  SECTION("below the ridge: memory time") {
    CHECK(dm.seconds(shapeless_gemm(4e11, 1e9), Precision::bf16) ==
          Approx(625e-6 + launch).epsilon(1e-12));
  }
  SECTION("at the ridge: both terms equal 625 us") {
    CHECK(dm.seconds(shapeless_gemm(5e11, 1e9), Precision::bf16) ==
          Approx(625e-6 + launch).epsilon(1e-12));
  }
  SECTION("above the ridge: compute time 6e11 / 800e12 = 750 us") {
    CHECK(dm.seconds(shapeless_gemm(6e11, 1e9), Precision::bf16) ==
          Approx(750e-6 + launch).epsilon(1e-12));
  }
  SECTION("fp32 has a 20x lower peak: the same op becomes compute-bound") {
    // 4e11 / (50e12 x 0.8) = 10 ms > 625 us.
    CHECK(dm.seconds(shapeless_gemm(4e11, 1e9), Precision::fp32) ==
          Approx(10e-3 + launch).epsilon(1e-12));
  }
}

TEST_CASE("a large square bf16 GEMM on an H100-like spec: eff.gemm x wave x depth of peak") {
  const DeviceModel dm(orrery::test::h100_like(), DeviceEfficiency{});
  KernelWork w;
  w.kind = KernelKind::gemm;
  w.m = w.n = w.k = 8192;
  w.flops = 2.0 * 8192 * 8192 * 8192;  // 1.0995e12
  w.bytes = 3.0 * 8192 * 8192 * 2;     // A, B read and C written once, bf16: 402.65 MB
  // Tiles: (8192/128)^2 = 64 x 64 = 4096 over 132 SMs -> ceil(31.03) = 32 waves
  //   wave = 4096 / (32 x 132) = 0.969697
  // Depth: k / (k + 128/2) = 8192 / 8256 = 0.992248
  // eff_compute = 0.8 x 0.969697 x 0.992248 = 0.769744
  const double eff = 0.8 * (4096.0 / (32 * 132)) * (8192.0 / 8256);
  CHECK(eff == Approx(0.769744).epsilon(1e-6));
  CHECK(dm.gemm_efficiency(w) == Approx(eff).epsilon(1e-12));
  // Compute: 1.0995e12 / (989.5e12 x 0.769744) = 1443.57 us;
  // memory: 402.65e6 / (3350e9 x 0.8) = 150.24 us -> compute-bound; + 4 us launch.
  CHECK(dm.seconds(w, Precision::bf16) == Approx(1447.5697e-6).epsilon(1e-7));
  CHECK(dm.seconds(w, Precision::bf16) ==
        Approx(w.flops / (989.5e12 * eff) + 4e-6).epsilon(1e-12));
  // fp8 doubles the peak: 721.78 us + 4 us, still above the 150 us memory time.
  CHECK(dm.seconds(w, Precision::fp8) == Approx(w.flops / (1979e12 * eff) + 4e-6).epsilon(1e-12));
}

TEST_CASE("an unsupported precision runs at the next wider supported one") {
  const DeviceEfficiency eff{};
  const KernelWork w = shapeless_gemm(8e11, 0);  // pure compute: 8e11 / (peak x 0.8)

  SECTION("fp8 on a part without fp8 (A100-like) runs at the bf16 peak") {
    const DeviceModel dm(orrery::test::round_numbers(), eff);  // fp8 peak 0, bf16 1000
    // 8e11 / (1000e12 x 0.8) = 1 ms.
    CHECK(dm.seconds(w, Precision::fp8) == Approx(1e-3 + 4e-6).epsilon(1e-12));
    CHECK(dm.seconds(w, Precision::fp8) == dm.seconds(w, Precision::bf16));
  }
  SECTION("bf16 on a part with fp16 only (V100-like) runs at the fp16 peak") {
    auto v100 = orrery::test::round_numbers();
    v100.peak_tflops_bf16 = 0;
    v100.peak_tflops_tf32 = 0;
    v100.peak_tflops_fp16 = 125;
    v100.peak_tflops_fp32 = 15.7;
    const DeviceModel dm(v100, eff);
    // 8e11 / (125e12 x 0.8) = 8 ms.
    CHECK(dm.seconds(w, Precision::bf16) == Approx(8e-3 + 4e-6).epsilon(1e-12));
    // fp8 -> bf16 (0) -> fp16: also 8 ms.
    CHECK(dm.seconds(w, Precision::fp8) == Approx(8e-3 + 4e-6).epsilon(1e-12));
    // tf32 -> fp32: 8e11 / (15.7e12 x 0.8) = 63.694 ms.
    CHECK(dm.seconds(w, Precision::tf32) == Approx(8e11 / (15.7e12 * 0.8) + 4e-6).epsilon(1e-12));
  }
  SECTION("a precision with nothing wider supported is an error that names it") {
    auto tpu = orrery::test::round_numbers();
    tpu.peak_tflops_fp32 = 0;
    tpu.peak_tflops_tf32 = 0;
    const DeviceModel dm(tpu, eff);
    CHECK_THROWS_WITH(dm.seconds(w, Precision::fp32), Catch::Contains("fp32"));
    CHECK_THROWS_AS(dm.seconds(w, Precision::tf32), std::invalid_argument);
    // A memory-bound op needs no peak at all.
    CHECK(dm.seconds(memory_op(1e9), Precision::fp32) == Approx(629e-6).epsilon(1e-12));
  }
}

TEST_CASE("DeviceModel rejects unusable specs, efficiencies and work with a clear message") {
  auto bad = orrery::test::round_numbers();
  bad.hbm_bandwidth_gb_per_s = 0;
  CHECK_THROWS_WITH(DeviceModel(bad, DeviceEfficiency{}),
                    Catch::Contains("hbm_bandwidth_gb_per_s") && Catch::Contains("round"));
  bad = orrery::test::round_numbers();
  bad.peak_tflops_bf16 = -1;
  CHECK_THROWS_WITH(DeviceModel(bad, DeviceEfficiency{}), Catch::Contains("peak_tflops_bf16"));

  DeviceEfficiency eff;
  eff.gemm = 0;
  CHECK_THROWS_WITH(DeviceModel(orrery::test::round_numbers(), eff), Catch::Contains("gemm"));
  eff = DeviceEfficiency{};
  eff.memory = 1.5;
  CHECK_THROWS_WITH(DeviceModel(orrery::test::round_numbers(), eff), Catch::Contains("memory"));

  const DeviceModel dm(orrery::test::round_numbers(), DeviceEfficiency{});
  CHECK_THROWS_AS(dm.seconds(memory_op(-1), Precision::bf16), std::invalid_argument);
  KernelWork w = shapeless_gemm(1e9, 1e6);
  w.batch = 0;
  CHECK_THROWS_WITH(dm.seconds(w, Precision::bf16), Catch::Contains("batch"));
}
