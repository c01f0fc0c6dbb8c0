#include "calib/bench_plan.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <tuple>

#include "models/rank_dims.hpp"
#include "models/transformer.hpp"

namespace orrery {
namespace {

// Powers of two from 2^lo to 2^hi; with `halves`, also 1.5 x each power
// below the top (a grid twice as dense in log space).
std::vector<double> log_sizes(int lo, int hi, int step, bool halves) {
  std::vector<double> out;
  for (int e = lo; e <= hi; e += step) {
    out.push_back(std::ldexp(1.0, e));
    if (halves && e + step <= hi) out.push_back(1.5 * std::ldexp(1.0, e));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool on_axis(const std::vector<std::int64_t>& axis, std::int64_t v) {
  return std::binary_search(axis.begin(), axis.end(), v);
}

// The weight GEMMs (batch 1) of one layer and of the output layer, as one TP
// rank runs them on `tokens` tokens.
void add_transformer_gemms(const ModelSpec& m, int tp, std::int64_t tokens,
                           std::set<std::tuple<std::int64_t, std::int64_t, std::int64_t>>& out) {
  LayerShape shape;
  shape.seq_len = static_cast<int>(std::min<std::int64_t>(tokens, m.max_seq_len > 0 ? m.max_seq_len : tokens));
  shape.micro_batch = static_cast<int>(tokens / shape.seq_len);
  shape.tp = tp;
  shape.bytes_per_element = 2;
  shape.flash_attention = true;
  const LayerOps layer = transformer_layer_ops(m, shape);
  const auto take = [&](const std::vector<Op>& ops) {
    for (const Op& op : ops)
      if (op.kind == OpKind::gemm && op.batch == 1) out.insert({op.m, op.n, op.k});
  };
  take(layer.attention_forward);
  take(layer.mlp_forward);
  take(layer.attention_backward);
  take(layer.mlp_backward);
  take(head_forward_ops(m, shape));
  take(head_backward_ops(m, shape));
}

}  // namespace

const char* to_string(CalibrationGrid g) { return g == CalibrationGrid::full ? "full" : "quick"; }

std::vector<int> calibration_tp_degrees(const ModelSpec& m) {
  std::vector<int> out;
  for (int tp : {1, 2, 4, 8})
    if (m.heads % tp == 0 && m.kv_heads % tp == 0 && m.ffn_hidden % tp == 0) out.push_back(tp);
  return out;
}

CalibrationPlan make_calibration_plan(CalibrationGrid grid, const std::vector<ModelSpec>& models) {
  const bool full = grid == CalibrationGrid::full;
  CalibrationPlan plan;
  plan.grid = grid;
  for (double v : log_sizes(7, 14, 1, full)) plan.grid_axis.push_back(static_cast<std::int64_t>(v));
  plan.grid_precisions = {Precision::bf16, Precision::fp16, Precision::tf32, Precision::fp8};
  plan.transformer_precisions = full ? std::vector<Precision>{Precision::bf16, Precision::fp16, Precision::fp8}
                                     : std::vector<Precision>{Precision::bf16};

  const std::vector<std::int64_t> tokens =
      full ? std::vector<std::int64_t>{1024, 2048, 4096, 8192, 16384} : std::vector<std::int64_t>{2048, 4096, 8192};
  const std::vector<std::int64_t> seqs =
      full ? std::vector<std::int64_t>{1024, 2048, 4096, 8192} : std::vector<std::int64_t>{2048, 4096};

  std::set<std::tuple<std::int64_t, std::int64_t, std::int64_t>> gemms;
  std::set<std::tuple<std::int64_t, std::int64_t, std::int64_t>> attention;
  for (const ModelSpec& m : models) {
    check_model_spec(m);
    for (int tp : calibration_tp_degrees(m)) {
      for (std::int64_t t : tokens) add_transformer_gemms(m, tp, t, gemms);
      for (std::int64_t s : seqs)
        if (m.max_seq_len <= 0 || s <= m.max_seq_len) attention.insert({m.heads / tp, s, m.hidden / m.heads});
    }
  }
  for (const auto& [m, n, k] : gemms) {
    if (on_axis(plan.grid_axis, m) && on_axis(plan.grid_axis, n) && on_axis(plan.grid_axis, k)) continue;
    plan.transformer_gemms.push_back({m, n, k, 1, GemmOrigin::transformer});
  }
  std::set<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t>> batched;
  for (const auto& [bh, s, d] : attention) {
    plan.attention.push_back({bh, s, d});
    batched.insert({s, s, d, bh});   // Q K^T, and dP = dO V^T
    batched.insert({s, d, s, bh});   // P V, and dV, dQ, dK
  }
  for (const auto& [m, n, k, b] : batched) plan.attention_gemms.push_back({m, n, k, b, GemmOrigin::attention});

  plan.stream_bytes = log_sizes(20, 32, 1, full);                   // 1 MiB .. 4 GiB
  const std::vector<std::int64_t> rows =
      full ? std::vector<std::int64_t>{2048, 4096, 8192, 16384, 32768} : std::vector<std::int64_t>{2048, 8192, 32768};
  for (std::int64_t r : rows)
    for (std::int64_t c : {1024, 4096, 8192, 16384}) plan.elementwise.push_back({r, c});
  plan.host_bytes = log_sizes(16, 30, full ? 1 : 2, false);         // 64 KiB .. 1 GiB
  plan.collective_bytes = log_sizes(10, 30, full ? 1 : 2, false);   // 1 KiB .. 1 GiB
  if (full) {
    plan.min_reps = 20;
    plan.max_reps = 400;
    plan.target_ms_per_point = 100;
  }
  return plan;
}

int repetitions_for(const CalibrationPlan& plan, double estimate_us) {
  if (!(estimate_us > 0)) return plan.max_reps;
  const double wanted = std::ceil(plan.target_ms_per_point * 1000 / estimate_us);
  return static_cast<int>(std::clamp(wanted, static_cast<double>(plan.min_reps), static_cast<double>(plan.max_reps)));
}

MeasuredTime summarize_samples(std::vector<double> samples_us) {
  if (samples_us.empty()) throw std::invalid_argument("summarize_samples: no samples");
  for (double v : samples_us)
    if (!(std::isfinite(v) && v > 0)) throw std::invalid_argument("summarize_samples: a time must be > 0 and finite");
  std::sort(samples_us.begin(), samples_us.end());
  const auto at = [&](double q) {
    const double rank = q * static_cast<double>(samples_us.size() - 1);
    const std::size_t lo = static_cast<std::size_t>(std::floor(rank));
    const std::size_t hi = std::min(lo + 1, samples_us.size() - 1);
    return samples_us[lo] + (rank - static_cast<double>(lo)) * (samples_us[hi] - samples_us[lo]);
  };
  return {at(0.5), at(0.1), at(0.9), static_cast<int>(samples_us.size())};
}

std::vector<GemmShape> gemm_shapes_for(const CalibrationPlan& plan, Precision p) {
  std::vector<GemmShape> out;
  const auto has = [](const std::vector<Precision>& v, Precision q) { return std::find(v.begin(), v.end(), q) != v.end(); };
  if (has(plan.grid_precisions, p))
    for (std::int64_t m : plan.grid_axis)
      for (std::int64_t n : plan.grid_axis)
        for (std::int64_t k : plan.grid_axis) out.push_back({m, n, k, 1, GemmOrigin::grid});
  if (has(plan.transformer_precisions, p)) {
    out.insert(out.end(), plan.transformer_gemms.begin(), plan.transformer_gemms.end());
    // Attention stays in 16-bit precision even in FP8 training.
    if (p != Precision::fp8) out.insert(out.end(), plan.attention_gemms.begin(), plan.attention_gemms.end());
  }
  if (p == Precision::fp8)
    std::erase_if(out, [](const GemmShape& g) { return g.m % 16 != 0 || g.n % 16 != 0 || g.k % 16 != 0; });
  return out;
}

}  // namespace orrery
