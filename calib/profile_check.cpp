#include "calib/profile_check.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include <fmt/format.h>

#include "hardware/calibrated_device_model.hpp"

namespace orrery {
namespace {

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double rank = q * static_cast<double>(sorted.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(rank));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (rank - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

KernelWork gemm_work(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch) {
  KernelWork w;
  w.kind = KernelKind::gemm;
  w.m = m;
  w.n = n;
  w.k = k;
  w.batch = batch;
  w.flops = 2.0 * static_cast<double>(batch) * static_cast<double>(m) * static_cast<double>(n) *
            static_cast<double>(k);
  return w;
}

// The check never asks the fallback: a placeholder accelerator satisfies
// DeviceModel's constructor.
AcceleratorSpec placeholder_accelerator(const CalibrationProfile& p) {
  AcceleratorSpec a;
  a.name = p.device.name;
  a.sm_count = p.device.sm_count;
  a.hbm_bandwidth_gb_per_s = 1;
  a.peak_tflops_bf16 = 1;
  return a;
}

double rel(double predicted_s, double measured_us) { return predicted_s / (measured_us * 1e-6) - 1; }

}  // namespace

ErrorStats error_stats(const std::vector<double>& errors) {
  ErrorStats s;
  s.count = errors.size();
  if (errors.empty()) return s;
  std::vector<double> mag;
  double sum = 0;
  for (double e : errors) {
    mag.push_back(std::fabs(e));
    sum += e;
  }
  std::sort(mag.begin(), mag.end());
  s.median_abs = percentile(mag, 0.5);
  s.p90_abs = percentile(mag, 0.9);
  s.mean = sum / static_cast<double>(errors.size());
  s.max_abs = mag.back();
  return s;
}

std::vector<AttentionKernel> unfused_attention_kernels(const AttentionPoint& a) {
  const std::int64_t s = a.seq, d = a.head_dim, b = a.batch_heads;
  const double scores = static_cast<double>(b) * static_cast<double>(s) * static_cast<double>(s);
  const AttentionKernel qk{true, s, s, d, b, 0};   // S = Q K^T; dP = dO V^T
  const AttentionKernel pv{true, s, d, s, b, 0};   // O = P V; dV = P^T dO; dQ = dS K; dK = dS^T Q
  if (a.direction == "forward") return {qk, {false, 0, 0, 0, 1, 2 * scores * 2}, pv};   // softmax: read S, write P
  // softmax backward: read P and dP, write dS
  return {qk, pv, {false, 0, 0, 0, 1, 3 * scores * 2}, pv, pv};
}

CalibrationCheck check_profile(const CalibrationProfile& profile) {
  const auto shared = std::make_shared<const CalibrationProfile>(profile);
  const CalibratedDeviceModel model(placeholder_accelerator(profile), DeviceEfficiency{}, shared);
  CalibrationCheck check;

  // GEMMs, per precision.
  for (Precision p : {Precision::bf16, Precision::fp16, Precision::fp8, Precision::tf32, Precision::fp32}) {
    const LogGridTable* grid = model.gemm_grid(p);
    if (!grid) continue;
    std::map<GemmOrigin, std::vector<double>> errors;
    for (const GemmPoint& g : profile.gemm) {
      if (g.precision != p) continue;
      const KernelWork w = gemm_work(g.m, g.n, g.k, g.batch);
      std::size_t excluded = LogGridTable::kNone;
      if (g.origin == GemmOrigin::grid) {
        excluded = grid->node(CalibratedDeviceModel::gemm_coords(w));
        if (!grid->interior(excluded)) continue;
      }
      const auto e = model.gemm_from_grid(w, p, excluded);
      if (e) errors[g.origin].push_back(rel(e->seconds, g.time.median_us));
    }
    const auto add = [&](GemmOrigin o, const std::string& what, bool target) {
      if (errors[o].empty()) return;
      CheckRow row;
      row.label = fmt::format("gemm {}: {}", to_string(p), what);
      row.stats = error_stats(errors[o]);
      row.has_target = target;
      row.target_met = row.stats.median_abs <= kGemmTargetMedian && row.stats.p90_abs <= kGemmTargetP90;
      check.rows.push_back(row);
    };
    add(GemmOrigin::grid, "grid, leave-one-out", false);
    add(GemmOrigin::transformer, "transformer shapes, held out", true);
    add(GemmOrigin::attention, "batched attention GEMMs, held out", false);
  }

  // Memory-bound kernels.
  if (const LogGridTable* curve = model.memory_curve()) {
    std::map<std::string, std::vector<double>> errors;
    for (const MemoryPoint& m : profile.memory) {
      std::size_t excluded = LogGridTable::kNone;
      if (m.kernel == "copy") {
        const double x[1] = {std::log2(m.bytes)};
        excluded = curve->node(x);
        if (!curve->interior(excluded)) continue;
      }
      const auto e = model.memory_from_curve(m.bytes, excluded);
      if (e) errors[m.kernel].push_back(rel(e->seconds, m.time.median_us));
    }
    for (const std::string& kernel : memory_kernel_names()) {
      if (errors[kernel].empty()) continue;
      CheckRow row;
      row.label = kernel == "copy" ? std::string("memory: copy curve, leave-one-out")
                                   : fmt::format("memory: {} from the copy curve", kernel);
      row.stats = error_stats(errors[kernel]);
      check.rows.push_back(row);
    }
  }

  // Unfused attention from its parts, as the simulator would time them.
  std::map<std::string, std::vector<double>> attention;
  for (const AttentionPoint& a : profile.attention) {
    double predicted = 0;
    for (const AttentionKernel& k : unfused_attention_kernels(a)) {
      KernelWork w;
      if (k.gemm) {
        w = gemm_work(k.m, k.n, k.k, k.batch);
      } else {
        w.kind = KernelKind::memory_bound;
        w.bytes = k.bytes;
      }
      const auto e = model.estimate(w, Precision::bf16);
      if (e.basis == CalibratedDeviceModel::Basis::default_model) {
        predicted = -1;   // the profile cannot time a part: no prediction
        break;
      }
      predicted += e.seconds;
    }
    if (predicted > 0) attention[a.direction].push_back(rel(predicted, a.time.median_us));
  }
  for (const char* dir : {"forward", "backward"}) {
    if (attention[dir].empty()) continue;
    CheckRow row;
    row.label = fmt::format("attention {} (unfused) from its kernels", dir);
    row.stats = error_stats(attention[dir]);
    check.rows.push_back(row);
  }
  return check;
}

std::string render_check(const CalibrationProfile& profile, const CalibrationCheck& check) {
  std::string out = fmt::format("Calibration check: {} ({} SMs), grid {}, measured {}\n", profile.device.name,
                                profile.device.sm_count, profile.grid.empty() ? "?" : profile.grid,
                                profile.date_utc.empty() ? "(no date)" : profile.date_utc);
  out += "Error = predicted / measured - 1 on points the model did not use.\n\n";
  out += fmt::format("  {:<50} {:>6} {:>9} {:>9} {:>8} {:>8}\n", "held out", "points", "median", "p90", "max",
                     "bias");
  for (const CheckRow& r : check.rows) {
    out += fmt::format("  {:<50} {:>6} {:>8.1f}% {:>8.1f}% {:>7.1f}% {:>+7.1f}%", r.label, r.stats.count,
                       100 * r.stats.median_abs, 100 * r.stats.p90_abs, 100 * r.stats.max_abs, 100 * r.stats.mean);
    if (r.has_target)
      out += fmt::format("  target {:.0f}% / {:.0f}%: {}", 100 * kGemmTargetMedian, 100 * kGemmTargetP90,
                         r.target_met ? "met" : "NOT met");
    out += "\n";
  }
  if (check.rows.empty()) out += "  (nothing to hold out: the profile has no grid or curve)\n";
  return out;
}

}  // namespace orrery
