#pragma once
// Peak memory per rank of each pipeline stage, before any simulation: a plan
// that does not fit is reported with the numbers, never silently simulated.
//
//   weights + gradients + optimizer states   (bytes per parameter below;
//   ZeRO 1 shards the optimizer states over dp x cp, 2 also the gradients,
//   3 also the weights; the routed experts, divided by tp x ep, shard over
//   the expert-data-parallel group dp x cp / ep)
// + activations of the microbatches in flight, counted from the schedule
//   (pipeline_schedule.hpp; 1F1B: stage i holds min(pp - i, m) microbatches,
//   GPipe m, interleaved (v chunks) on stage 0 (1 + (pp-1)/(pp v)) pp
//   microbatches' worth when m >= pp; per layer per microbatch from
//   activation_bytes_of_layer, Korthikanti et al. 2022, with sequence
//   parallelism and selective recompute; divided by cp; a MoE model's dense
//   and MoE layers each counted with their own MLP)
// + buffers: a fixed framework allowance (CUDA context, cuBLAS workspace,
//   allocator fragmentation), two gradient buckets (ZeRO 3: two gathered
//   layers and one layer's gradients instead), and on the last stage the
//   fp32 logits of one microbatch; with full recompute, one layer's full
//   activations re-materialized during its backward.
//
// Bytes per parameter before sharding:
//   16-bit training: weights 2, gradients main_grad_bytes (4 for bf16, 2 for
//     fp16 under "auto"), Adam 12 (fp32 master, m, v) or SGD 8 (master, momentum);
//     with grad_accumulation cast_add also the 16-bit gradients (2), held
//     from each backward until they are added
//   32-bit training: weights 4, gradients 4, Adam 8 (m, v) or SGD 4 (momentum)
#include <vector>

#include "models/transformer.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/step/rank_layout.hpp"
#include "sim/step/step_result.hpp"

namespace orrery {

inline constexpr double kFrameworkAllowanceGib = 1.0;

// Parameters held by one rank of `stage`: its layers / tp, plus the
// embedding on the first stage and the output layer on the last; of them,
// `expert` are the routed experts of its MoE layers / (tp x ep), reduced
// over the expert-data-parallel group, `dense` the rest, reduced over dp x cp.
// Expert and context parallelism are read from s.parallelism.
struct StageParameters {
  double dense = 0;
  double expert = 0;
  double total() const { return dense + expert; }
};
StageParameters stage_parameter_split(const Scenario& s, const RankLayout& layout, int stage);

// One layer's shape on one rank of the scenario's plan (micro batch,
// sequence, tp, cp, ep, element size, flash attention): what the memory
// estimate and the step program both size the layer with.
LayerShape layer_shape(const Scenario& s);
double stage_parameters_per_rank(const Scenario& s, const RankLayout& layout, int stage);

// Bytes per parameter of the gradient buffer (parallelism.main_grad: fp32
// for bf16 and fp8 training under "auto"), which data parallelism reduces.
double main_grad_bytes(const Scenario& s);

// Bytes of HBM traffic per parameter that each microbatch's backward spends
// accumulating its gradients into that buffer (parallelism.grad_accumulation),
// with e the training precision's bytes and m the buffer's:
//   fused 0 (inside the weight-gradient GEMM), add e + 2m (read the gradient,
//   read and write the buffer), cast_add e + 4m (write an m-byte copy of the
//   gradient, then read it and read and write the buffer).
double grad_accumulation_bytes(const Scenario& s);

std::vector<StageMemory> estimate_memory(const Scenario& s, const RankLayout& layout);

}  // namespace orrery
