#pragma once
// Peak memory per rank of each pipeline stage, before any simulation: a plan
// that does not fit is reported with the numbers, never silently simulated.
//
//   weights + gradients + optimizer states   (bytes per parameter below)
// + activations of the microbatches in flight (1F1B: stage i holds
//   min(pp - i, m) microbatches; per layer per microbatch from
//   activation_bytes_per_layer, Korthikanti et al. 2022)
// + buffers: a fixed framework allowance (CUDA context, cuBLAS workspace,
//   allocator fragmentation), two gradient buckets, and on the last stage the
//   fp32 logits of one microbatch; with full recompute, one layer's full
//   activations re-materialized during its backward.
//
// Bytes per parameter (no ZeRO; ZeRO arrives with a later issue):
//   16-bit training: weights 2, gradients 2, Adam 12 (fp32 master, m, v) or SGD 8 (master, momentum)
//   32-bit training: weights 4, gradients 4, Adam 8 (m, v) or SGD 4 (momentum)
#include <vector>

#include "sim/scenario/scenario.hpp"
#include "sim/step/rank_layout.hpp"
#include "sim/step/step_result.hpp"

namespace orrery {

inline constexpr double kFrameworkAllowanceGib = 1.0;

// Parameters held by one rank of `stage` (its layers / tp, plus the
// embedding on the first stage and the output layer on the last).
double stage_parameters_per_rank(const Scenario& s, const RankLayout& layout, int stage);

std::vector<StageMemory> estimate_memory(const Scenario& s, const RankLayout& layout);

}  // namespace orrery
