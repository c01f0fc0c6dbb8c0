#include "hardware/calibrated_device_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace orrery {
namespace {

// Fused attention runs its two matmuls on the tensor cores with softmax and
// rescaling on the vector units between them; DeviceModel puts its ceiling
// at 0.75 of a plain GEMM's efficiency (docs/device-model.md). Without a
// measured fused kernel, the calibrated model keeps that ceiling and
// replaces the GEMM efficiency by the measured one at the attention's shape.
constexpr double kFusedAttentionCeiling = 0.75;

// The fixed cost is at most this fraction of the fastest measured kernel.
constexpr double kMaxFixedFraction = 0.5;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument("CalibratedDeviceModel: " + what);
}

double log2_of(std::int64_t v) { return std::log2(static_cast<double>(v)); }

std::vector<double> sorted_unique(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

// ---------------------------------------------------------------- LogGridTable

LogGridTable::LogGridTable(std::vector<std::vector<double>> axes) : axes_(std::move(axes)) {
  if (axes_.empty() || axes_.size() > 3)
    throw std::invalid_argument(fmt::format("LogGridTable: 1 to 3 axes (got {})", axes_.size()));
  std::size_t count = 1;
  for (const auto& a : axes_) {
    if (a.empty()) throw std::invalid_argument("LogGridTable: an axis is empty");
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!std::isfinite(a[i])) throw std::invalid_argument("LogGridTable: axis values must be finite");
      if (i > 0 && !(a[i] > a[i - 1])) throw std::invalid_argument("LogGridTable: axis values must increase");
    }
    count *= a.size();
  }
  values_.assign(count, kNaN);
}

std::size_t LogGridTable::flat(const std::size_t* index) const {
  std::size_t f = 0;
  for (std::size_t d = 0; d < axes_.size(); ++d) f = f * axes_[d].size() + index[d];
  return f;
}

std::size_t LogGridTable::node(std::span<const double> x) const {
  if (x.size() != axes_.size()) return kNone;
  std::size_t index[3] = {0, 0, 0};
  for (std::size_t d = 0; d < axes_.size(); ++d) {
    const auto& a = axes_[d];
    const auto it = std::lower_bound(a.begin(), a.end(), x[d]);
    if (it == a.end() || *it != x[d]) return kNone;
    index[d] = static_cast<std::size_t>(it - a.begin());
  }
  return flat(index);
}

void LogGridTable::set(std::size_t node, double value) {
  if (node >= values_.size()) throw std::out_of_range("LogGridTable::set: no such node");
  if (!std::isfinite(value)) throw std::invalid_argument("LogGridTable::set: value must be finite");
  values_[node] = value;
}

bool LogGridTable::has(std::size_t node) const { return node < values_.size() && !std::isnan(values_[node]); }

std::size_t LogGridTable::measured_nodes() const {
  return static_cast<std::size_t>(
      std::count_if(values_.begin(), values_.end(), [](double v) { return !std::isnan(v); }));
}

bool LogGridTable::interior(std::size_t node) const {
  for (std::size_t d = axes_.size(); d-- > 0;) {
    const std::size_t n = axes_[d].size();
    const std::size_t i = node % n;
    node /= n;
    if (i == 0 || i + 1 == n) return false;
  }
  return true;
}

LogGridTable::Answer LogGridTable::at(std::span<const double> x, std::size_t excluded) const {
  if (x.size() != axes_.size())
    throw std::invalid_argument(fmt::format("LogGridTable::at: {} coordinates for {} axes", x.size(), axes_.size()));
  const std::size_t D = axes_.size();
  Answer answer;
  double xc[3] = {0, 0, 0};
  std::size_t lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
  for (std::size_t d = 0; d < D; ++d) {
    const auto& a = axes_[d];
    if (std::isnan(x[d])) throw std::invalid_argument("LogGridTable::at: coordinate is NaN");
    xc[d] = std::clamp(x[d], a.front(), a.back());
    if (xc[d] != x[d]) answer.clamped = true;
    // Largest axis value <= xc; the next one unless xc is on a node.
    const std::size_t i = static_cast<std::size_t>(std::upper_bound(a.begin(), a.end(), xc[d]) - a.begin()) - 1;
    lo[d] = i;
    hi[d] = a[i] == xc[d] ? i : i + 1;
  }
  const auto usable = [&](std::size_t f) { return f != excluded && !std::isnan(values_[f]); };

  for (std::size_t w = 0;; ++w) {
    std::size_t L[3] = {0, 0, 0}, H[3] = {0, 0, 0};
    bool whole = true;
    for (std::size_t d = 0; d < D; ++d) {
      const std::size_t n = axes_[d].size();
      L[d] = lo[d] >= w ? lo[d] - w : 0;
      H[d] = std::min(n - 1, hi[d] + w);
      whole = whole && L[d] == 0 && H[d] == n - 1;
    }
    bool complete = true;
    double sum = 0;
    for (std::size_t corner = 0; corner < (std::size_t{1} << D) && complete; ++corner) {
      std::size_t index[3] = {0, 0, 0};
      double weight = 1;
      for (std::size_t d = 0; d < D; ++d) {
        const bool upper = (corner >> d) & 1;
        index[d] = upper ? H[d] : L[d];
        const auto& a = axes_[d];
        const double t = H[d] == L[d] ? 0.0 : (xc[d] - a[L[d]]) / (a[H[d]] - a[L[d]]);
        weight *= upper ? t : 1 - t;
      }
      if (weight == 0) continue;   // a corner with no weight need not exist
      const std::size_t f = flat(index);
      if (!usable(f)) {
        complete = false;
        break;
      }
      sum += weight * values_[f];
    }
    if (complete) {
      answer.value = sum;
      answer.widened = w > 0;
      return answer;
    }
    if (whole) break;
  }

  // No complete bracket anywhere: the nearest measured node.
  double best = std::numeric_limits<double>::infinity();
  std::size_t best_node = kNone;
  for (std::size_t f = 0; f < values_.size(); ++f) {
    if (!usable(f)) continue;
    std::size_t rest = f;
    double dist = 0;
    for (std::size_t d = D; d-- > 0;) {
      const std::size_t n = axes_[d].size();
      const double delta = axes_[d][rest % n] - xc[d];
      dist += delta * delta;
      rest /= n;
    }
    if (dist < best) {
      best = dist;
      best_node = f;
    }
  }
  if (best_node == kNone) throw std::logic_error("LogGridTable::at: the table has no measured node");
  answer.value = values_[best_node];
  answer.nearest = true;
  return answer;
}

// ------------------------------------------------------- CalibratedDeviceModel

const char* to_string(CalibratedDeviceModel::Basis b) {
  switch (b) {
    case CalibratedDeviceModel::Basis::measured: return "measured";
    case CalibratedDeviceModel::Basis::interpolated: return "interpolated";
    case CalibratedDeviceModel::Basis::extrapolated: return "extrapolated";
    case CalibratedDeviceModel::Basis::approximated: return "approximated";
    case CalibratedDeviceModel::Basis::default_model: return "default model";
  }
  return "unknown";
}

std::vector<double> CalibratedDeviceModel::gemm_coords(const KernelWork& w) {
  return {log2_of(w.m) + log2_of(w.batch), log2_of(w.n), log2_of(w.k)};
}

CalibratedDeviceModel::CalibratedDeviceModel(AcceleratorSpec acc, DeviceEfficiency fallback,
                                             std::shared_ptr<const CalibrationProfile> profile)
    : fallback_(std::move(acc), fallback), profile_(std::move(profile)) {
  if (!profile_) fail("no profile");
  const CalibrationProfile& prof = *profile_;
  const double launch = prof.launch_overhead.median_us;
  if (!(std::isfinite(launch) && launch > 0))
    fail(fmt::format("the profile's launch overhead must be > 0 us (got {})", launch));

  // The fastest kernel any table uses bounds the fixed cost.
  double fastest = std::numeric_limits<double>::infinity();
  for (const GemmPoint& g : prof.gemm) fastest = std::min(fastest, g.time.median_us);
  for (const MemoryPoint& m : prof.memory)
    if (m.kernel == "copy") fastest = std::min(fastest, m.time.median_us);
  fixed_us_ = std::min(launch, kMaxFixedFraction * fastest);
  for (const GemmPoint& g : prof.gemm)
    if (!(g.time.median_us > 0 && g.m > 0 && g.n > 0 && g.k > 0 && g.batch > 0))
      fail(fmt::format("GEMM point {}x{}x{} (batch {}) needs a positive shape and time", g.m, g.n, g.k, g.batch));

  // GEMM grids, one per precision.
  std::map<Precision, std::vector<const GemmPoint*>> grid_points;
  for (const GemmPoint& g : prof.gemm) {
    exact_[{static_cast<int>(g.precision), g.m, g.n, g.k, g.batch}] = g.time.median_us;
    if (g.origin == GemmOrigin::grid) grid_points[g.precision].push_back(&g);
  }
  for (const auto& [p, points] : grid_points) {
    std::vector<double> am, an, ak;
    for (const GemmPoint* g : points) {
      KernelWork w;
      w.m = g->m; w.n = g->n; w.k = g->k; w.batch = g->batch;
      const auto x = gemm_coords(w);
      am.push_back(x[0]);
      an.push_back(x[1]);
      ak.push_back(x[2]);
    }
    LogGridTable table({sorted_unique(am), sorted_unique(an), sorted_unique(ak)});
    for (const GemmPoint* g : points) {
      KernelWork w;
      w.m = g->m; w.n = g->n; w.k = g->k; w.batch = g->batch;
      const double busy_s = (g->time.median_us - fixed_us_) * 1e-6;
      table.set(table.node(gemm_coords(w)), std::log2(g->flops() / busy_s));
    }
    gemm_grids_.emplace(p, std::move(table));
  }

  // The copy curve.
  std::vector<const MemoryPoint*> copies;
  for (const MemoryPoint& m : prof.memory)
    if (m.kernel == "copy") {
      if (!(m.bytes > 0 && m.time.median_us > 0)) fail("copy points need positive bytes and time");
      copies.push_back(&m);
    }
  if (!copies.empty()) {
    std::vector<double> ab;
    for (const MemoryPoint* m : copies) ab.push_back(std::log2(m->bytes));
    LogGridTable curve({sorted_unique(ab)});
    for (const MemoryPoint* m : copies) {
      const double x[1] = {std::log2(m->bytes)};
      curve.set(curve.node(x), std::log2(m->bytes / ((m->time.median_us - fixed_us_) * 1e-6)));
    }
    memory_curve_.emplace(std::move(curve));
  }
}

const LogGridTable* CalibratedDeviceModel::gemm_grid(Precision p) const {
  const auto it = gemm_grids_.find(p);
  return it == gemm_grids_.end() ? nullptr : &it->second;
}

const LogGridTable* CalibratedDeviceModel::memory_curve() const {
  return memory_curve_ ? &*memory_curve_ : nullptr;
}

std::optional<CalibratedDeviceModel::Estimate> CalibratedDeviceModel::gemm_from_grid(const KernelWork& w, Precision p,
                                                                                      std::size_t excluded) const {
  const LogGridTable* grid = gemm_grid(p);
  if (!grid || w.m <= 0 || w.n <= 0 || w.k <= 0 || w.batch <= 0) return std::nullopt;
  const auto x = gemm_coords(w);
  const LogGridTable::Answer a = grid->at(x, excluded);
  const double flops = 2.0 * static_cast<double>(w.batch) * static_cast<double>(w.m) * static_cast<double>(w.n) *
                       static_cast<double>(w.k);
  Estimate e;
  e.seconds = fixed_us_ * 1e-6 + flops / std::exp2(a.value);
  e.basis = a.clamped || a.nearest ? Basis::extrapolated : Basis::interpolated;
  return e;
}

std::optional<CalibratedDeviceModel::Estimate> CalibratedDeviceModel::memory_from_curve(double bytes,
                                                                                         std::size_t excluded) const {
  if (!memory_curve_) return std::nullopt;
  Estimate e;
  if (bytes <= 0) {
    e.seconds = fixed_us_ * 1e-6;
    e.basis = Basis::extrapolated;
    return e;
  }
  const double x[1] = {std::log2(bytes)};
  const LogGridTable::Answer a = memory_curve_->at(x, excluded);
  e.seconds = fixed_us_ * 1e-6 + bytes / std::exp2(a.value);
  e.basis = a.clamped || a.nearest ? Basis::extrapolated : Basis::interpolated;
  return e;
}

std::optional<CalibratedDeviceModel::Estimate> CalibratedDeviceModel::gemm_estimate(const KernelWork& w,
                                                                                     Precision p) const {
  if (w.m <= 0 || w.n <= 0 || w.k <= 0) return std::nullopt;
  const auto it = exact_.find({static_cast<int>(p), w.m, w.n, w.k, w.batch});
  if (it != exact_.end()) return Estimate{it->second * 1e-6, Basis::measured};
  return gemm_from_grid(w, p);
}

std::optional<CalibratedDeviceModel::Estimate> CalibratedDeviceModel::attention_estimate(const KernelWork& w,
                                                                                          Precision p) const {
  if (w.m <= 0 || w.n <= 0 || w.k <= 0) return std::nullopt;
  // P V: (s_q x s_k) by (s_k x d), batch = sequences x heads.
  KernelWork pv;
  pv.kind = KernelKind::gemm;
  pv.m = w.m;
  pv.n = w.k;
  pv.k = w.n;
  pv.batch = w.batch;
  const auto g = gemm_estimate(pv, p);
  if (!g) return std::nullopt;
  const double pv_flops = 2.0 * static_cast<double>(pv.batch) * static_cast<double>(pv.m) *
                          static_cast<double>(pv.n) * static_cast<double>(pv.k);
  const double busy_s = std::max(g->seconds - fixed_us_ * 1e-6, 0.0);
  Estimate e;
  e.basis = Basis::approximated;
  if (busy_s <= 0 || w.flops <= 0) {
    e.seconds = fixed_us_ * 1e-6;
    return e;
  }
  const double throughput = pv_flops / busy_s;
  e.seconds = fixed_us_ * 1e-6 + w.flops / (kFusedAttentionCeiling * throughput);
  return e;
}

CalibratedDeviceModel::Estimate CalibratedDeviceModel::estimate(const KernelWork& w, Precision p) const {
  validate_kernel_work(w, "CalibratedDeviceModel");
  std::optional<Estimate> e;
  switch (w.kind) {
    case KernelKind::gemm: e = gemm_estimate(w, p); break;
    case KernelKind::attention: e = attention_estimate(w, p); break;
    case KernelKind::memory_bound: e = memory_from_curve(w.bytes); break;
  }
  if (e) return *e;
  return {fallback_.seconds(w, p), Basis::default_model};
}

double CalibratedDeviceModel::seconds(const KernelWork& w, Precision p) const { return estimate(w, p).seconds; }

}  // namespace orrery
