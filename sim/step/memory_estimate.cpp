#include "sim/step/memory_estimate.hpp"

#include <algorithm>

#include "models/memory.hpp"
#include "models/parameters.hpp"
#include "sim/step/pipeline_schedule.hpp"

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
  const auto& par = s.parallelism;
  const bool wide = is_32bit(s.training.precision);
  const double weight_bytes = wide ? 4 : 2, grad_bytes = weight_bytes;
  const bool adam = s.training.optimizer == "adam";
  const double optimizer_bytes = wide ? (adam ? 8 : 4) : (adam ? 12 : 8);
  const Recompute recompute = par.recompute == "full"        ? Recompute::full
                              : par.recompute == "selective" ? Recompute::selective
                                                             : Recompute::none;
  const bool seq_par = par.sp && par.tp > 1;
  const LayerShape shape = layer_shape(s);
  const double per_layer_kept = activation_bytes_per_layer(s.model, shape, recompute, seq_par);
  const double per_layer_full = activation_bytes_per_layer(s.model, shape, Recompute::none, seq_par);
  const int m = par.microbatches(s.training.global_batch);
  const int v = par.schedule == "interleaved" ? par.vpp : 1;
  const double tokens = static_cast<double>(shape.micro_batch) * shape.seq_len;
  // ZeRO shards over the data-parallel group: 1 the optimizer states,
  // 2 also the gradients, 3 also the weights.
  const double dp = layout.dp();
  const int zero = par.zero;
  const double layer_params = count_parameters(s.model).per_layer / par.tp;

  std::vector<StageMemory> out;
  for (int stage = 0; stage < layout.pp(); ++stage) {
    StageMemory mem;
    mem.stage = stage;
    mem.layers = layout.stage_span(stage).layers;
    const double params = stage_parameters_per_rank(s, layout, stage);
    mem.weights_gib = params * weight_bytes / (zero >= 3 ? dp : 1) / kGib;
    mem.gradients_gib = params * grad_bytes / (zero >= 2 ? dp : 1) / kGib;
    mem.optimizer_gib = params * optimizer_bytes / (zero >= 1 ? dp : 1) / kGib;
    // Activations of the microbatch-chunks the schedule keeps in flight
    // (1F1B: min(pp - stage, m) microbatches; GPipe: m; interleaved: more).
    const int chunks_in_flight = peak_chunks_in_flight(pipeline_order(par.schedule, layout.pp(), v, m, stage));
    mem.activations_gib = per_layer_kept * (static_cast<double>(mem.layers) / v) * chunks_in_flight / kGib;
    // Two gradient buckets in flight, never more than the gradients themselves.
    const double bucket = std::min(par.grad_bucket_mib * 1024 * 1024, params * grad_bytes);
    double buffers = kFrameworkAllowanceGib * kGib + (zero >= 3 ? 0.0 : 2.0 * bucket);
    // ZeRO 3: the layer in use and the one prefetched, gathered whole, and its gradients before the reduce-scatter.
    if (zero >= 3) buffers += 2 * layer_params * weight_bytes + layer_params * grad_bytes;
    if (recompute == Recompute::full && mem.layers > 0) buffers += per_layer_full;
    if (stage == layout.pp() - 1) buffers += tokens * s.model.vocab / par.tp * 4.0;
    mem.buffers_gib = buffers / kGib;
    mem.peak_gib = mem.weights_gib + mem.gradients_gib + mem.optimizer_gib + mem.activations_gib + mem.buffers_gib;
    mem.capacity_gib = s.cluster.accelerator.hbm_gib;
    out.push_back(mem);
  }
  return out;
}

}  // namespace orrery
