// DeviceModel::gemm_efficiency: wave quantization over the SMs, the depth
// (k) factor, batched GEMMs and fused attention.
//   gemm:      eff.gemm x wave(tiles) x k / (k + 64),  tiles = ceil(m/128) ceil(n/128) batch
//   attention: 0.75 x eff.gemm x wave(ceil(m/128) batch)
//   wave(t) = t / (ceil(t / SMs) x SMs)
#include <catch2/catch.hpp>

#include <cstdint>

#include "hardware/device_model.hpp"
#include "test_specs.hpp"

using orrery::DeviceEfficiency;
using orrery::DeviceModel;
using orrery::KernelKind;
using orrery::KernelWork;

namespace {

KernelWork gemm(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch = 1) {
  KernelWork w;
  w.kind = KernelKind::gemm;
  w.m = m;
  w.n = n;
  w.k = k;
  w.batch = batch;
  w.flops = 2.0 * m * n * k * batch;
  return w;
}

// The depth factor for k = 8192: 8192 / (8192 + 64).
constexpr double kDeep = 8192.0 / 8256.0;

}  // namespace

TEST_CASE("wave quantization: tiles = SMs + 1 keeps (SMs + 1) / (2 SMs) of the SMs busy") {
  const DeviceModel dm(orrery::test::h100_like(), DeviceEfficiency{});  // 132 SMs
  // m = 128 x 133, n = 128: 133 tiles -> 2 waves, the second with 1 of 132 SMs busy:
  // 133 / 264 = 0.503788.
  CHECK(dm.gemm_efficiency(gemm(128 * 133, 128, 8192)) ==
        Approx(0.8 * (133.0 / 264.0) * kDeep).epsilon(1e-12));
  // Exactly one full wave (132 tiles) loses nothing to quantization.
  CHECK(dm.gemm_efficiency(gemm(128 * 132, 128, 8192)) == Approx(0.8 * kDeep).epsilon(1e-12));
  // Fewer tiles than SMs: 64 tiles use 64 / 132 of the GPU.
  CHECK(dm.gemm_efficiency(gemm(128 * 8, 128 * 8, 8192)) ==
        Approx(0.8 * (64.0 / 132.0) * kDeep).epsilon(1e-12));
}

TEST_CASE("a partial tile counts as a whole tile") {
  const DeviceModel dm(orrery::test::h100_like(), DeviceEfficiency{});
  // m = 129 -> 2 tiles along m; n = 128 x 66 -> 66: 132 tiles, one full wave.
  CHECK(dm.gemm_efficiency(gemm(129, 128 * 66, 8192)) == Approx(0.8 * kDeep).epsilon(1e-12));
  // m = 1 (a decode-style GEMV): 1 x 66 = 66 tiles over 132 SMs -> 0.5.
  CHECK(dm.gemm_efficiency(gemm(1, 128 * 66, 8192)) == Approx(0.8 * 0.5 * kDeep).epsilon(1e-12));
}

TEST_CASE("batched GEMMs quantize tiles x batch") {
  const DeviceModel dm(orrery::test::h100_like(), DeviceEfficiency{});
  // One 128 x 128 tile per batch entry: batch 133 behaves like 133 tiles.
  CHECK(dm.gemm_efficiency(gemm(128, 128, 8192, 133)) ==
        Approx(0.8 * (133.0 / 264.0) * kDeep).epsilon(1e-12));
  // 4 tiles x 33 = 132: one full wave.
  CHECK(dm.gemm_efficiency(gemm(256, 256, 8192, 33)) == Approx(0.8 * kDeep).epsilon(1e-12));
}

TEST_CASE("the depth factor k / (k + 64) charges a tile's fixed epilogue to shallow GEMMs") {
  const DeviceModel dm(orrery::test::h100_like(), DeviceEfficiency{});
  // A 128 x 128 tile loads 256 elements per unit of k and stores 128 x 128 once:
  // the store equals 64 k-steps of loads. 132 tiles (one full wave):
  CHECK(dm.gemm_efficiency(gemm(128 * 132, 128, 64)) == Approx(0.8 * 0.5).epsilon(1e-12));
  CHECK(dm.gemm_efficiency(gemm(128 * 132, 128, 192)) == Approx(0.8 * 0.75).epsilon(1e-12));
  CHECK(dm.gemm_efficiency(gemm(128 * 132, 128, 1984)) == Approx(0.8 * (1984.0 / 2048)).epsilon(1e-12));
}

TEST_CASE("a GEMM with no shape gets eff.gemm, and sm_count <= 1 disables wave quantization") {
  KernelWork w;
  w.kind = KernelKind::gemm;
  w.flops = 1e12;
  DeviceEfficiency eff;
  eff.gemm = 0.7;
  CHECK(DeviceModel(orrery::test::h100_like(), eff).gemm_efficiency(w) == Approx(0.7).epsilon(1e-12));

  auto one_unit = orrery::test::h100_like();
  one_unit.sm_count = 1;
  // 133 tiles on one unit: 133 waves of 1, nothing idle.
  CHECK(DeviceModel(one_unit, eff).gemm_efficiency(gemm(128 * 133, 128, 8192)) ==
        Approx(0.7 * kDeep).epsilon(1e-12));
}

TEST_CASE("fused attention: 0.75 x eff.gemm, quantized over query blocks x (sequences x heads)") {
  const DeviceModel dm(orrery::test::h100_like(), DeviceEfficiency{});
  KernelWork w;
  w.kind = KernelKind::attention;
  w.m = 2048;  // queries
  w.n = 2048;  // keys
  w.k = 128;   // head dim
  // 2048 / 128 = 16 query blocks x 66 = 1056 blocks = 8 full waves of 132: 0.75 x 0.8 = 0.6.
  w.batch = 66;
  CHECK(dm.gemm_efficiency(w) == Approx(0.6).epsilon(1e-12));
  // One (sequence, head): 16 blocks on 132 SMs: 0.6 x 16/132.
  w.batch = 1;
  CHECK(dm.gemm_efficiency(w) == Approx(0.6 * 16.0 / 132.0).epsilon(1e-12));
  // Time: flops / (989.5e12 x 0.6 x 16/132) + 4 us when compute-bound.
  w.batch = 66;
  w.flops = 4.0 * 2048 * 2048 * 128 * 66;  // QK^T and PV: 2 matmuls of 2 m n k each
  w.bytes = 0;
  CHECK(dm.seconds(w, orrery::Precision::bf16) ==
        Approx(w.flops / (989.5e12 * 0.6) + 4e-6).epsilon(1e-12));
}

TEST_CASE("memory-bound kernels have no compute term: efficiency 1") {
  const DeviceModel dm(orrery::test::h100_like(), DeviceEfficiency{});
  KernelWork w;
  w.kind = KernelKind::memory_bound;
  w.m = w.n = w.k = 8192;
  CHECK(dm.gemm_efficiency(w) == 1.0);
}

TEST_CASE("huge shapes keep the efficiency within 0..1 (tile counts are computed in double)") {
  const DeviceModel dm(orrery::test::h100_like(), DeviceEfficiency{});
  constexpr std::int64_t huge = std::int64_t{1} << 40;  // (2^33 tiles)^2 x 2^20 overflows int64
  KernelWork w = gemm(huge, huge, huge, std::int64_t{1} << 20);
  const double e = dm.gemm_efficiency(w);
  CHECK(e > 0.79);  // 2^86 tiles: the last wave is negligible; depth ~1
  CHECK(e <= 0.8);
}
