#include "sim/step/memory_estimate.hpp"

#include <algorithm>
#include <string>

#include "models/memory.hpp"
#include "models/parameters.hpp"
#include "sim/step/pipeline_schedule.hpp"

namespace orrery {
namespace {

constexpr double kGib = 1024.0 * 1024.0 * 1024.0;

// Layers [first, first + n) of a MoE model that have experts.
int moe_layers_in(const ModelSpec& m, int first, int n) {
  if (!m.moe()) return 0;
  return std::max(0, first + n - std::max(first, m.dense_layers));
}

}  // namespace

LayerShape layer_shape(const Scenario& s) {
  LayerShape shape;
  shape.micro_batch = s.parallelism.micro_batch;
  shape.seq_len = s.training.seq_len;
  shape.tp = s.parallelism.tp;
  shape.cp = s.parallelism.cp;
  shape.ep = s.parallelism.ep;
  shape.bytes_per_element = training_bytes(s.training.precision);
  shape.flash_attention = s.training.flash_attention;
  shape.fused_cross_entropy = s.training.fused_cross_entropy;
  return shape;
}

StageParameters stage_parameter_split(const Scenario& s, const RankLayout& layout, int stage) {
  const ParameterCount pc = count_parameters(s.model);
  const double tp = s.parallelism.tp;
  const StageSpan span = layout.stage_span(stage);
  StageParameters out;
  if (!s.model.moe()) {
    out.dense = pc.per_layer * span.layers / tp;
  } else {
    // Routed experts per MoE layer; the router and shared experts stay whole.
    const double routed = pc.expert_per_layer * s.model.layers / s.model.moe_layers();
    const int moe = moe_layers_in(s.model, span.first_layer, span.layers);
    out.dense = ((span.layers - moe) * pc.dense_layer + moe * (pc.moe_layer - routed)) / tp;
    out.expert = moe * routed / (tp * s.parallelism.ep);
  }
  if (stage == 0) out.dense += pc.embedding / tp + pc.position;
  if (stage == layout.pp() - 1) {
    out.dense += pc.final_norm;
    // A tied output layer needs its own copy of the embedding when the
    // embedding lives on another stage (Megatron keeps one on each end).
    if (!s.model.tied_embeddings) out.dense += pc.output / tp;
    else if (layout.pp() > 1) out.dense += pc.embedding / tp;
  }
  return out;
}

double stage_parameters_per_rank(const Scenario& s, const RankLayout& layout, int stage) {
  return stage_parameter_split(s, layout, stage).total();
}

double main_grad_bytes(const Scenario& s) {
  const Precision p = s.training.precision;
  const double param = training_bytes(p);
  const std::string& mode = s.parallelism.main_grad;
  if (mode == "fp32") return 4;
  if (mode == "param") return param;
  return p == Precision::bf16 || p == Precision::fp8 ? 4 : param;
}

double grad_accumulation_bytes(const Scenario& s) {
  const std::string& mode = s.parallelism.grad_accumulation;
  const double e = training_bytes(s.training.precision), m = main_grad_bytes(s);
  if (mode == "add") return e + 2 * m;
  if (mode == "cast_add") return e + 4 * m;
  return 0;
}

std::vector<StageMemory> estimate_memory(const Scenario& s, const RankLayout& layout) {
  const auto& par = s.parallelism;
  const ModelSpec& model = s.model;
  const double weight_bytes = training_bytes(s.training.precision), grad_bytes = main_grad_bytes(s);
  const bool wide = weight_bytes == 4;
  // DeepSpeed's BF16_Optimizer keeps the 16-bit gradients of the whole stage
  // until update_hp_grads adds them after the backward.
  const double held_grad_bytes = s.parallelism.grad_accumulation == "cast_add" ? weight_bytes : 0;
  const bool adam = s.training.optimizer == "adam";
  const double optimizer_bytes = wide ? (adam ? 8 : 4) : (adam ? 12 : 8);
  const Recompute recompute = par.recompute == "full"        ? Recompute::full
                              : par.recompute == "selective" ? Recompute::selective
                                                             : Recompute::none;
  const bool seq_par = par.sp && par.tp > 1;
  const LayerShape shape = layer_shape(s);
  // Per layer kind: a MoE model's first dense_layers layers have a dense MLP.
  const int dense_index = 0, moe_index = model.layers - 1;
  const double dense_kept = activation_bytes_of_layer(model, shape, dense_index, recompute, seq_par);
  const double dense_full = activation_bytes_of_layer(model, shape, dense_index, Recompute::none, seq_par);
  const double moe_kept = model.moe() ? activation_bytes_of_layer(model, shape, moe_index, recompute, seq_par) : 0.0;
  const double moe_full = model.moe() ? activation_bytes_of_layer(model, shape, moe_index, Recompute::none, seq_par) : 0.0;
  const int m = par.microbatches(s.training.global_batch);
  const int v = par.schedule == "interleaved" ? par.vpp : 1;
  // The logits of this rank's tokens: seq_len / cp of each sequence.
  const double tokens = static_cast<double>(shape.micro_batch) * shape.seq_len / par.cp;
  // ZeRO shards over the group that reduces the gradients (Megatron's
  // distributed optimizer): dp x cp for the non-expert parameters, the
  // expert-data-parallel group dp x cp / ep for the routed experts.
  // 1 shards the optimizer states, 2 also the gradients, 3 also the weights.
  const double dp = static_cast<double>(layout.dp()) * par.cp;
  const double expert_dp = dp / par.ep;
  const int zero = par.zero;
  const ParameterCount pc = count_parameters(model);
  // The largest layer one rank holds (ZeRO 3 gathers it whole).
  double layer_params = pc.per_layer / par.tp;
  if (model.moe()) {
    const double routed = pc.expert_per_layer * model.layers / model.moe_layers();
    layer_params = std::max(pc.dense_layer, pc.moe_layer - routed + routed / par.ep) / par.tp;
  }
  // Expert gradients get their own buckets when they reduce over their own group.
  const bool expert_buckets = model.moe() && par.ep > 1;

  std::vector<StageMemory> out;
  for (int stage = 0; stage < layout.pp(); ++stage) {
    StageMemory mem;
    mem.stage = stage;
    const StageSpan span = layout.stage_span(stage);
    mem.layers = span.layers;
    const StageParameters p = stage_parameter_split(s, layout, stage);
    const double params = p.total();
    const auto sharded = [&](double bytes, bool shard) {
      return shard ? p.dense * bytes / dp + p.expert * bytes / expert_dp : params * bytes;
    };
    mem.weights_gib = sharded(weight_bytes, zero >= 3) / kGib;
    mem.gradients_gib = (sharded(grad_bytes, zero >= 2) + params * held_grad_bytes) / kGib;
    mem.optimizer_gib = sharded(optimizer_bytes, zero >= 1) / kGib;
    // Activations of the microbatch-chunks the schedule keeps in flight
    // (1F1B: min(pp - stage, m) microbatches; GPipe: m; interleaved: more).
    const int chunks_in_flight = peak_chunks_in_flight(pipeline_order(par.schedule, layout.pp(), v, m, stage));
    const int moe_layers = moe_layers_in(model, span.first_layer, span.layers);
    const int dense_layers = mem.layers - moe_layers;
    mem.activations_gib = (dense_kept * (static_cast<double>(dense_layers) / v) +
                           moe_kept * (static_cast<double>(moe_layers) / v)) *
                          chunks_in_flight / kGib;
    // Two gradient buckets in flight, never more than the gradients themselves.
    const double bucket_cap = par.grad_bucket_mib * 1024 * 1024;
    const double buckets = expert_buckets ? 2.0 * std::min(bucket_cap, p.dense * grad_bytes) +
                                                2.0 * std::min(bucket_cap, p.expert * grad_bytes)
                                          : 2.0 * std::min(bucket_cap, params * grad_bytes);
    double buffers = kFrameworkAllowanceGib * kGib + (zero >= 3 ? 0.0 : buckets);
    // ZeRO 3: the layer in use and the one prefetched, gathered whole, and its gradients before the reduce-scatter.
    if (zero >= 3) buffers += 2 * layer_params * weight_bytes + layer_params * grad_bytes;
    if (recompute == Recompute::full && mem.layers > 0)
      buffers += moe_layers > 0 ? std::max(moe_full, dense_layers > 0 ? dense_full : 0.0) : dense_full;
    if (stage == layout.pp() - 1) buffers += tokens * model.vocab / par.tp * 4.0;
    mem.buffers_gib = buffers / kGib;
    mem.peak_gib = mem.weights_gib + mem.gradients_gib + mem.optimizer_gib + mem.activations_gib + mem.buffers_gib;
    mem.capacity_gib = s.cluster.accelerator.hbm_gib;
    out.push_back(mem);
  }
  return out;
}

}  // namespace orrery
