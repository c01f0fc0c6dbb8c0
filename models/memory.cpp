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
double activation_bytes_per_layer(const ModelSpec& m, const LayerShape& s, Recompute recompute,
                                  bool sequence_parallel) {
  const RankDims r = rank_dims(m, s);
  const double T = r.tokens;
  // The tensors "not split" by tp above; sequence parallelism splits them.
  const double seq_split = sequence_parallel ? s.tp : 1;
  if (recompute == Recompute::full) return r.e * T * r.h / seq_split;

  const double q_width = r.heads * r.d;
  const double kv_width = r.kv_heads * r.d;
  const double scores = r.b * r.heads * r.s * r.s;

  double attention = (r.e * T * r.h                // ln_attn input
                      + r.e * T * r.h              // qkv input
                      + T * r.h) / seq_split       // residual dropout mask
                     + r.e * T * (q_width + 2 * kv_width)  // Q, K, V
                     + r.e * T * q_width;          // out-proj input
  if (recompute == Recompute::selective) {
    // the attention core's own tensors are rebuilt in the backward
  } else if (s.flash_attention) {
    attention += 4 * r.b * r.heads * r.s;
  } else {
    attention += scores * (2 * r.e + 1);
  }

  const double act_input = (r.swiglu ? 2 : 1) * r.ffn;
  const double mlp = (r.e * T * r.h                // ln_mlp input
                      + r.e * T * r.h              // fc1 input
                      + T * r.h) / seq_split       // residual dropout mask
                     + r.e * T * act_input         // activation input
                     + r.e * T * r.ffn;            // fc2 input
  return attention + mlp;
}

}  // namespace orrery
