#pragma once
// What `orrery-calib run` measures: the shapes and sizes of every benchmark,
// decided on the host (and tested) before any GPU is touched.
//
// GEMMs: a log-spaced M x N x K grid (the interpolation nodes) per precision,
// then the exact GEMMs that transformer layers of the catalog models produce
// (models/transformer.hpp: QKV, attention output, MLP in and out, the
// logits; forward, input gradient and weight gradient) at TP 1, 2, 4, 8 and a
// few token counts, and the batched GEMMs of unfused attention. Shapes that
// are already grid nodes are measured once, as grid points.
#include <cstdint>
#include <string>
#include <vector>

#include "hardware/calibration_profile.hpp"
#include "models/model_spec.hpp"

namespace orrery {

enum class CalibrationGrid { quick, full };
const char* to_string(CalibrationGrid g);

struct GemmShape {
  std::int64_t m = 0, n = 0, k = 0, batch = 1;
  GemmOrigin origin = GemmOrigin::grid;
  bool operator==(const GemmShape&) const = default;
};

struct AttentionShape {
  std::int64_t batch_heads = 0, seq = 0, head_dim = 0;
  bool operator==(const AttentionShape&) const = default;
};

struct ElementwiseShape {
  std::int64_t rows = 0, cols = 0;
};

struct CalibrationPlan {
  CalibrationGrid grid = CalibrationGrid::quick;
  std::vector<std::int64_t> grid_axis;          // M, N and K all take these values
  std::vector<Precision> grid_precisions;       // bf16, fp16, tf32, fp8 (fp8 where the GPU has it)
  std::vector<Precision> transformer_precisions;
  std::vector<GemmShape> transformer_gemms;     // sorted, unique, none on the grid
  std::vector<GemmShape> attention_gemms;       // batched (QK^T, P V and their gradients)
  std::vector<AttentionShape> attention;
  std::vector<double> stream_bytes;             // read / write / copy buffer sizes
  std::vector<ElementwiseShape> elementwise;    // rows (tokens) x cols (width), bf16
  std::vector<double> host_bytes;               // pinned H2D / D2H
  std::vector<double> collective_bytes;
  // Repetitions: warm-up launches, then enough timed ones to fill
  // target_ms_per_point, within [min_reps, max_reps].
  int warmup = 3;
  int min_reps = 10;
  int max_reps = 200;
  double target_ms_per_point = 40;
};

// Throws std::invalid_argument when a model fails check_model_spec.
CalibrationPlan make_calibration_plan(CalibrationGrid grid, const std::vector<ModelSpec>& models);

// All GEMMs of the plan for one precision, grid first. fp8 keeps only shapes
// whose extents are multiples of 16 (cuBLASLt's FP8 rule).
std::vector<GemmShape> gemm_shapes_for(const CalibrationPlan& plan, Precision p);

// The tensor-parallel degrees a model allows among 1, 2, 4, 8 (heads, kv
// heads and the ffn width divisible).
std::vector<int> calibration_tp_degrees(const ModelSpec& m);

// How many timed repetitions a point gets after its warm-up, from one timed
// launch of `estimate_us`: enough to fill target_ms_per_point, clamped to
// [min_reps, max_reps].
int repetitions_for(const CalibrationPlan& plan, double estimate_us);

// Median and 10th / 90th percentiles of per-launch times (linear
// interpolation between order statistics). Throws std::invalid_argument on
// no samples or a sample that is not a positive finite time.
MeasuredTime summarize_samples(std::vector<double> samples_us);

}  // namespace orrery
