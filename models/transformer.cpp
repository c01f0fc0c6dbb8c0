#include "models/transformer.hpp"

#include <cstdint>

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
//   does the model-FLOPs convention). Backward: 2x forward. Flash attention's
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

// Weight GEMM forward (m = tokens, n, k) -> dgrad and wgrad.
void push_gemm_backward(std::vector<Op>& out, const Op& fwd, const char* dgrad,
                        const char* wgrad, const RankDims& r) {
  const double m = static_cast<double>(fwd.m);
  const double n = static_cast<double>(fwd.n);
  const double k = static_cast<double>(fwd.k);
  out.push_back(gemm(dgrad, m, k, n, r.e));                      // dX = dY W^T
  out.push_back(gemm(wgrad, k, n, m, r.e, 1, r.bias ? n : 0));   // dW = X^T dY (+ db)
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

}  // namespace

LayerOps transformer_layer_ops(const ModelSpec& m, const LayerShape& s) {
  const RankDims r = rank_dims(m, s);
  const double T = r.tokens;
  const double q_width = r.heads * r.d;      // a d / t
  const double kv_width = r.kv_heads * r.d;  // g d / t
  const double attn_batch = r.b * r.heads;   // (sequence, head) pairs on this rank
  const double scores = attn_batch * r.s * r.s;
  LayerOps ops;

  // ---- attention block, forward
  auto& af = ops.attention_forward;
  const Op ln_attn = norm("ln_attn", r);
  const double qkv_n = q_width + 2 * kv_width;
  const Op qkv = gemm("qkv", T, qkv_n, r.h, r.e, 1, r.bias ? qkv_n : 0);
  const Op attn_out = gemm("attn_out", T, r.h, q_width, r.e, 1, r.bias ? r.h : 0);
  const Op residual_attn = dropout_residual("residual_attn", r);
  af.push_back(ln_attn);
  af.push_back(qkv);

  // Unfused attention's intermediates (used forward and backward).
  const Op attn_scores = gemm("attn_scores", r.s, r.s, r.d, r.e, attn_batch);   // Q K^T
  const Op softmax = memory_bound("softmax", 2 * scores * r.e);  // fused scale+mask+softmax
  const Op attn_dropout = memory_bound("attn_dropout", scores * (2 * r.e + 1));
  const Op attn_context = gemm("attn_context", r.s, r.d, r.s, r.e, attn_batch);  // P V
  // Flash: read Q, K, V, write O and the fp32 log-sum-exp per (token, head).
  Op attn_core;
  attn_core.name = "attn_core";
  attn_core.kind = OpKind::attention;
  attn_core.flops = attn_scores.flops + attn_context.flops;
  attn_core.bytes = T * (2 * q_width + 2 * kv_width) * r.e + T * r.heads * 4;
  attn_core.m = whole(r.s);
  attn_core.n = whole(r.s);
  attn_core.k = whole(r.d);
  attn_core.batch = whole(attn_batch);

  if (s.flash_attention) {
    af.push_back(attn_core);
  } else {
    af.push_back(attn_scores);
    af.push_back(softmax);
    af.push_back(attn_dropout);
    af.push_back(attn_context);
  }
  af.push_back(attn_out);
  af.push_back(residual_attn);

  // ---- MLP block, forward
  auto& mf = ops.mlp_forward;
  const Op ln_mlp = norm("ln_mlp", r);
  const double fc1_n = (r.swiglu ? 2 : 1) * r.ffn;  // swiglu: gate and up in one GEMM
  const Op fc1 = gemm("fc1", T, fc1_n, r.h, r.e, 1, r.bias ? fc1_n : 0);
  // gelu reads and writes f/t per token; swiglu reads gate and up, writes one.
  const Op act = memory_bound("act", T * (fc1_n + r.ffn) * r.e);
  const Op fc2 = gemm("fc2", T, r.h, r.ffn, r.e, 1, r.bias ? r.h : 0);
  const Op residual_mlp = dropout_residual("residual_mlp", r);
  mf = {ln_mlp, fc1, act, fc2, residual_mlp};

  // ---- MLP block, backward (reverse order)
  auto& mb = ops.mlp_backward;
  mb.push_back(backward_of("residual_mlp_bwd", residual_mlp));
  push_gemm_backward(mb, fc2, "fc2_dgrad", "fc2_wgrad", r);
  mb.push_back(backward_of("act_bwd", act));
  push_gemm_backward(mb, fc1, "fc1_dgrad", "fc1_wgrad", r);
  mb.push_back(backward_of("ln_mlp_bwd", ln_mlp));

  // ---- attention block, backward
  auto& ab = ops.attention_backward;
  ab.push_back(backward_of("residual_attn_bwd", residual_attn));
  push_gemm_backward(ab, attn_out, "attn_out_dgrad", "attn_out_wgrad", r);
  if (s.flash_attention) {
    Op bwd = attn_core;
    bwd.name = "attn_core_bwd";
    bwd.flops = 2 * attn_core.flops;
    // Read Q, K, V, O, dO and the statistics; write dQ, dK, dV.
    bwd.bytes = T * (4 * q_width + 4 * kv_width) * r.e + T * r.heads * 4;
    ab.push_back(bwd);
  } else {
    // C = P V: dP = dC V^T (s x d by d x s), dV = P^T dC (s x s by s x d).
    ab.push_back(gemm("attn_context_dprobs", r.s, r.s, r.d, r.e, attn_batch));
    ab.push_back(gemm("attn_context_dv", r.s, r.d, r.s, r.e, attn_batch));
    ab.push_back(backward_of("attn_dropout_bwd", attn_dropout));
    ab.push_back(backward_of("softmax_bwd", softmax));
    // S = Q K^T: dQ = dS K, dK = dS^T Q (each s x s by s x d).
    ab.push_back(gemm("attn_scores_dq", r.s, r.d, r.s, r.e, attn_batch));
    ab.push_back(gemm("attn_scores_dk", r.s, r.d, r.s, r.e, attn_batch));
  }
  push_gemm_backward(ab, qkv, "qkv_dgrad", "qkv_wgrad", r);
  ab.push_back(backward_of("ln_attn_bwd", ln_attn));
  return ops;
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

// Final norm, the vocab-parallel logits GEMM (no bias in GPT or Llama), and
// cross-entropy. Megatron upcasts the logits to fp32 for the softmax: one
// fp32 read and one fp32 write per logit (a fused kernel's single pass; eager
// PyTorch makes a few more).
std::vector<Op> head_forward_ops(const ModelSpec& m, const LayerShape& s) {
  const RankDims r = rank_dims(m, s);
  return {norm("ln_final", r), gemm("logits", r.tokens, r.vocab, r.h, r.e),
          memory_bound("cross_entropy", r.tokens * r.vocab * 2 * 4)};
}

std::vector<Op> head_backward_ops(const ModelSpec& m, const LayerShape& s) {
  const std::vector<Op> fwd = head_forward_ops(m, s);
  RankDims r = rank_dims(m, s);
  r.bias = false;  // the output layer has no bias
  std::vector<Op> out;
  out.push_back(backward_of("cross_entropy_bwd", fwd[2]));
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
