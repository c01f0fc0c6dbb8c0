#include "hardware/device_model.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace orrery {
namespace {

// One output tile per thread block: 128 x 128 is cuBLAS/CUTLASS's workhorse
// tile on A100/H100 and the MXU size on TPUs. One size for every shape keeps
// the model explainable; see docs/device-model.md for what it ignores.
constexpr double kTile = 128;

// A T x T tile streams 2T operand elements per unit of k and stores T^2
// outputs once, so its fixed epilogue costs as much traffic as T/2 k-steps:
// efficiency k / (k + T/2) relative to an infinitely deep GEMM.
constexpr double kTileFixedDepth = kTile * kTile / (kTile + kTile);

// Fused attention reaches a lower fraction of peak than a plain GEMM (softmax
// and rescaling on the vector units between its two matmuls).
constexpr double kAttentionCeiling = 0.75;

// Fraction of a grid of `tiles` thread blocks that does useful work when they
// run in waves of `sm_count` (the last wave leaves SMs idle).
double wave_factor(double tiles, int sm_count) {
  if (tiles <= 0 || sm_count <= 1) return 1.0;
  const double sms = sm_count;
  // min(): for astronomically large grids rounding could nudge the ratio past 1.
  return std::min(1.0, tiles / (std::ceil(tiles / sms) * sms));
}

double tiles_along(std::int64_t extent) { return std::ceil(static_cast<double>(extent) / kTile); }

[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument("DeviceModel: " + what);
}

}  // namespace

// On the hot path: messages are only formatted on failure.
void validate_kernel_work(const KernelWork& w, const char* who) {
  auto bad = [who](const std::string& what) { throw std::invalid_argument(std::string(who) + ": " + what); };
  if (!(std::isfinite(w.flops) && w.flops >= 0))
    bad(fmt::format("kernel flops must be finite and >= 0 (got {})", w.flops));
  if (!(std::isfinite(w.bytes) && w.bytes >= 0))
    bad(fmt::format("kernel bytes must be finite and >= 0 (got {})", w.bytes));
  if (w.m < 0 || w.n < 0 || w.k < 0)
    bad(fmt::format("kernel shape must be >= 0 (got m={} n={} k={})", w.m, w.n, w.k));
  if (w.batch < 1) bad(fmt::format("kernel batch must be >= 1 (got {})", w.batch));
}

DeviceModel::DeviceModel(AcceleratorSpec acc, DeviceEfficiency eff)
    : acc_(std::move(acc)), eff_(eff) {
  const std::string who = "accelerator '" + acc_.name + "': ";
  if (!(std::isfinite(acc_.hbm_bandwidth_gb_per_s) && acc_.hbm_bandwidth_gb_per_s > 0))
    fail(who + fmt::format("hbm_bandwidth_gb_per_s must be > 0 (got {})",
                           acc_.hbm_bandwidth_gb_per_s));
  for (Precision p : {Precision::fp32, Precision::tf32, Precision::bf16, Precision::fp16,
                      Precision::fp8}) {
    const double peak = acc_.peak_tflops(p);
    if (!(std::isfinite(peak) && peak >= 0))
      fail(who + fmt::format("peak_tflops_{} must be >= 0 (got {})", to_string(p), peak));
  }
  if (acc_.sm_count < 0) fail(who + fmt::format("sm_count must be >= 0 (got {})", acc_.sm_count));
  if (!(eff_.gemm > 0 && eff_.gemm <= 1))
    fail(fmt::format("efficiency.gemm must be in (0, 1] (got {})", eff_.gemm));
  if (!(eff_.memory > 0 && eff_.memory <= 1))
    fail(fmt::format("efficiency.memory must be in (0, 1] (got {})", eff_.memory));
  if (!(std::isfinite(eff_.launch_overhead_us) && eff_.launch_overhead_us >= 0))
    fail(fmt::format("efficiency.launch_overhead_us must be >= 0 (got {})",
                     eff_.launch_overhead_us));
}

double DeviceModel::peak_flops_per_s(Precision p) const {
  // Each precision, then the ones that can run its work without loss of range:
  // 16-bit formats stand in for each other (same matrix-unit rate everywhere
  // in the catalog), then TF32, then FP32.
  static constexpr Precision from_fp8[] = {Precision::fp8, Precision::bf16, Precision::fp16,
                                           Precision::tf32, Precision::fp32};
  static constexpr Precision from_bf16[] = {Precision::bf16, Precision::fp16, Precision::tf32,
                                            Precision::fp32};
  static constexpr Precision from_fp16[] = {Precision::fp16, Precision::bf16, Precision::tf32,
                                            Precision::fp32};
  static constexpr Precision from_tf32[] = {Precision::tf32, Precision::fp32};
  static constexpr Precision from_fp32[] = {Precision::fp32};
  std::span<const Precision> chain = from_fp32;
  switch (p) {
    case Precision::fp8: chain = from_fp8; break;
    case Precision::bf16: chain = from_bf16; break;
    case Precision::fp16: chain = from_fp16; break;
    case Precision::tf32: chain = from_tf32; break;
    case Precision::fp32: chain = from_fp32; break;
  }
  for (Precision q : chain) {
    if (acc_.peak_tflops(q) > 0) return acc_.peak_tflops(q) * 1e12;
  }
  fail(fmt::format(
      "accelerator '{}' has no peak for {} nor any wider precision; "
      "set peak_tflops_{} (or a wider one) in its spec",
      acc_.name, to_string(p), to_string(p)));
}

double DeviceModel::gemm_efficiency(const KernelWork& w) const {
  validate_kernel_work(w, "DeviceModel");
  const double batch = static_cast<double>(w.batch);
  switch (w.kind) {
    case KernelKind::memory_bound: return 1.0;
    case KernelKind::attention: {
      const double blocks = w.m > 0 ? tiles_along(w.m) * batch : 0;
      return kAttentionCeiling * eff_.gemm * wave_factor(blocks, acc_.sm_count);
    }
    case KernelKind::gemm: {
      const double tiles = (w.m > 0 && w.n > 0) ? tiles_along(w.m) * tiles_along(w.n) * batch : 0;
      const double depth = w.k > 0 ? static_cast<double>(w.k) / (w.k + kTileFixedDepth) : 1.0;
      return eff_.gemm * wave_factor(tiles, acc_.sm_count) * depth;
    }
  }
  return eff_.gemm;
}

double DeviceModel::seconds(const KernelWork& w, Precision p) const {
  validate_kernel_work(w, "DeviceModel");
  const double memory_s = w.bytes / (acc_.hbm_bandwidth_gb_per_s * 1e9 * eff_.memory);
  double busy_s = memory_s;
  if (w.kind != KernelKind::memory_bound && w.flops > 0) {
    const double compute_s = w.flops / (peak_flops_per_s(p) * gemm_efficiency(w));
    busy_s = std::max(compute_s, memory_s);
  }
  return busy_s + eff_.launch_overhead_us * 1e-6;
}

}  // namespace orrery
