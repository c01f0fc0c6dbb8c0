#include "sim/step/step_program.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "models/parameters.hpp"
#include "models/transformer.hpp"
#include "sim/engine/sim_time.hpp"
#include "sim/step/memory_estimate.hpp"

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
    out_.instrs.push_back({InstrKind::compute, label(name), 0, ns});
  }
  void comm(InstrKind kind, const std::string& name, std::uint32_t aux, double bytes) {
    out_.instrs.push_back({kind, label(name), aux, static_cast<std::int64_t>(bytes)});
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

  const double activation_bytes = static_cast<double>(par.micro_batch) * s.training.seq_len * s.model.hidden * shape.bytes_per_element;
  // Megatron's scatter/gather optimisation: each TP rank sends 1/tp of the
  // activation to its peer in the next stage, which all-gathers it over NVLink.
  const double pp_bytes = activation_bytes / par.tp;
  const double grad_bytes_per_param = wide ? 4 : 2;
  // Optimizer step, memory-bound: per parameter it reads the gradient twice
  // (norm for clipping, update) and reads+writes master weights and states.
  const bool adam = s.training.optimizer == "adam";
  const double optimizer_bytes_per_param = adam ? 30 : 22;
  const ParameterCount pc = count_parameters(s.model);
  const bool recompute = par.recompute == "full";
  const int m = par.microbatches(s.training.global_batch);

  StepProgram prog;
  prog.microbatches = m;
  for (int stage = 0; stage < layout.pp(); ++stage) {
    StageProgram sp;
    sp.stage = stage;
    StageBuilder b(prog, sp, par.tp == 1);
    const bool first = stage == 0, last = stage == layout.pp() - 1;
    const int layers = layout.stage_span(stage).layers;
    const bool tp_comm = par.tp > 1;

    // Gradient buckets, in the order backward produces them: output layer,
    // layers last to first, embedding. bucket_after[u] = buckets closed when
    // unit u's backward finishes (u = 0: head, 1..layers: layers from the
    // last, layers+1: embedding).
    std::vector<std::vector<std::pair<std::uint32_t, double>>> bucket_after(static_cast<std::size_t>(layers + 2));
    if (layout.dp() > 1) {
      std::vector<double> unit_params(static_cast<std::size_t>(layers + 2), 0.0);
      if (last) unit_params[0] = pc.final_norm + (s.model.tied_embeddings ? (layout.pp() > 1 ? pc.embedding : 0) : pc.output) / par.tp;
      for (int l = 1; l <= layers; ++l) unit_params[static_cast<std::size_t>(l)] = pc.per_layer / par.tp;
      if (first) unit_params[static_cast<std::size_t>(layers + 1)] = pc.embedding / par.tp + pc.position;
      const double bucket_bytes = par.grad_bucket_mib * 1024 * 1024;
      double filled = 0;
      std::uint32_t bucket = 0;
      for (std::size_t u = 0; u < unit_params.size(); ++u) {
        filled += unit_params[u] * grad_bytes_per_param;
        const bool end = u + 1 == unit_params.size();
        if (filled > 0 && (filled >= bucket_bytes || end)) {
          bucket_after[u].push_back({bucket++, filled});
          sp.dp_bucket_bytes.push_back(filled);
          filled = 0;
        }
      }
    }

    auto forward = [&](std::uint32_t mb) {
      if (!first) b.comm(InstrKind::recv_forward, "pp_recv_forward", mb, pp_bytes);
      if (first) b.compute("embedding_forward", embed_f, "forward");
      for (int l = 0; l < layers; ++l) {
        b.compute("attention_forward", attn_f, "forward");
        if (tp_comm) b.comm(InstrKind::tp_all_reduce, "tp_all_reduce", mb, activation_bytes);
        b.compute("mlp_forward", mlp_f, "forward");
        if (tp_comm) b.comm(InstrKind::tp_all_reduce, "tp_all_reduce", mb, activation_bytes);
      }
      if (last) b.compute("head_forward", head_f, "forward");
      if (!last) b.comm(InstrKind::send_forward, "pp_send_forward", mb, pp_bytes);
    };
    auto launch_buckets = [&](std::size_t unit, bool last_mb) {
      if (!last_mb) return;
      for (const auto& [bucket, bytes] : bucket_after[unit]) b.comm(InstrKind::dp_launch, "dp_all_reduce", bucket, bytes);
    };
    auto backward = [&](std::uint32_t mb) {
      const bool last_mb = static_cast<int>(mb) == m - 1;
      if (!last) b.comm(InstrKind::recv_backward, "pp_recv_backward", mb, pp_bytes);
      if (last) b.compute("head_backward", head_b, "backward");
      launch_buckets(0, last_mb);
      for (int l = 0; l < layers; ++l) {
        if (recompute) {
          b.compute("attention_recompute", attn_f, "backward");
          if (tp_comm) b.comm(InstrKind::tp_all_reduce, "tp_all_reduce", mb, activation_bytes);
          b.compute("mlp_recompute", mlp_f, "backward");
          if (tp_comm) b.comm(InstrKind::tp_all_reduce, "tp_all_reduce", mb, activation_bytes);
        }
        b.compute("mlp_backward", mlp_b, "backward");
        if (tp_comm) b.comm(InstrKind::tp_all_reduce, "tp_all_reduce", mb, activation_bytes);
        b.compute("attention_backward", attn_b, "backward");
        if (tp_comm) b.comm(InstrKind::tp_all_reduce, "tp_all_reduce", mb, activation_bytes);
        launch_buckets(static_cast<std::size_t>(l + 1), last_mb);
      }
      if (first) b.compute("embedding_backward", embed_b, "backward");
      launch_buckets(static_cast<std::size_t>(layers + 1), last_mb);
      if (!first) b.comm(InstrKind::send_backward, "pp_send_backward", mb, pp_bytes);
    };

    // 1F1B: stage i runs min(pp - i - 1, m) warm-up forwards.
    const int warmup = std::min(layout.pp() - stage - 1, m);
    std::uint32_t next_f = 0, next_b = 0;
    for (int i = 0; i < warmup; ++i) forward(next_f++);
    while (static_cast<int>(next_f) < m) {
      forward(next_f++);
      backward(next_b++);
    }
    while (static_cast<int>(next_b) < m) backward(next_b++);

    if (!sp.dp_bucket_bytes.empty()) b.comm(InstrKind::dp_wait, "dp_wait", 0, 0);
    KernelWork opt;
    opt.kind = KernelKind::memory_bound;
    opt.bytes = stage_parameters_per_rank(s, layout, stage) * optimizer_bytes_per_param;
    b.compute("optimizer", {timer.seconds(opt, prec), 0.0}, "optimizer");
    prog.stages.push_back(std::move(sp));
  }
  return prog;
}

std::string describe_stage(const StepProgram& p, int stage, std::size_t max_lines) {
  static const char* kinds[] = {"compute", "tp_all_reduce", "send_forward", "send_backward",
                                "recv_forward", "recv_backward", "dp_launch", "dp_wait"};
  std::string out;
  const auto& sp = p.stages.at(static_cast<std::size_t>(stage));
  for (std::size_t i = 0; i < sp.instrs.size() && i < max_lines; ++i) {
    const Instr& in = sp.instrs[i];
    out += fmt::format("{:>6} {:<14} {:<22} aux={} value={}\n", i, kinds[static_cast<int>(in.kind)],
                       p.labels[in.label], in.aux, in.value);
  }
  return out;
}

}  // namespace orrery
