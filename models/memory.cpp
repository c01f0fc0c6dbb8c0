#include "models/memory.hpp"

#include "models/rank_dims.hpp"

namespace orrery {

// The tensors one layer's forward keeps for its backward, per TP rank
// (T = b s tokens, e bytes per element, dropout masks 1 byte). In
// Korthikanti et al.'s units (e = 2, GPT: g = a, a d = h, f = 4h), with t = 1:
//   attention block
//     ln_attn input                    e T h          2 sbh   (not split by t)
//     qkv input (norm output)          e T h          2 sbh   (not split)
//     Q, K                             e T (a + g) d / t  4 sbh
//     V                                e T g d / t    2 sbh
//     [unfused] softmax output         e b (a/t) s^2  2 as^2b
//     [unfused] its dropout mask       1 b (a/t) s^2    as^2b
//     [unfused] dropout output (AV)    e b (a/t) s^2  2 as^2b
//     [flash] log-sum-exp, fp32        4 b (a/t) s    (replaces the 5 as^2b;
//                                      flash regenerates its dropout mask)
//     out-proj input (context)         e T a d / t    2 sbh
//     residual dropout mask            1 T h            sbh   (not split)
//   MLP block
//     ln_mlp input                     e T h          2 sbh   (not split)
//     fc1 input (norm output)          e T h          2 sbh   (not split)
//     activation input                 e T f / t      8 sbh   (swiglu: gate and up, 2 f / t)
//     fc2 input (activation output)    e T f / t      8 sbh
//     residual dropout mask            1 T h            sbh   (not split)
// Sum: 34 sbh + 5 as^2b, or with t: sbh (10 + 24/t + 5as/(ht)).
// Not counted, as in the paper: the norms' per-token fp32 statistics (4 to
// 8 bytes per token, 1/h of the norm input). The dropout masks are kept
// whatever the model (ModelSpec has no dropout rate; Llama trains without
// dropout and would save the 2 sbh). Full recompute keeps the layer input.
double activation_bytes_of_layer(const ModelSpec& m, const LayerShape& s, int layer_index, Recompute recompute,
                                 bool sequence_parallel) {
  const RankDims r = rank_dims(m, s);
  const double T = r.tokens;
  // The tensors "not split" by tp above; sequence parallelism splits them.
  const double seq_split = sequence_parallel ? s.tp : 1;
  if (recompute == Recompute::full) return r.e * T * r.h / seq_split;

  const double scores = r.b * r.heads * r.s * r.s;

  double attention = (r.e * T * r.h                // ln_attn input
                      + r.e * T * r.h              // qkv input
                      + T * r.h) / seq_split       // residual dropout mask
                     + r.e * T * (r.q_width + r.k_width + r.v_width)  // Q, K, V
                     + r.e * T * r.o_width;        // out-proj input
  if (r.mla) {
    // q_norm input and q_up input (q_lora_rank > 0); kv_down output (the
    // kv_norm input and the rope key) and kv_up input. Replicated over tp.
    if (r.q_lora > 0) attention += 2 * r.e * T * r.q_lora;
    attention += r.e * T * (r.kv_lora + r.qk_rope) + r.e * T * r.kv_lora;
  }
  if (recompute == Recompute::selective) {
    // the attention core's own tensors are rebuilt in the backward
  } else if (s.flash_attention) {
    attention += 4 * r.b * r.heads * r.s;
  } else {
    attention += scores * (2 * r.e + 1);
  }

  const double norm_and_residual = (r.e * T * r.h  // ln_mlp input
                                    + r.e * T * r.h  // fc1 / router input (norm output)
                                    + T * r.h) / seq_split;  // residual dropout mask
  // A dense MLP of `width` on `rows`: activation input (swiglu: gate and
  // up) and fc2 input.
  const auto mlp_tensors = [&](double rows, double width) {
    return r.e * rows * (r.swiglu ? 2 : 1) * width + r.e * rows * width;
  };
  if (!m.is_moe_layer(layer_index)) return attention + norm_and_residual + mlp_tensors(T, r.ffn);

  const double rows = T * r.top_k * r.capacity_factor;   // this rank's expert rows (= the copies it dispatches)
  double moe = norm_and_residual
               + 4 * T * r.experts                       // router probabilities, fp32
               + 2 * r.e * rows * r.h                    // expert fc1 input, expert output
               + mlp_tensors(rows, r.expert_ffn);
  if (r.shared_ffn > 0) moe += mlp_tensors(T, r.shared_ffn);
  return attention + moe;
}

double activation_bytes_per_layer(const ModelSpec& m, const LayerShape& s, Recompute recompute,
                                  bool sequence_parallel) {
  return activation_bytes_of_layer(m, s, m.layers > 0 ? m.layers - 1 : 0, recompute, sequence_parallel);
}

}  // namespace orrery
