#include "models/transformer.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include "models/rank_dims.hpp"

// Counting conventions (see also transformer.hpp):
// - GEMM m x k by k x n: 2 m n k FLOPs; bytes = batch (m k + k n + m n) e,
//   plus n e for a bias. Weight GEMMs have m = b s tokens.
// - Backward of a weight GEMM (m, n, k) is dgrad (m, k, n) and wgrad
//   (k, n, m): 2x the forward FLOPs. Weight gradients are counted at e bytes
//   (Megatron accumulates them in fp32 main_grad; that traffic is optimizer
//   side and small next to the activations for b s >> h).
// - Memory-bound ops (norms, activation, softmax, dropout, residual, loss)
//   carry no FLOPs: their time is bytes over bandwidth, and both the model
//   and the hardware FLOP conventions count matrix products only. Their
//   backward is counted as 2x the forward bytes (it reads the saved input
//   and the incoming gradient and writes a gradient, sometimes two).
// - Attention core: 4 b s^2 (a/t) d FLOPs forward (QK^T and AV over the full
//   s x s, no causal halving: Megatron's formula counts it in full, and so
//   does the model-FLOPs convention); with cp, 4 b (s/cp) s (a/t) d, 1/cp of
//   it (zigzag chunks give every rank the same causal share, so the full
//   count divides evenly too); with mla, 2 b s s (a/t) (d_qk + d_v).
//   Backward: 2x forward. Flash attention's
//   backward recomputes QK^T and really executes 2.5x; we count 2x so that
//   op FLOPs sum to model FLOPs, and leave the rest to the calibrated
//   efficiency of the fused kernel.

namespace orrery {
namespace {

std::int64_t whole(double x) { return static_cast<std::int64_t>(x); }

Op gemm(const char* name, double m, double n, double k, double e, double batch = 1,
        double bias_n = 0) {
  Op op;
  op.name = name;
  op.kind = OpKind::gemm;
  op.flops = 2 * batch * m * n * k;
  op.bytes = (batch * (m * k + k * n + m * n) + bias_n) * e;
  op.m = whole(m);
  op.n = whole(n);
  op.k = whole(k);
  op.batch = whole(batch);
  return op;
}

Op memory_bound(const char* name, double bytes) {
  Op op;
  op.name = name;
  op.kind = OpKind::memory_bound;
  op.bytes = bytes;
  return op;
}

Op backward_of(const char* name, const Op& fwd) {
  Op op = fwd;
  op.name = name;
  op.flops = 2 * fwd.flops;
  op.bytes = 2 * fwd.bytes;
  return op;
}

// Weight GEMM forward (m = tokens, n, k; batch of them for grouped expert
// GEMMs) -> dgrad and wgrad.
void push_gemm_backward(std::vector<Op>& out, const Op& fwd, const char* dgrad,
                        const char* wgrad, const RankDims& r) {
  const double m = static_cast<double>(fwd.m);
  const double n = static_cast<double>(fwd.n);
  const double k = static_cast<double>(fwd.k);
  const double batch = static_cast<double>(fwd.batch);  // grouped GEMMs: one per expert
  out.push_back(gemm(dgrad, m, k, n, r.e, batch));                          // dX = dY W^T
  out.push_back(gemm(wgrad, k, n, m, r.e, batch, r.bias ? batch * n : 0));  // dW = X^T dY (+ db)
}

// Read x, write y (e bytes each), write per-token statistics in fp32
// (mean and rstd for layernorm, rstd for rmsnorm), read the weight (+ bias).
Op norm(const char* name, const RankDims& r) {
  const double stats = r.layernorm ? 8 : 4;
  const double weights = (r.layernorm ? 2 : 1) * r.h * r.e;
  return memory_bound(name, 2 * r.tokens * r.h * r.e + r.tokens * stats + weights);
}

// Dropout then residual add, on the full width (without sequence
// parallelism every rank holds the all-reduced output): read x and the
// residual, write the sum and a 1-byte dropout mask.
Op dropout_residual(const char* name, const RankDims& r) {
  return memory_bound(name, r.tokens * r.h * (3 * r.e + 1));
}

// The attention block, forward and backward. gqa: one fused QKV GEMM. mla:
// Q through the q_lora_rank latent (or directly), K and V through the
// kv_lora_rank latent; the down projections (and the latents' rmsnorms) are
// small and replicated on every TP rank, as Megatron-core builds them; the up
// projections are column-parallel over heads.
void attention_block(LayerOps& ops, const RankDims& r, bool flash) {
  const double T = r.tokens;
  const double attn_batch = r.b * r.heads;   // (sequence, head) pairs on this rank
  const double scores = attn_batch * r.s * r.s_kv;

  auto& af = ops.attention_forward;
  auto& ab = ops.attention_backward;
  const Op ln_attn = norm("ln_attn", r);
  const Op attn_out = gemm("attn_out", T, r.h, r.o_width, r.e, 1, r.bias ? r.h : 0);
  const Op residual_attn = dropout_residual("residual_attn", r);
  af.push_back(ln_attn);

  // Projections, in forward order, with their backward names (dgrad, wgrad;
  // a norm's backward name in dgrad); their backward runs in reverse.
  struct Proj {
    Op op;
    const char* dgrad;
    const char* wgrad;
  };
  std::vector<Proj> proj;
  if (r.mla) {
    const auto latent_norm = [&](const char* name, double width) {
      return memory_bound(name, 2 * T * width * r.e + T * 4 + width * r.e);  // rmsnorm
    };
    if (r.q_lora > 0) {
      proj.push_back({gemm("q_down", T, r.q_lora, r.h, r.e, 1, r.bias ? r.q_lora : 0),
                      "q_down_dgrad", "q_down_wgrad"});
      proj.push_back({latent_norm("q_norm", r.q_lora), "q_norm_bwd", ""});
      proj.push_back({gemm("q_up", T, r.q_width, r.q_lora, r.e, 1, r.bias ? r.q_width : 0),
                      "q_up_dgrad", "q_up_wgrad"});
    } else {
      proj.push_back({gemm("q_proj", T, r.q_width, r.h, r.e, 1, r.bias ? r.q_width : 0),
                      "q_proj_dgrad", "q_proj_wgrad"});
    }
    // The rope part of the key (qk_rope wide) is one head shared by all.
    const double kv_down_n = r.kv_lora + r.qk_rope;
    const double kv_up_n = r.heads * (r.d - r.qk_rope) + r.v_width;  // per head: k_nope + v
    proj.push_back({gemm("kv_down", T, kv_down_n, r.h, r.e, 1, r.bias ? kv_down_n : 0),
                    "kv_down_dgrad", "kv_down_wgrad"});
    proj.push_back({latent_norm("kv_norm", r.kv_lora), "kv_norm_bwd", ""});
    proj.push_back({gemm("kv_up", T, kv_up_n, r.kv_lora, r.e, 1, r.bias ? kv_up_n : 0),
                    "kv_up_dgrad", "kv_up_wgrad"});
  } else {
    const double qkv_n = r.q_width + 2 * r.k_width;
    proj.push_back({gemm("qkv", T, qkv_n, r.h, r.e, 1, r.bias ? qkv_n : 0), "qkv_dgrad", "qkv_wgrad"});
  }
  for (const Proj& p : proj) af.push_back(p.op);

  // Unfused attention's intermediates (used forward and backward; cp = 1).
  const Op attn_scores = gemm("attn_scores", r.s, r.s_kv, r.d, r.e, attn_batch);     // Q K^T
  // ALiBi outside a fused kernel: the bias, broadcast over the queries, is
  // first written into the score buffer, which the Q K^T GEMM then reads and
  // overwrites (beta = 1: torch.baddbmm, as Megatron-DeepSpeed's BLOOM does).
  // No backward: the bias has no gradient and the add passes dS through.
  const Op alibi_bias = memory_bound("alibi_bias", 2 * scores * r.e);
  const Op softmax = memory_bound("softmax", 2 * scores * r.e);  // fused scale+mask+softmax
  const Op attn_dropout = memory_bound("attn_dropout", scores * (2 * r.e + 1));
  const Op attn_context = gemm("attn_context", r.s, r.v_d, r.s_kv, r.e, attn_batch);  // P V
  // Flash: read Q, K, V, write O and the fp32 log-sum-exp per (token, head).
  // With cp it runs once per K/V block: Q read, O and the statistics written
  // (partial results merged) cp times; each K/V block read once.
  const double qo = r.q_width + r.o_width, kv = r.k_width + r.v_width;
  const double steps = r.cp;
  Op attn_core;
  attn_core.name = "attn_core";
  attn_core.kind = OpKind::attention;
  attn_core.flops = attn_scores.flops + attn_context.flops;
  attn_core.bytes = steps == 1 ? T * (qo + kv) * r.e + T * r.heads * 4
                               : steps * (T * qo * r.e + T * r.heads * 4) + r.b * r.s_kv * kv * r.e;
  attn_core.m = whole(r.s);
  attn_core.n = whole(r.s_kv);
  attn_core.k = whole(r.d);
  attn_core.batch = whole(attn_batch);

  if (flash) {
    af.push_back(attn_core);
  } else {
    if (r.alibi) af.push_back(alibi_bias);
    af.push_back(attn_scores);
    af.push_back(softmax);
    af.push_back(attn_dropout);
    af.push_back(attn_context);
  }
  af.push_back(attn_out);
  af.push_back(residual_attn);

  ab.push_back(backward_of("residual_attn_bwd", residual_attn));
  push_gemm_backward(ab, attn_out, "attn_out_dgrad", "attn_out_wgrad", r);
  if (flash) {
    Op bwd = attn_core;
    bwd.name = "attn_core_bwd";
    bwd.flops = 2 * attn_core.flops;
    // Read Q, K, V, O, dO and the statistics; write dQ, dK, dV.
    bwd.bytes = steps == 1
                    ? T * (2 * qo + 2 * kv) * r.e + T * r.heads * 4
                    : steps * (T * 2 * qo * r.e + T * r.heads * 4) + r.b * r.s_kv * 2 * kv * r.e;
    ab.push_back(bwd);
  } else {
    // C = P V: dP = dC V^T (s x d by d x s), dV = P^T dC (s x s by s x d).
    ab.push_back(gemm("attn_context_dprobs", r.s, r.s_kv, r.v_d, r.e, attn_batch));
    ab.push_back(gemm("attn_context_dv", r.s_kv, r.v_d, r.s, r.e, attn_batch));
    ab.push_back(backward_of("attn_dropout_bwd", attn_dropout));
    ab.push_back(backward_of("softmax_bwd", softmax));
    // S = Q K^T: dQ = dS K, dK = dS^T Q (each s x s by s x d).
    ab.push_back(gemm("attn_scores_dq", r.s, r.d, r.s_kv, r.e, attn_batch));
    ab.push_back(gemm("attn_scores_dk", r.s_kv, r.d, r.s, r.e, attn_batch));
  }
  for (auto it = proj.rbegin(); it != proj.rend(); ++it) {
    if (it->op.kind == OpKind::gemm) {
      push_gemm_backward(ab, it->op, it->dgrad, it->wgrad, r);
    } else {
      ab.push_back(backward_of(it->dgrad, it->op));
    }
  }
  ab.push_back(backward_of("ln_attn_bwd", ln_attn));

  if (r.cp > 1) {
    ops.cp_steps = static_cast<int>(r.cp);
    ops.kv_block_bytes = r.b * r.s * (r.k_width + r.v_width) * r.e;
  }
}

// A dense MLP of inner width `width` (this rank's share) on T rows: fc1
// (+gate), activation, fc2. Names: {fc1, act, fc2} and their backward names.
struct MlpNames {
  const char *fc1, *act, *fc2, *fc2_dgrad, *fc2_wgrad, *act_bwd, *fc1_dgrad, *fc1_wgrad;
};

void mlp(std::vector<Op>& fwd, std::vector<Op>& bwd, const RankDims& r, double rows, double width,
         double batch, const MlpNames& n) {
  const double fc1_n = (r.swiglu ? 2 : 1) * width;  // swiglu: gate and up in one GEMM
  const double bias = r.bias ? batch : 0;
  const Op fc1 = gemm(n.fc1, rows, fc1_n, r.h, r.e, batch, bias * fc1_n);
  // gelu reads and writes f/t per token; swiglu reads gate and up, writes one.
  const Op act = memory_bound(n.act, batch * rows * (fc1_n + width) * r.e);
  const Op fc2 = gemm(n.fc2, rows, r.h, width, r.e, batch, bias * r.h);
  fwd.insert(fwd.end(), {fc1, act, fc2});
  push_gemm_backward(bwd, fc2, n.fc2_dgrad, n.fc2_wgrad, r);
  bwd.push_back(backward_of(n.act_bwd, act));
  push_gemm_backward(bwd, fc1, n.fc1_dgrad, n.fc1_wgrad, r);
}

void dense_mlp_block(LayerOps& ops, const RankDims& r) {
  const Op ln_mlp = norm("ln_mlp", r);
  const Op residual_mlp = dropout_residual("residual_mlp", r);
  auto& mf = ops.mlp_forward;
  auto& mb = ops.mlp_backward;
  mf.push_back(ln_mlp);
  mb.push_back(backward_of("residual_mlp_bwd", residual_mlp));
  mlp(mf, mb, r, r.tokens, r.ffn, 1,
      {"fc1", "act", "fc2", "fc2_dgrad", "fc2_wgrad", "act_bwd", "fc1_dgrad", "fc1_wgrad"});
  mf.push_back(residual_mlp);
  mb.push_back(backward_of("ln_mlp_bwd", ln_mlp));
}

// The MoE block (see transformer.hpp for the order and the all-to-alls).
// The router is a replicated h x E GEMM with fp32 scores; permute gathers
// each token's top-k copies (capacity_factor: padded buffers) into expert
// order, unpermute_combine reads them back weighted by the router's gates.
void moe_block(LayerOps& ops, const RankDims& r) {
  const double T = r.tokens;
  const double copies = T * r.top_k * r.capacity_factor;  // token rows dispatched by this rank
  ops.moe = true;
  ops.local_experts = static_cast<int>(r.local_experts);
  ops.expert_rows = r.expert_rows;
  ops.dispatch_bytes = copies * r.h * r.e;

  const Op ln_mlp = norm("ln_mlp", r);
  const Op router = gemm("router", T, r.experts, r.h, r.e);
  // Read the fp32 logits, write fp32 probabilities; write top-k ids and gates.
  const Op topk = memory_bound("router_topk", T * r.experts * 4 * 2 + T * r.top_k * 8);
  const Op permute = memory_bound("permute", T * r.h * r.e + copies * r.h * r.e);
  ops.router_forward = {ln_mlp, router, topk, permute};
  ops.router_backward.push_back(backward_of("permute_bwd", permute));
  ops.router_backward.push_back(backward_of("router_topk_bwd", topk));
  RankDims no_bias = r;
  no_bias.bias = false;  // routers carry no bias
  push_gemm_backward(ops.router_backward, router, "router_dgrad", "router_wgrad", no_bias);
  ops.router_backward.push_back(backward_of("ln_mlp_bwd", ln_mlp));

  if (r.shared_ffn > 0) {
    mlp(ops.shared_forward, ops.shared_backward, r, T, r.shared_ffn, 1,
        {"shared_fc1", "shared_act", "shared_fc2", "shared_fc2_dgrad", "shared_fc2_wgrad",
         "shared_act_bwd", "shared_fc1_dgrad", "shared_fc1_wgrad"});
  }
  mlp(ops.experts_forward, ops.experts_backward, r, r.expert_rows, r.expert_ffn, r.local_experts,
      {"expert_fc1", "expert_act", "expert_fc2", "expert_fc2_dgrad", "expert_fc2_wgrad",
       "expert_act_bwd", "expert_fc1_dgrad", "expert_fc1_wgrad"});

  // Read the returned copies and the gates, write the sum (+ read the shared
  // experts' output to add it).
  const double shared_out = r.shared_ffn > 0 ? T * r.h * r.e : 0;
  const Op combine = memory_bound("unpermute_combine",
                                  copies * r.h * r.e + T * r.top_k * 4 + T * r.h * r.e + shared_out);
  const Op residual_mlp = dropout_residual("residual_mlp", r);
  ops.combine_forward = {combine, residual_mlp};
  ops.combine_backward = {backward_of("residual_mlp_bwd", residual_mlp),
                          backward_of("unpermute_combine_bwd", combine)};

  auto append = [](std::vector<Op>& out, const std::vector<Op>& in) {
    out.insert(out.end(), in.begin(), in.end());
  };
  append(ops.mlp_forward, ops.router_forward);
  append(ops.mlp_forward, ops.shared_forward);
  append(ops.mlp_forward, ops.experts_forward);
  append(ops.mlp_forward, ops.combine_forward);
  append(ops.mlp_backward, ops.combine_backward);
  append(ops.mlp_backward, ops.experts_backward);
  append(ops.mlp_backward, ops.shared_backward);
  append(ops.mlp_backward, ops.router_backward);
}

}  // namespace

LayerOps transformer_layer_ops(const ModelSpec& m, const LayerShape& s, int layer_index) {
  const RankDims r = rank_dims(m, s);  // checks the model first
  if (layer_index < 0 || layer_index >= m.layers) {
    throw std::invalid_argument("model " + m.name + ": layer index " + std::to_string(layer_index) +
                                " is not from 0 to " + std::to_string(m.layers - 1));
  }
  LayerOps ops;
  attention_block(ops, r, s.flash_attention);
  if (m.is_moe_layer(layer_index)) {
    moe_block(ops, r);
  } else {
    dense_mlp_block(ops, r);
  }
  return ops;
}

LayerOps transformer_layer_ops(const ModelSpec& m, const LayerShape& s) {
  return transformer_layer_ops(m, s, m.layers > 0 ? m.layers - 1 : 0);
}

// Gather b s rows of the (vocab-parallel) table and write them; int64 token
// ids are read once. Learned positions gather and add a second row per token.
std::vector<Op> embedding_forward_ops(const ModelSpec& m, const LayerShape& s) {
  const RankDims r = rank_dims(m, s);
  const double rows_read = r.learned_position ? 2 : 1;
  return {memory_bound("embedding", r.tokens * 8 + r.tokens * r.h * r.e * (rows_read + 1))};
}

// Scatter-add of the output gradient into the gathered rows: 2x forward.
std::vector<Op> embedding_backward_ops(const ModelSpec& m, const LayerShape& s) {
  return {backward_of("embedding_bwd", embedding_forward_ops(m, s).front())};
}

// Bytes per logit of the cross-entropy, forward and backward, with e-byte logits.
// Eager (Megatron-LM's and Megatron-Core's default: logits.float(), then
// _VocabParallelCrossEntropy): forward the fp32 copy (e + 4), max (4), sub_
// (8), exp (8), sum (4), div_ to the softmax kept for backward (8): 32 + e + 4;
// backward mul_ by the loss gradient (8) and the copy's gradient back to e
// bytes (4 + e). In fp32 the copy is the logits themselves: 32 and 8.
// Fused: one fp32 read and write of each logit forward, twice that backward.
namespace {
std::pair<double, double> cross_entropy_bytes_per_logit(int e, bool fused) {
  if (fused) return {8, 16};
  const double copy = e < 4 ? 4.0 + e : 0.0;
  return {32 + copy, 8 + copy};
}
}  // namespace

// Final norm, the vocab-parallel logits GEMM (no bias in GPT or Llama), and
// cross-entropy (cross_entropy_bytes_per_logit).
std::vector<Op> head_forward_ops(const ModelSpec& m, const LayerShape& s) {
  const RankDims r = rank_dims(m, s);
  const double logits = r.tokens * r.vocab;
  return {norm("ln_final", r), gemm("logits", r.tokens, r.vocab, r.h, r.e),
          memory_bound("cross_entropy",
                       logits * cross_entropy_bytes_per_logit(s.bytes_per_element, s.fused_cross_entropy).first)};
}

std::vector<Op> head_backward_ops(const ModelSpec& m, const LayerShape& s) {
  const std::vector<Op> fwd = head_forward_ops(m, s);
  RankDims r = rank_dims(m, s);
  r.bias = false;  // the output layer has no bias
  std::vector<Op> out;
  out.push_back(memory_bound(
      "cross_entropy_bwd",
      r.tokens * r.vocab * cross_entropy_bytes_per_logit(s.bytes_per_element, s.fused_cross_entropy).second));
  push_gemm_backward(out, fwd[1], "logits_dgrad", "logits_wgrad", r);
  out.push_back(backward_of("ln_final_bwd", fwd[0]));
  return out;
}

double total_flops(const std::vector<Op>& ops) {
  double sum = 0;
  for (const Op& op : ops) sum += op.flops;
  return sum;
}

}  // namespace orrery
