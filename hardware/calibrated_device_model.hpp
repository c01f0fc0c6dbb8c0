#pragma once
// CalibratedDeviceModel: kernel times from a measured calibration profile
// (hardware/calibration_profile.hpp), the KernelTimer a scenario with
// "calibration" uses instead of the roofline DeviceModel.
//
// Every measured time t is split into a fixed cost F and a busy time t - F,
// and the busy time's throughput (FLOP/s for GEMMs, B/s for memory-bound
// kernels) is interpolated in log space:
//   GEMM (m, n, k, batch): the exact measured shape if there is one; else
//     multilinear interpolation of log2(FLOP/s) on the grid points' axes
//     (log2 m.batch, log2 n, log2 k); outside the grid the coordinates are
//     clamped to its edge (efficiency of the nearest measured shape, time
//     scaling with FLOPs).
//   memory-bound (bytes): piecewise-linear log2(B/s) over log2(bytes) on the
//     measured copy curve, clamped at both ends.
//   attention (fused): the tensor-core throughput of the same-shape batched
//     GEMM (P V: s x d x s, batch = sequences x heads) times the fused-kernel
//     ceiling 0.75 that DeviceModel also applies (docs/calibration.md).
// time = F + work / throughput. F = the measured launch overhead, capped at
// half the fastest measured kernel so that every busy time is positive; a
// measured point is then reproduced exactly. Kernels the profile cannot
// answer (a precision it has no table for, a GEMM without a shape) go to the
// DeviceModel with the scenario's efficiencies.
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "hardware/calibration_profile.hpp"
#include "hardware/device_model.hpp"

namespace orrery {

// Values on a rectilinear grid of 1 to 3 axes (log2 coordinates), with holes.
//   at(x): clamps x into the grid, brackets each coordinate between two
//   neighbouring axis values (or one, when it lies on a node), and returns the
//   multilinear interpolation of the 2^D corners. When a corner is missing
//   (not measured, or `excluded`), the bracket widens by one axis step on
//   every side and every axis until all its corners exist; if even the whole
//   grid has none, the value of the nearest node (log2 distance) answers.
class LogGridTable {
public:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  struct Answer {
    double value = 0;
    bool clamped = false;   // x was outside the grid on some axis
    bool widened = false;   // a missing corner made the bracket wider
    bool nearest = false;   // no complete bracket: nearest node's value
  };

  // Each axis non-empty and strictly increasing; 1 to 3 axes. Throws
  // std::invalid_argument otherwise.
  explicit LogGridTable(std::vector<std::vector<double>> axes);

  std::size_t dims() const { return axes_.size(); }
  const std::vector<double>& axis(std::size_t d) const { return axes_[d]; }
  std::size_t nodes() const { return values_.size(); }
  // The node at exactly these coordinates, or kNone.
  std::size_t node(std::span<const double> x) const;
  void set(std::size_t node, double value);
  bool has(std::size_t node) const;
  double value(std::size_t node) const { return values_[node]; }
  std::size_t measured_nodes() const;
  // Every coordinate strictly inside its axis (a leave-one-out there tests
  // interpolation; at an edge it would test extrapolation).
  bool interior(std::size_t node) const;
  // Throws std::logic_error when no node has a value.
  Answer at(std::span<const double> x, std::size_t excluded = kNone) const;

private:
  std::size_t flat(const std::size_t* index) const;
  std::vector<std::vector<double>> axes_;
  std::vector<double> values_;   // NaN: not measured
};

class CalibratedDeviceModel final : public KernelTimer {
public:
  enum class Basis { measured, interpolated, extrapolated, approximated, default_model };
  struct Estimate {
    double seconds = 0;
    Basis basis = Basis::default_model;
  };

  // `fallback` times what the profile cannot. Throws std::invalid_argument
  // on a profile without a positive launch overhead.
  CalibratedDeviceModel(AcceleratorSpec acc, DeviceEfficiency fallback,
                        std::shared_ptr<const CalibrationProfile> profile);

  double seconds(const KernelWork& w, Precision p) const override;
  Estimate estimate(const KernelWork& w, Precision p) const;

  // The grid alone, without the exact-shape lookup (what `calib check` holds
  // out); `excluded` is a node of gemm_grid(p) to treat as unmeasured.
  // nullopt when there is no grid for p or the work has no shape.
  std::optional<Estimate> gemm_from_grid(const KernelWork& w, Precision p,
                                         std::size_t excluded = LogGridTable::kNone) const;
  // The copy curve alone; nullopt without one.
  std::optional<Estimate> memory_from_curve(double bytes,
                                            std::size_t excluded = LogGridTable::kNone) const;

  const LogGridTable* gemm_grid(Precision p) const;   // null: no grid points for p
  const LogGridTable* memory_curve() const;           // null: no copy points
  // Grid coordinates of a GEMM: log2(m batch), log2 n, log2 k.
  static std::vector<double> gemm_coords(const KernelWork& w);
  double fixed_cost_us() const { return fixed_us_; }
  const CalibrationProfile& profile() const { return *profile_; }
  const DeviceModel& default_model() const { return fallback_; }

private:
  std::optional<Estimate> gemm_estimate(const KernelWork& w, Precision p) const;
  std::optional<Estimate> attention_estimate(const KernelWork& w, Precision p) const;

  DeviceModel fallback_;
  std::shared_ptr<const CalibrationProfile> profile_;
  double fixed_us_ = 0;
  // (precision, m, n, k, batch) -> measured median, us
  std::map<std::tuple<int, std::int64_t, std::int64_t, std::int64_t, std::int64_t>, double> exact_;
  std::map<Precision, LogGridTable> gemm_grids_;
  std::optional<LogGridTable> memory_curve_;
};

const char* to_string(CalibratedDeviceModel::Basis b);

}  // namespace orrery
