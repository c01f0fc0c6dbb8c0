#pragma once
// How well CalibratedDeviceModel reproduces a profile's own measurements on
// points it did not use (`orrery calib check`):
//   - GEMM grid, leave-one-out: each interior grid node predicted from the
//     grid without it (edge nodes would test extrapolation instead);
//   - GEMM transformer shapes and batched attention GEMMs, held out: predicted
//     from the grid alone, without their own measurement;
//   - memory: the copy curve leave-one-out over its interior sizes, and every
//     other memory-bound kernel predicted from the copy curve by its bytes;
//   - unfused attention, forward and backward: the model's sum of its parts
//     (batched GEMMs + softmax) against the measured sequence.
// Error = predicted / measured - 1, on median times.
#include <string>
#include <vector>

#include "hardware/calibration_profile.hpp"

namespace orrery {

struct ErrorStats {
  std::size_t count = 0;
  double median_abs = 0;   // median of |error|
  double p90_abs = 0;      // 90th percentile of |error|
  double mean = 0;         // mean signed error (bias: > 0 predicts too slow)
  double max_abs = 0;
};

// Percentiles interpolate linearly between order statistics: the q-th of n
// sorted values sits at rank q (n - 1). Empty input: all zero.
ErrorStats error_stats(const std::vector<double>& errors);

struct CheckRow {
  std::string label;            // "gemm bf16: transformer shapes (held out)"
  ErrorStats stats;
  bool has_target = false;      // GEMM transformer shapes: median <= 5%, p90 <= 10%
  bool target_met = false;
};

struct CalibrationCheck {
  std::vector<CheckRow> rows;
};

inline constexpr double kGemmTargetMedian = 0.05;
inline constexpr double kGemmTargetP90 = 0.10;

// Throws std::invalid_argument on a profile the model cannot be built from.
CalibrationCheck check_profile(const CalibrationProfile& profile);
std::string render_check(const CalibrationProfile& profile, const CalibrationCheck& check);

// Unfused attention as the benchmark runs it, in the model's kernels:
// forward S = Q K^T, P = softmax(S), O = P V; backward dP = dO V^T,
// dV = P^T dO, dS = softmax'(P, dP), dQ = dS K, dK = dS^T Q. bf16 throughout.
struct AttentionKernel {
  bool gemm = false;
  std::int64_t m = 0, n = 0, k = 0, batch = 1;   // for GEMMs
  double bytes = 0;                              // for softmax
};
std::vector<AttentionKernel> unfused_attention_kernels(const AttentionPoint& shape);

}  // namespace orrery
