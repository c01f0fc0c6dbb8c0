#pragma once
// DeviceModel: how long one kernel takes on one accelerator (roofline).
//   time = max(flops / (peak x eff_compute), bytes / (hbm_bw x eff_memory)) + launch overhead
// eff_compute for GEMMs includes wave quantization over the SMs (a tile grid
// that leaves SMs idle in its last wave loses that fraction). The
// efficiencies are documented defaults until a calibration profile (issue 4)
// replaces them with measured tables: KernelTimer is that seam.
// docs/device-model.md derives every factor and says why each default holds.
#include <cstdint>

#include "hardware/specs.hpp"

namespace orrery {

struct DeviceEfficiency {
  double gemm = 0.80;          // best achievable fraction of peak for large GEMMs
  double memory = 0.80;        // fraction of HBM bandwidth reached by streaming kernels
  double launch_overhead_us = 4.0;  // per kernel (launch + tail)
};

enum class KernelKind { gemm, attention, memory_bound };

// The work of one kernel. For GEMMs, m x n x k (per batch entry) and batch.
// For fused (flash) attention: m = query length, n = key length, k = head
// dim, batch = sequences x heads; one thread block per 128 queries of one
// (sequence, head). A shape left at 0 means "unknown": no shape penalty.
struct KernelWork {
  KernelKind kind = KernelKind::memory_bound;
  double flops = 0;
  double bytes = 0;               // HBM traffic
  std::int64_t m = 0, n = 0, k = 0, batch = 1;
};

// Throws std::invalid_argument ("<who>: ...") unless the work is finite,
// non-negative and has batch >= 1. Every KernelTimer checks its input with it.
void validate_kernel_work(const KernelWork& w, const char* who);

class KernelTimer {
public:
  virtual ~KernelTimer() = default;
  virtual double seconds(const KernelWork& w, Precision p) const = 0;
};

// Compute efficiency by kind (T = 128: one square output tile per SM):
//   gemm:        eff.gemm x wave(ceil(m/T) ceil(n/T) batch) x k / (k + T/2)
//   attention:   0.75 eff.gemm x wave(ceil(m/T) batch)
//   memory_bound: no compute term (flops are ignored)
//   wave(t) = t / (ceil(t / sm_count) x sm_count)
// A precision whose peak is 0 (unsupported) runs at the next supported one:
// fp8 -> bf16 -> fp16 -> tf32 -> fp32 (bf16 and fp16 stand in for each
// other: same width, same matrix-unit rate on every part in the catalog).
// Throws std::invalid_argument on an unusable spec, efficiency or work, and
// when no precision of the chain has a peak.
class DeviceModel final : public KernelTimer {
public:
  DeviceModel(AcceleratorSpec acc, DeviceEfficiency eff);
  double seconds(const KernelWork& w, Precision p) const override;
  // The compute efficiency the model assumes for this GEMM (0..1].
  // For attention, the same for the fused kernel; for memory_bound, 1.
  double gemm_efficiency(const KernelWork& w) const;
  const AcceleratorSpec& accelerator() const { return acc_; }
  const DeviceEfficiency& efficiency() const { return eff_; }

private:
  // Peak FLOP/s of `p`, after the fallback chain above.
  double peak_flops_per_s(Precision p) const;

  AcceleratorSpec acc_;
  DeviceEfficiency eff_;
};

}  // namespace orrery
