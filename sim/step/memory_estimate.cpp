#include "sim/step/memory_estimate.hpp"

#include <algorithm>

#include "models/memory.hpp"
#include "models/parameters.hpp"

namespace orrery {
namespace {

constexpr double kGib = 1024.0 * 1024.0 * 1024.0;

bool is_32bit(Precision p) { return p == Precision::fp32 || p == Precision::tf32; }

LayerShape layer_shape(const Scenario& s) {
  LayerShape shape;
  shape.micro_batch = s.parallelism.micro_batch;
  shape.seq_len = s.training.seq_len;
  shape.tp = s.parallelism.tp;
  shape.bytes_per_element = is_32bit(s.training.precision) ? 4 : 2;
  shape.flash_attention = s.training.flash_attention;
  return shape;
}

}  // namespace

double stage_parameters_per_rank(const Scenario& s, const RankLayout& layout, int stage) {
  const ParameterCount pc = count_parameters(s.model);
  const double tp = s.parallelism.tp;
  double params = pc.per_layer * layout.stage_span(stage).layers / tp;
  if (stage == 0) params += pc.embedding / tp + pc.position;
  if (stage == layout.pp() - 1) {
    params += pc.final_norm;
    // A tied output layer needs its own copy of the embedding when the
    // embedding lives on another stage (Megatron keeps one on each end).
    if (!s.model.tied_embeddings) params += pc.output / tp;
    else if (layout.pp() > 1) params += pc.embedding / tp;
  }
  return params;
}

std::vector<StageMemory> estimate_memory(const Scenario& s, const RankLayout& layout) {
  const bool wide = is_32bit(s.training.precision);
  const double weight_bytes = wide ? 4 : 2, grad_bytes = weight_bytes;
  const bool adam = s.training.optimizer == "adam";
  const double optimizer_bytes = wide ? (adam ? 8 : 4) : (adam ? 12 : 8);
  const Recompute recompute = s.parallelism.recompute == "full" ? Recompute::full : Recompute::none;
  const LayerShape shape = layer_shape(s);
  const double per_layer_kept = activation_bytes_per_layer(s.model, shape, recompute);
  const double per_layer_full = activation_bytes_per_layer(s.model, shape, Recompute::none);
  const int m = s.parallelism.microbatches(s.training.global_batch);
  const double tokens = static_cast<double>(shape.micro_batch) * shape.seq_len;

  std::vector<StageMemory> out;
  for (int stage = 0; stage < layout.pp(); ++stage) {
    StageMemory mem;
    mem.stage = stage;
    mem.layers = layout.stage_span(stage).layers;
    const double params = stage_parameters_per_rank(s, layout, stage);
    mem.weights_gib = params * weight_bytes / kGib;
    mem.gradients_gib = params * grad_bytes / kGib;
    mem.optimizer_gib = params * optimizer_bytes / kGib;
    const int in_flight = std::min(layout.pp() - stage, m);
    mem.activations_gib = per_layer_kept * mem.layers * in_flight / kGib;
    // Two gradient buckets in flight, never more than the gradients themselves.
    const double bucket = std::min(s.parallelism.grad_bucket_mib * 1024 * 1024, params * grad_bytes);
    double buffers = kFrameworkAllowanceGib * kGib + 2.0 * bucket;
    if (recompute == Recompute::full && mem.layers > 0) buffers += per_layer_full;
    if (stage == layout.pp() - 1) buffers += tokens * s.model.vocab / s.parallelism.tp * 4.0;
    mem.buffers_gib = buffers / kGib;
    mem.peak_gib = mem.weights_gib + mem.gradients_gib + mem.optimizer_gib + mem.activations_gib + mem.buffers_gib;
    mem.capacity_gib = s.cluster.accelerator.hbm_gib;
    out.push_back(mem);
  }
  return out;
}

}  // namespace orrery
