#include "sim/step/step_program.hpp"

#include <algorithm>
#include <string_view>
#include <fmt/format.h>

#include "models/parameters.hpp"
#include "models/transformer.hpp"
#include "sim/engine/sim_time.hpp"
#include "sim/step/memory_estimate.hpp"
#include "sim/step/pipeline_schedule.hpp"

namespace orrery {
namespace {

KernelWork to_kernel(const Op& op) {
  KernelWork w;
  w.kind = op.kind == OpKind::gemm ? KernelKind::gemm
           : op.kind == OpKind::attention ? KernelKind::attention : KernelKind::memory_bound;
  w.flops = op.flops;
  w.bytes = op.bytes;
  w.m = op.m; w.n = op.n; w.k = op.k; w.batch = op.batch;
  return w;
}

struct Block {
  double seconds = 0;
  double flops = 0;
};

Block time_ops(const std::vector<Op>& ops, const KernelTimer& timer, Precision p) {
  Block b;
  for (const Op& op : ops) {
    b.seconds += timer.seconds(to_kernel(op), p);
    b.flops += op.flops;
  }
  return b;
}

// Selective recompute re-runs the attention core: the ops transformer.cpp
// names "attn_core" (flash attention) or "alibi_bias", "attn_scores", "softmax",
// "attn_dropout", "attn_context" (unfused). Selected by name so the op list
// needs no recompute flag.
std::vector<Op> attention_core_ops(const std::vector<Op>& attention_forward) {
  static constexpr std::string_view kCore[] = {"attn_core", "alibi_bias", "attn_scores", "softmax", "attn_dropout",
                                               "attn_context"};
  std::vector<Op> out;
  for (const Op& op : attention_forward)
    if (std::find(std::begin(kCore), std::end(kCore), std::string_view(op.name)) != std::end(kCore)) out.push_back(op);
  return out;
}

// Builds one stage's list. Labels are interned in the program.
class StageBuilder {
public:
  StageBuilder(StepProgram& prog, StageProgram& out, bool merge_compute)
      : prog_(prog), out_(out), merge_(merge_compute) {}

  std::uint8_t label(const std::string& name) {
    auto it = std::find(prog_.labels.begin(), prog_.labels.end(), name);
    if (it != prog_.labels.end()) return static_cast<std::uint8_t>(it - prog_.labels.begin());
    prog_.labels.push_back(name);
    return static_cast<std::uint8_t>(prog_.labels.size() - 1);
  }

  // Consecutive compute with no communication between is one instruction
  // when `merge` is on (tp = 1): fewer events, same timeline.
  void compute(const std::string& name, const Block& b, const char* merged_name) {
    const std::int64_t ns = SimTime::from_seconds(b.seconds).ns();
    out_.hardware_flops += b.flops;
    out_.compute_s += static_cast<double>(ns) * 1e-9;
    if (merge_ && !out_.instrs.empty() && out_.instrs.back().kind == InstrKind::compute) {
      out_.instrs.back().value += ns;
      out_.instrs.back().label = label(merged_name);
      return;
    }
    out_.instrs.push_back({InstrKind::compute, label(name), 0, 0, ns});
  }
  void comm(InstrKind kind, const std::string& name, std::uint32_t aux, double bytes, int chunk = 0) {
    out_.instrs.push_back({kind, label(name), static_cast<std::uint16_t>(chunk), aux, static_cast<std::int64_t>(bytes)});
  }

private:
  StepProgram& prog_;
  StageProgram& out_;
  bool merge_;
};

// A layer's ops split where it communicates: the attention block around its
// core (the context-parallel ring) and, for a MoE layer, the MLP around the
// all-to-alls.
struct TimedLayer {
  bool moe = false;
  Block attn_f, attn_b, mlp_f, mlp_b;            // whole blocks
  Block attn_pre_f, attn_core_f, attn_post_f;    // attention forward around attn_core (cp > 1)
  Block attn_pre_b, attn_core_b, attn_post_b;    // attention backward around attn_core_bwd (cp > 1)
  Block attn_recompute;                          // the attention core ops (selective recompute)
  Block router_f, experts_f, combine_f;          // MoE forward (router + shared experts first)
  Block router_b, experts_b, combine_b;          // MoE backward (shared experts + router last)
  double dispatch_bytes = 0;
  double kv_block_bytes = 0;
  double dense_params = 0;                       // per rank, reduced over dp x cp
  double expert_params = 0;                      // per rank, reduced over the expert-DP group
};

// Ops before `name`, the op itself, and the ops after it.
void split_at(const std::vector<Op>& ops, const char* name, const KernelTimer& timer, Precision p, Block& pre,
              Block& at, Block& post) {
  std::vector<Op> a, b, c;
  bool seen = false;
  for (const Op& op : ops) {
    if (std::string_view(op.name) == name) {
      b.push_back(op);
      seen = true;
    } else {
      (seen ? c : a).push_back(op);
    }
  }
  pre = time_ops(a, timer, p);
  at = time_ops(b, timer, p);
  post = time_ops(c, timer, p);
}

TimedLayer time_layer(const ModelSpec& m, const LayerShape& shape, int layer_index, const KernelTimer& timer,
                      Precision p) {
  const LayerOps ops = transformer_layer_ops(m, shape, layer_index);
  TimedLayer t;
  t.moe = ops.moe;
  t.attn_f = time_ops(ops.attention_forward, timer, p);
  t.mlp_f = time_ops(ops.mlp_forward, timer, p);
  t.attn_b = time_ops(ops.attention_backward, timer, p);
  t.mlp_b = time_ops(ops.mlp_backward, timer, p);
  t.attn_recompute = time_ops(attention_core_ops(ops.attention_forward), timer, p);
  if (ops.cp_steps > 1) {
    split_at(ops.attention_forward, "attn_core", timer, p, t.attn_pre_f, t.attn_core_f, t.attn_post_f);
    split_at(ops.attention_backward, "attn_core_bwd", timer, p, t.attn_pre_b, t.attn_core_b, t.attn_post_b);
    t.kv_block_bytes = ops.kv_block_bytes;
  }
  if (ops.moe) {
    auto joined = [](std::vector<Op> a, const std::vector<Op>& b) {
      a.insert(a.end(), b.begin(), b.end());
      return a;
    };
    t.router_f = time_ops(joined(ops.router_forward, ops.shared_forward), timer, p);
    t.experts_f = time_ops(ops.experts_forward, timer, p);
    t.combine_f = time_ops(ops.combine_forward, timer, p);
    t.combine_b = time_ops(ops.combine_backward, timer, p);
    t.experts_b = time_ops(ops.experts_backward, timer, p);
    t.router_b = time_ops(joined(ops.shared_backward, ops.router_backward), timer, p);
    t.dispatch_bytes = ops.dispatch_bytes;
  }
  return t;
}

}  // namespace

StepProgram build_step_program(const Scenario& s, const RankLayout& layout, const KernelTimer& timer,
                               bool forward_only) {
  const auto& par = s.parallelism;
  const Precision prec = s.training.precision;
  const bool wide = training_bytes(prec) == 4;
  const LayerShape shape = layer_shape(s);   // the layout is built from s.parallelism: same cp, ep

  const ModelSpec& model = s.model;
  const ParameterCount pc = count_parameters(model);
  const bool moe_model = model.moe();
  const int cp = layout.cp(), ep = layout.ep();
  // Expert gradients reduce over their own group only with ep > 1 (with
  // ep = 1 the expert-DP group is the DP group: one stream, as for a dense model).
  const bool expert_stream = moe_model && ep > 1;
  // Layer kinds: a dense model has one; a MoE model its first dense_layers
  // layers dense, the rest MoE.
  TimedLayer dense_layer = time_layer(model, shape, 0, timer, prec);
  TimedLayer moe_layer;
  if (moe_model) moe_layer = time_layer(model, shape, model.layers - 1, timer, prec);
  if (!moe_model) {
    dense_layer.dense_params = pc.per_layer / par.tp;
  } else {
    const double routed = pc.expert_per_layer * model.layers / model.moe_layers();
    dense_layer.dense_params = pc.dense_layer / par.tp;
    moe_layer.dense_params = (pc.moe_layer - routed) / par.tp;
    moe_layer.expert_params = routed / (par.tp * ep);
    if (!expert_stream) {
      moe_layer.dense_params += moe_layer.expert_params;
      moe_layer.expert_params = 0;
    }
  }
  auto layer_at = [&](int global_index) -> const TimedLayer& {
    return model.is_moe_layer(global_index) ? moe_layer : dense_layer;
  };
  const Block embed_f = time_ops(embedding_forward_ops(model, shape), timer, prec);
  const Block embed_b = time_ops(embedding_backward_ops(model, shape), timer, prec);
  const Block head_f = time_ops(head_forward_ops(model, shape), timer, prec);
  const Block head_b = time_ops(head_backward_ops(model, shape), timer, prec);

  // This rank's tokens of the microbatch: seq_len / cp of each sequence.
  const double activation_bytes =
      static_cast<double>(par.micro_batch) * (s.training.seq_len / cp) * model.hidden * shape.bytes_per_element;
  // Megatron's scatter/gather optimisation (and DeepSpeed's partitioned
  // pipeline tensors): each TP rank sends 1/tp of the activation to its peer
  // in the next stage, and the receiving TP group all-gathers it. With
  // sequence parallelism each rank's 1/tp is all it needs: no gather.
  const double pp_bytes = activation_bytes / par.tp;
  const double weight_bytes_per_param = training_bytes(prec);
  const double grad_bytes_per_param = main_grad_bytes(s);   // what data parallelism reduces
  // grad_accumulation add / cast_add: each microbatch's backward adds the
  // gradients of the parameters it just differentiated into the gradient
  // buffer, a memory-bound pass on the compute stream.
  // Under ZeRO 3 (FSDP) each microbatch's gradients are reduce-scattered
  // first, and only the rank's shard is added.
  const double accumulate_bytes_per_param = grad_accumulation_bytes(s);
  const double accumulate_share =
      par.zero >= 3 && layout.dp_group_size() > 1 ? 1.0 / layout.dp_group_size() : 1.0;
  auto accumulate = [&](double params) {
    KernelWork w;
    w.kind = KernelKind::memory_bound;
    w.bytes = params * accumulate_share * accumulate_bytes_per_param;
    return Block{accumulate_bytes_per_param > 0 ? timer.seconds(w, prec) : 0.0, 0.0};
  };
  const Block accumulate_dense = accumulate(dense_layer.dense_params + dense_layer.expert_params);
  const Block accumulate_moe = accumulate(moe_layer.dense_params + moe_layer.expert_params);
  // Optimizer step, memory-bound: per parameter it reads the gradient twice
  // (norm for clipping, update), reads and writes the fp32 master weight and
  // states (Adam m and v, SGD momentum) and, in 16-bit training, writes the
  // 16-bit weight.
  const bool adam = s.training.optimizer == "adam";
  const double optimizer_bytes_per_param =
      2 * grad_bytes_per_param + (adam ? 24 : 16) + (wide ? 0 : weight_bytes_per_param);
  const bool recompute_full = par.recompute == "full";
  const bool recompute_attention = par.recompute == "selective";
  const int m = par.microbatches(s.training.global_batch);
  const int v = par.schedule == "interleaved" ? par.vpp : 1;
  const int pp = layout.pp();
  const bool tp_comm = par.tp > 1;
  const bool seq_par = tp_comm && par.sp;
  const bool pp_gather = tp_comm && !seq_par;   // after every pipeline receive
  // Non-expert gradients reduce over dp x cp (CP ranks hold different
  // tokens of the same sequences), the routed experts' over dp x cp / ep.
  const bool dp_comm = layout.dp_group_size() > 1;
  const bool expert_comm = expert_stream && layout.expert_dp_group_size() > 1;
  const int zero = dp_comm ? par.zero : 0;   // sharding over one replica changes nothing
  const double dp_size = layout.dp_group_size(), expert_dp_size = layout.expert_dp_group_size();

  StepProgram prog;
  prog.microbatches = m;
  prog.chunks = v;
  prog.blocking_p2p = par.blocking_p2p;
  for (int stage = 0; stage < pp; ++stage) {
    StageProgram sp;
    sp.stage = stage;
    StageBuilder b(prog, sp, par.tp == 1);
    const bool first_stage = stage == 0, last_stage = stage == pp - 1;
    const int first_layer = layout.stage_span(stage).first_layer;
    const int layers = layout.stage_span(stage).layers;
    // Chunk c holds the stage's layers [start[c], start[c] + sizes[c])
    // (Megatron interleaves chunks across stages; only the dense/MoE kind of
    // a layer depends on its index here, and only the first dense_layers differ).
    const std::vector<int> sizes = chunk_sizes(layers, v, first_stage);
    std::vector<int> start(static_cast<std::size_t>(v), 0);
    for (std::size_t c = 1; c < start.size(); ++c) start[c] = start[c - 1] + sizes[c - 1];
    auto chunk_layers = [&](int chunk) { return sizes[static_cast<std::size_t>(chunk)]; };
    auto global_layer = [&](int chunk, int local) { return first_layer + start[static_cast<std::size_t>(chunk)] + local; };
    const double head_params =
        pc.final_norm + (model.tied_embeddings ? (pp > 1 ? pc.embedding : 0) : pc.output) / par.tp;
    const double embed_params = pc.embedding / par.tp + pc.position;
    const Block accumulate_head = accumulate(head_params), accumulate_embed = accumulate(embed_params);
    const bool accumulating = accumulate_bytes_per_param > 0;

    // DP items are numbered in launch order; each stream numbers its own slots.
    std::uint32_t slots[2] = {0, 0};
    auto dp_item = [&](CollectiveOp op, double bytes, const char* name, bool expert = false) {
      const auto id = static_cast<std::uint32_t>(sp.dp_items.size());
      sp.dp_items.push_back({op, bytes, expert, slots[expert ? 1 : 0]++});
      b.comm(InstrKind::dp_launch, name, id, bytes);
      return id;
    };
    auto dp_wait = [&](std::uint32_t id) { b.comm(InstrKind::dp_wait, "dp_wait", id, 0); };

    // Gradient buckets (ZeRO 0-2), in the order backward produces them:
    // output layer, layers last to first (chunk v-1 first: each chunk's last
    // backward is microbatch m-1, and they come in that order), embedding.
    // bucket_after[u] = bucket bytes closed when unit u's backward finishes
    // (u = 0: head, 1..layers: layers from the last, layers+1: embedding).
    // The expert stream fills its own buckets from the routed experts.
    const auto units = static_cast<std::size_t>(layers + 2);
    std::vector<std::vector<double>> bucket_after(units), expert_bucket_after(units);
    const double bucket_bytes = par.grad_bucket_mib * 1024 * 1024;
    auto fill_buckets = [&](const std::vector<double>& unit_params, std::vector<std::vector<double>>& out) {
      double filled = 0;
      for (std::size_t u = 0; u < unit_params.size(); ++u) {
        filled += unit_params[u] * grad_bytes_per_param;
        const bool end = u + 1 == unit_params.size();
        if (filled > 0 && (filled >= bucket_bytes || end)) {
          out[u].push_back(filled);
          filled = 0;
        }
      }
    };
    if (dp_comm && zero < 3) {
      std::vector<double> unit_params(units, 0.0), unit_expert(units, 0.0);
      if (last_stage) unit_params[0] = head_params;
      for (int l = 1; l <= layers; ++l) {
        const TimedLayer& layer = layer_at(first_layer + layers - l);
        unit_params[static_cast<std::size_t>(l)] = layer.dense_params;
        unit_expert[static_cast<std::size_t>(l)] = layer.expert_params;
      }
      if (first_stage) unit_params[static_cast<std::size_t>(layers + 1)] = embed_params;
      fill_buckets(unit_params, bucket_after);
      if (expert_comm) fill_buckets(unit_expert, expert_bucket_after);
    }
    const bool scatter = zero >= 1 && par.grad_reduce != "all_reduce";
    const CollectiveOp bucket_op = scatter ? CollectiveOp::reduce_scatter : CollectiveOp::all_reduce;
    const char* bucket_name = scatter ? "dp_reduce_scatter" : "dp_all_reduce";
    auto launch_buckets = [&](std::size_t unit, bool last_mb) {
      if (!last_mb || !par.overlap_grad_reduce) return;
      for (double bytes : bucket_after[unit]) dp_item(bucket_op, bytes, bucket_name);
      for (double bytes : expert_bucket_after[unit]) dp_item(bucket_op, bytes, bucket_name, true);
    };

    // ZeRO 3: parameters (and gradients) of chunk-local layer l, with the
    // embedding folded into the first layer and the output layer into the
    // last; the routed experts' part is gathered over the expert-DP group.
    auto zero3_params = [&](int chunk, int l) {
      double p = layer_at(global_layer(chunk, l)).dense_params;
      if (first_stage && chunk == 0 && l == 0) p += embed_params;
      if (last_stage && chunk == v - 1 && l == chunk_layers(chunk) - 1) p += head_params;
      return p;
    };
    auto zero3_expert_params = [&](int chunk, int l) {
      return expert_comm ? layer_at(global_layer(chunk, l)).expert_params : 0.0;
    };
    struct Gather {
      std::uint32_t dense = 0, expert = 0;
      bool has_expert = false;
    };
    auto gather_layer = [&](int chunk, int l) {
      Gather g;
      g.dense = dp_item(CollectiveOp::all_gather, zero3_params(chunk, l) * weight_bytes_per_param, "dp_all_gather");
      if (const double e = zero3_expert_params(chunk, l); e > 0) {
        g.expert = dp_item(CollectiveOp::all_gather, e * weight_bytes_per_param, "dp_all_gather", true);
        g.has_expert = true;
      }
      return g;
    };
    auto wait_gather = [&](const Gather& g) {
      dp_wait(g.dense);
      if (g.has_expert) dp_wait(g.expert);
    };

    // Tensor-parallel communication around a block: without sequence
    // parallelism an all-reduce after it; with it, an all-gather before and
    // a reduce-scatter after (the backward's conjugates sit the same way).
    auto tp_enter = [&](std::uint32_t mb) {
      if (seq_par) b.comm(InstrKind::tp_all_gather, "tp_all_gather", mb, activation_bytes);
    };
    auto tp_exit = [&](std::uint32_t mb) {
      if (seq_par) b.comm(InstrKind::tp_reduce_scatter, "tp_reduce_scatter", mb, activation_bytes);
      else if (tp_comm) b.comm(InstrKind::tp_all_reduce, "tp_all_reduce", mb, activation_bytes);
    };
    // The context-parallel ring around an attention core of cp equal pieces.
    auto ring = [&](const Block& core, double bytes, const char* name, const char* merged) {
      const Block piece{core.seconds / cp, core.flops / cp};
      for (int i = 0; i < cp; ++i) {
        const bool pass = i + 1 < cp;
        if (pass) b.comm(InstrKind::cp_send, "cp_send", 0, bytes);
        b.compute(name, piece, merged);
        if (pass) b.comm(InstrKind::cp_wait, "cp_wait", 0, 0);
      }
    };
    auto attention_forward = [&](const TimedLayer& layer, const char* name, const char* merged) {
      if (cp == 1) {
        b.compute(name, layer.attn_f, merged);
        return;
      }
      b.compute(name, layer.attn_pre_f, merged);
      ring(layer.attn_core_f, layer.kv_block_bytes, name, merged);
      b.compute(name, layer.attn_post_f, merged);
    };
    // A MoE MLP with expert parallelism: two all-to-alls around the experts.
    // Megatron's alltoall token dispatcher with tensor parallelism (which
    // needs sequence parallelism there): each TP rank routes its 1/tp of the
    // tokens, so an all-to-all moves dispatch_bytes / tp, and the tokens that
    // reach a rank's experts are all-gathered over the TP group (the experts
    // are tensor-parallel) and reduce-scattered after them. No TP collective
    // wraps the MoE block itself: the router runs on the sequence shard.
    auto all_to_all = [&](std::uint32_t mb, double bytes, const char* name) {
      b.comm(InstrKind::ep_all_to_all, name, mb, bytes / par.tp);
    };
    auto expert_tp_enter = [&](std::uint32_t mb, double bytes) {
      if (tp_comm) b.comm(InstrKind::tp_all_gather, "tp_all_gather", mb, bytes);
    };
    auto expert_tp_exit = [&](std::uint32_t mb, double bytes) {
      if (tp_comm) b.comm(InstrKind::tp_reduce_scatter, "tp_reduce_scatter", mb, bytes);
    };
    auto expert_parallel = [&](const TimedLayer& layer) { return layer.moe && ep > 1; };
    auto mlp_forward = [&](std::uint32_t mb, const TimedLayer& layer, const char* name, const char* merged) {
      if (!expert_parallel(layer)) {
        tp_enter(mb);
        b.compute(name, layer.mlp_f, merged);
        tp_exit(mb);
        return;
      }
      b.compute(name, layer.router_f, merged);
      all_to_all(mb, layer.dispatch_bytes, "ep_dispatch");
      expert_tp_enter(mb, layer.dispatch_bytes);
      b.compute(name, layer.experts_f, merged);
      expert_tp_exit(mb, layer.dispatch_bytes);
      all_to_all(mb, layer.dispatch_bytes, "ep_combine");
      b.compute(name, layer.combine_f, merged);
    };
    auto layer_forward = [&](std::uint32_t mb, const TimedLayer& layer, const char* attn, const char* mlp,
                             const char* merged) {
      tp_enter(mb);
      attention_forward(layer, attn, merged);
      tp_exit(mb);
      mlp_forward(mb, layer, mlp, merged);
    };
    auto layer_backward = [&](std::uint32_t mb, const TimedLayer& layer) {
      if (!expert_parallel(layer)) {
        tp_enter(mb);
        b.compute("mlp_backward", layer.mlp_b, "backward");
        tp_exit(mb);
      } else {
        b.compute("mlp_backward", layer.combine_b, "backward");
        all_to_all(mb, layer.dispatch_bytes, "ep_combine_backward");
        expert_tp_enter(mb, layer.dispatch_bytes);
        b.compute("mlp_backward", layer.experts_b, "backward");
        expert_tp_exit(mb, layer.dispatch_bytes);
        all_to_all(mb, layer.dispatch_bytes, "ep_dispatch_backward");
        b.compute("mlp_backward", layer.router_b, "backward");
      }
      tp_enter(mb);
      if (cp == 1) {
        if (recompute_attention) b.compute("attention_core_recompute", layer.attn_recompute, "backward");
        b.compute("attention_backward", layer.attn_b, "backward");
      } else {
        if (recompute_attention) ring(layer.attn_recompute, layer.kv_block_bytes, "attention_core_recompute", "backward");
        b.compute("attention_backward", layer.attn_pre_b, "backward");
        // K and V travel on with their accumulated gradients dK, dV.
        ring(layer.attn_core_b, 2 * layer.kv_block_bytes, "attention_backward", "backward");
        b.compute("attention_backward", layer.attn_post_b, "backward");
      }
      tp_exit(mb);
    };

    auto forward = [&](std::uint32_t mb, int chunk) {
      const bool first = first_stage && chunk == 0, last = last_stage && chunk == v - 1;
      if (!first) b.comm(InstrKind::recv_forward, "pp_recv_forward", mb, pp_bytes, chunk);
      if (!first && pp_gather) b.comm(InstrKind::tp_all_gather, "pp_gather", mb, activation_bytes);
      if (first) b.compute("embedding_forward", embed_f, "forward");
      Gather pending;
      if (zero == 3) pending = gather_layer(chunk, 0);
      for (int l = 0; l < chunk_layers(chunk); ++l) {
        if (zero == 3) {
          const Gather current = pending;
          if (l + 1 < chunk_layers(chunk)) pending = gather_layer(chunk, l + 1);   // prefetch
          wait_gather(current);
        }
        layer_forward(mb, layer_at(global_layer(chunk, l)), "attention_forward", "mlp_forward", "forward");
      }
      if (last) b.compute("head_forward", head_f, "forward");
      if (!last) {
        const int to_chunk = last_stage ? chunk + 1 : chunk;   // the last stage feeds stage 0's next chunk
        b.comm(InstrKind::send_forward, "pp_send_forward", mb, pp_bytes, to_chunk);
      }
    };
    auto backward = [&](std::uint32_t mb, int chunk) {
      const bool first = first_stage && chunk == 0, last = last_stage && chunk == v - 1;
      const bool last_mb = static_cast<int>(mb) == m - 1;
      if (!last) b.comm(InstrKind::recv_backward, "pp_recv_backward", mb, pp_bytes, chunk);
      if (!last && pp_gather) b.comm(InstrKind::tp_all_gather, "pp_gather", mb, activation_bytes);
      if (last) b.compute("head_backward", head_b, "backward");
      if (last && accumulating) b.compute("grad_accumulate", accumulate_head, "backward");
      if (chunk == v - 1) launch_buckets(0, last_mb);   // units 0 and layers + 1 close on every stage
      Gather pending;
      if (zero == 3) pending = gather_layer(chunk, chunk_layers(chunk) - 1);
      for (int l = 0; l < chunk_layers(chunk); ++l) {   // l: layers from the chunk's last
        const int local = chunk_layers(chunk) - 1 - l;
        const TimedLayer& layer = layer_at(global_layer(chunk, local));
        if (zero == 3) {
          const Gather current = pending;
          if (local > 0) pending = gather_layer(chunk, local - 1);   // prefetch
          wait_gather(current);
        }
        if (recompute_full) layer_forward(mb, layer, "attention_recompute", "mlp_recompute", "backward");
        layer_backward(mb, layer);
        if (accumulating) b.compute("grad_accumulate", layer.moe ? accumulate_moe : accumulate_dense, "backward");
        if (zero == 3) {
          dp_item(CollectiveOp::reduce_scatter, zero3_params(chunk, local) * grad_bytes_per_param, "dp_reduce_scatter");
          if (const double e = zero3_expert_params(chunk, local); e > 0)
            dp_item(CollectiveOp::reduce_scatter, e * grad_bytes_per_param, "dp_reduce_scatter", true);
        }
        // Units count layers from the stage's last: the later chunks' come first.
        const int after = layers - start[static_cast<std::size_t>(chunk)] - chunk_layers(chunk);
        launch_buckets(static_cast<std::size_t>(1 + after + l), last_mb);
      }
      if (first) b.compute("embedding_backward", embed_b, "backward");
      if (first && accumulating) b.compute("grad_accumulate", accumulate_embed, "backward");
      if (chunk == 0) launch_buckets(static_cast<std::size_t>(layers + 1), last_mb);
      if (!first) {
        const int to_chunk = first_stage ? chunk - 1 : chunk;   // stage 0 feeds the last stage's previous chunk
        b.comm(InstrKind::send_backward, "pp_send_backward", mb, pp_bytes, to_chunk);
      }
    };

    for (const PipelinePass& pass : pipeline_order(par.schedule, pp, v, m, stage)) {
      if (pass.forward) forward(pass.microbatch, pass.chunk);
      else if (!forward_only) backward(pass.microbatch, pass.chunk);
    }
    if (forward_only) {
      prog.stages.push_back(std::move(sp));
      continue;
    }

    // No overlap (Megatron-LM to 2022, DDP_impl local): one collective per
    // stream over the whole contiguous gradient buffer after the last backward.
    if (!par.overlap_grad_reduce)
      for (bool expert : {false, true}) {
        double all = 0;
        for (const auto& unit : expert ? expert_bucket_after : bucket_after)
          for (double bytes : unit) all += bytes;
        if (all > 0) dp_item(bucket_op, all, bucket_name, expert);
      }
    // Wait for the last item of each stream.
    for (bool expert : {false, true})
      for (std::size_t i = sp.dp_items.size(); i-- > 0;)
        if (sp.dp_items[i].expert == expert) {
          dp_wait(static_cast<std::uint32_t>(i));
          break;
        }
    // Tied embeddings over a pipeline: the input embedding (first stage) and
    // the output layer (last stage) are one matrix held twice, so their
    // gradients are summed between the two before the optimizer step
    // (Megatron's _allreduce_embedding_grads, DeepSpeed's reduce_tied_grads).
    if (model.tied_embeddings && pp > 1 && (first_stage || last_stage))
      b.comm(InstrKind::embedding_all_reduce, "embedding_all_reduce", 0, pc.embedding / par.tp * grad_bytes_per_param);
    // With ZeRO each rank updates only its shard of the parameters: 1/(dp cp),
    // the routed experts 1/(dp cp / ep).
    const StageParameters params = stage_parameter_split(s, layout, stage);
    KernelWork opt;
    opt.kind = KernelKind::memory_bound;
    opt.bytes = zero >= 1 ? params.dense * optimizer_bytes_per_param / dp_size +
                                params.expert * optimizer_bytes_per_param / expert_dp_size
                          : params.total() * optimizer_bytes_per_param;
    b.compute("optimizer", {timer.seconds(opt, prec), 0.0}, "optimizer");
    // ZeRO 1/2: every rank gathers the others' updated parameters, on the
    // critical path (ZeRO 3 keeps them sharded and gathers them layer by layer).
    if (zero == 1 || zero == 2) {
      const double dense = expert_stream ? params.dense : params.total();
      const std::uint32_t id = dp_item(CollectiveOp::all_gather, dense * weight_bytes_per_param, "dp_all_gather");
      if (expert_comm && params.expert > 0) {
        const std::uint32_t eid =
            dp_item(CollectiveOp::all_gather, params.expert * weight_bytes_per_param, "dp_all_gather", true);
        dp_wait(id);
        dp_wait(eid);
      } else {
        dp_wait(id);
      }
    }
    prog.stages.push_back(std::move(sp));
  }
  return prog;
}

std::string describe_stage(const StepProgram& p, int stage, std::size_t max_lines) {
  static const char* kinds[] = {"compute",      "tp_all_reduce", "tp_reduce_scatter", "tp_all_gather",
                                "send_forward", "send_backward", "recv_forward",      "recv_backward",
                                "dp_launch",    "dp_wait",       "ep_all_to_all",     "cp_send",
                                "cp_wait",      "embedding_all_reduce"};
  std::string out;
  const auto& sp = p.stages.at(static_cast<std::size_t>(stage));
  for (std::size_t i = 0; i < sp.instrs.size() && i < max_lines; ++i) {
    const Instr& in = sp.instrs[i];
    out += fmt::format("{:>6} {:<17} {:<24} chunk={} aux={} value={}\n", i, kinds[static_cast<int>(in.kind)],
                       p.labels[in.label], in.chunk, in.aux, in.value);
  }
  return out;
}

}  // namespace orrery
