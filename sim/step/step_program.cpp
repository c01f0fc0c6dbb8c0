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
// names "attn_core" (flash attention) or "attn_scores", "softmax",
// "attn_dropout", "attn_context" (unfused). Selected by name so the op list
// needs no recompute flag.
std::vector<Op> attention_core_ops(const std::vector<Op>& attention_forward) {
  static constexpr std::string_view kCore[] = {"attn_core", "attn_scores", "softmax", "attn_dropout", "attn_context"};
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

}  // namespace

StepProgram build_step_program(const Scenario& s, const RankLayout& layout, const KernelTimer& timer) {
  const auto& par = s.parallelism;
  const Precision prec = s.training.precision;
  const bool wide = prec == Precision::fp32 || prec == Precision::tf32;
  LayerShape shape;
  shape.micro_batch = par.micro_batch;
  shape.seq_len = s.training.seq_len;
  shape.tp = par.tp;
  shape.bytes_per_element = wide ? 4 : 2;
  shape.flash_attention = s.training.flash_attention;

  const LayerOps layer = transformer_layer_ops(s.model, shape);
  const Block attn_f = time_ops(layer.attention_forward, timer, prec);
  const Block mlp_f = time_ops(layer.mlp_forward, timer, prec);
  const Block attn_b = time_ops(layer.attention_backward, timer, prec);
  const Block mlp_b = time_ops(layer.mlp_backward, timer, prec);
  const Block embed_f = time_ops(embedding_forward_ops(s.model, shape), timer, prec);
  const Block embed_b = time_ops(embedding_backward_ops(s.model, shape), timer, prec);
  const Block head_f = time_ops(head_forward_ops(s.model, shape), timer, prec);
  const Block head_b = time_ops(head_backward_ops(s.model, shape), timer, prec);

  const Block attn_core_f = time_ops(attention_core_ops(layer.attention_forward), timer, prec);

  const double activation_bytes = static_cast<double>(par.micro_batch) * s.training.seq_len * s.model.hidden * shape.bytes_per_element;
  // Megatron's scatter/gather optimisation: each TP rank sends 1/tp of the
  // activation to its peer in the next stage, which all-gathers it over NVLink.
  const double pp_bytes = activation_bytes / par.tp;
  const double weight_bytes_per_param = wide ? 4 : 2;
  const double grad_bytes_per_param = wide ? 4 : 2;
  // Optimizer step, memory-bound: per parameter it reads the gradient twice
  // (norm for clipping, update) and reads+writes master weights and states.
  const bool adam = s.training.optimizer == "adam";
  const double optimizer_bytes_per_param = adam ? 30 : 22;
  const ParameterCount pc = count_parameters(s.model);
  const bool recompute_full = par.recompute == "full";
  const bool recompute_attention = par.recompute == "selective";
  const int m = par.microbatches(s.training.global_batch);
  const int v = par.schedule == "interleaved" ? par.vpp : 1;
  const int pp = layout.pp();
  const bool tp_comm = par.tp > 1;
  const bool seq_par = tp_comm && par.sp;
  const bool dp_comm = layout.dp() > 1;
  const int zero = dp_comm ? par.zero : 0;   // sharding over one replica changes nothing

  StepProgram prog;
  prog.microbatches = m;
  prog.chunks = v;
  for (int stage = 0; stage < pp; ++stage) {
    StageProgram sp;
    sp.stage = stage;
    StageBuilder b(prog, sp, par.tp == 1);
    const bool first_stage = stage == 0, last_stage = stage == pp - 1;
    const int layers = layout.stage_span(stage).layers;
    const int chunk_layers = layers / v;   // interleaved: plan checks make pp v divide the layers
    const double head_params =
        pc.final_norm + (s.model.tied_embeddings ? (pp > 1 ? pc.embedding : 0) : pc.output) / par.tp;
    const double embed_params = pc.embedding / par.tp + pc.position;
    const double layer_params = pc.per_layer / par.tp;

    // DP items are numbered in launch order.
    auto dp_item = [&](CollectiveOp op, double bytes, const char* name) {
      const auto id = static_cast<std::uint32_t>(sp.dp_items.size());
      sp.dp_items.push_back({op, bytes});
      b.comm(InstrKind::dp_launch, name, id, bytes);
      return id;
    };

    // Gradient buckets (ZeRO 0-2), in the order backward produces them:
    // output layer, layers last to first (chunk v-1 first: each chunk's last
    // backward is microbatch m-1, and they come in that order), embedding.
    // bucket_after[u] = bucket bytes closed when unit u's backward finishes
    // (u = 0: head, 1..layers: layers from the last, layers+1: embedding).
    std::vector<std::vector<double>> bucket_after(static_cast<std::size_t>(layers + 2));
    if (dp_comm && zero < 3) {
      std::vector<double> unit_params(static_cast<std::size_t>(layers + 2), 0.0);
      if (last_stage) unit_params[0] = head_params;
      for (int l = 1; l <= layers; ++l) unit_params[static_cast<std::size_t>(l)] = layer_params;
      if (first_stage) unit_params[static_cast<std::size_t>(layers + 1)] = embed_params;
      const double bucket_bytes = par.grad_bucket_mib * 1024 * 1024;
      double filled = 0;
      for (std::size_t u = 0; u < unit_params.size(); ++u) {
        filled += unit_params[u] * grad_bytes_per_param;
        const bool end = u + 1 == unit_params.size();
        if (filled > 0 && (filled >= bucket_bytes || end)) {
          bucket_after[u].push_back(filled);
          filled = 0;
        }
      }
    }
    const CollectiveOp bucket_op = zero >= 1 ? CollectiveOp::reduce_scatter : CollectiveOp::all_reduce;
    const char* bucket_name = zero >= 1 ? "dp_reduce_scatter" : "dp_all_reduce";
    auto launch_buckets = [&](std::size_t unit, bool last_mb) {
      if (!last_mb) return;
      for (double bytes : bucket_after[unit]) dp_item(bucket_op, bytes, bucket_name);
    };

    // ZeRO 3: parameters (and gradients) of chunk-local layer l, with the
    // embedding folded into the first layer and the output layer into the last.
    auto zero3_params = [&](int chunk, int l) {
      double p = layer_params;
      if (first_stage && chunk == 0 && l == 0) p += embed_params;
      if (last_stage && chunk == v - 1 && l == chunk_layers - 1) p += head_params;
      return p;
    };
    auto gather_layer = [&](int chunk, int l) {
      return dp_item(CollectiveOp::all_gather, zero3_params(chunk, l) * weight_bytes_per_param, "dp_all_gather");
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
    auto layer_forward = [&](std::uint32_t mb, const char* attn, const char* mlp, const char* merged) {
      tp_enter(mb);
      b.compute(attn, attn_f, merged);
      tp_exit(mb);
      tp_enter(mb);
      b.compute(mlp, mlp_f, merged);
      tp_exit(mb);
    };

    auto forward = [&](std::uint32_t mb, int chunk) {
      const bool first = first_stage && chunk == 0, last = last_stage && chunk == v - 1;
      if (!first) b.comm(InstrKind::recv_forward, "pp_recv_forward", mb, pp_bytes, chunk);
      if (first) b.compute("embedding_forward", embed_f, "forward");
      std::uint32_t pending = 0;
      if (zero == 3) pending = gather_layer(chunk, 0);
      for (int l = 0; l < chunk_layers; ++l) {
        if (zero == 3) {
          const std::uint32_t current = pending;
          if (l + 1 < chunk_layers) pending = gather_layer(chunk, l + 1);   // prefetch
          b.comm(InstrKind::dp_wait, "dp_wait", current, 0);
        }
        layer_forward(mb, "attention_forward", "mlp_forward", "forward");
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
      if (last) b.compute("head_backward", head_b, "backward");
      if (chunk == v - 1) launch_buckets(0, last_mb);   // units 0 and layers + 1 close on every stage
      std::uint32_t pending = 0;
      if (zero == 3) pending = gather_layer(chunk, chunk_layers - 1);
      for (int l = 0; l < chunk_layers; ++l) {   // l: layers from the chunk's last
        const int local = chunk_layers - 1 - l;
        if (zero == 3) {
          const std::uint32_t current = pending;
          if (local > 0) pending = gather_layer(chunk, local - 1);   // prefetch
          b.comm(InstrKind::dp_wait, "dp_wait", current, 0);
        }
        if (recompute_full) layer_forward(mb, "attention_recompute", "mlp_recompute", "backward");
        tp_enter(mb);
        b.compute("mlp_backward", mlp_b, "backward");
        tp_exit(mb);
        tp_enter(mb);
        if (recompute_attention) b.compute("attention_core_recompute", attn_core_f, "backward");
        b.compute("attention_backward", attn_b, "backward");
        tp_exit(mb);
        if (zero == 3)
          dp_item(CollectiveOp::reduce_scatter, zero3_params(chunk, local) * grad_bytes_per_param, "dp_reduce_scatter");
        launch_buckets(static_cast<std::size_t>(1 + (v - 1 - chunk) * chunk_layers + l), last_mb);
      }
      if (first) b.compute("embedding_backward", embed_b, "backward");
      if (chunk == 0) launch_buckets(static_cast<std::size_t>(layers + 1), last_mb);
      if (!first) {
        const int to_chunk = first_stage ? chunk - 1 : chunk;   // stage 0 feeds the last stage's previous chunk
        b.comm(InstrKind::send_backward, "pp_send_backward", mb, pp_bytes, to_chunk);
      }
    };

    for (const PipelinePass& pass : pipeline_order(par.schedule, pp, v, m, stage)) {
      if (pass.forward) forward(pass.microbatch, pass.chunk);
      else backward(pass.microbatch, pass.chunk);
    }

    if (!sp.dp_items.empty())
      b.comm(InstrKind::dp_wait, "dp_wait", static_cast<std::uint32_t>(sp.dp_items.size() - 1), 0);
    // With ZeRO each rank updates only its 1/dp shard of the parameters.
    const double params = stage_parameters_per_rank(s, layout, stage);
    KernelWork opt;
    opt.kind = KernelKind::memory_bound;
    opt.bytes = params * optimizer_bytes_per_param / (zero >= 1 ? layout.dp() : 1);
    b.compute("optimizer", {timer.seconds(opt, prec), 0.0}, "optimizer");
    // ZeRO 1/2: every rank gathers the others' updated parameters, on the
    // critical path (ZeRO 3 keeps them sharded and gathers them layer by layer).
    if (zero == 1 || zero == 2) {
      const std::uint32_t id = dp_item(CollectiveOp::all_gather, params * weight_bytes_per_param, "dp_all_gather");
      b.comm(InstrKind::dp_wait, "dp_wait", id, 0);
    }
    prog.stages.push_back(std::move(sp));
  }
  return prog;
}

std::string describe_stage(const StepProgram& p, int stage, std::size_t max_lines) {
  static const char* kinds[] = {"compute",      "tp_all_reduce", "tp_reduce_scatter", "tp_all_gather",
                                "send_forward", "send_backward", "recv_forward",      "recv_backward",
                                "dp_launch",    "dp_wait"};
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
