#pragma once
// The dims of one layer as one rank sees them (tensor-, context- and
// expert-parallel splits applied), checked once and shared by the op list
// (transformer.cpp) and the activation memory (memory.cpp), so that both
// count the same tensors. Doubles, because every consumer multiplies them
// into FLOPs and bytes.
#include "models/model_spec.hpp"
#include "models/transformer.hpp"

namespace orrery {

struct RankDims {
  double b = 0;          // micro_batch (sequences)
  double s = 0;          // this rank's tokens of each sequence: seq_len / cp
  double s_kv = 0;       // keys each query attends to: the whole seq_len
  double tokens = 0;     // b * s: the GEMM row count
  double h = 0;          // hidden
  double d = 0;          // query/key head dim: h / a (gqa), qk_nope + qk_rope (mla)
  double heads = 0;      // a / t: query heads on this rank
  double kv_heads = 0;   // g / t: key/value heads on this rank
  double ffn = 0;        // f / t (dense MLP)
  double vocab = 0;      // ceil(V / t): this rank's share of the vocab-parallel logits
  double e = 0;          // bytes per element (activations and weights)
  bool swiglu = false;
  bool layernorm = false;  // else rmsnorm
  bool bias = false;
  bool learned_position = false;
  bool alibi = false;             // ALiBi: a per-head linear bias added to the attention scores

  // Attention widths on this rank (per token): Q and K are heads x d and
  // kv_heads x d, V and the attention output kv_heads x v_d and heads x v_d.
  // For gqa v_d = d; for mla v_d = v_head_dim.
  double v_d = 0;
  double q_width = 0;    // heads * d
  double k_width = 0;    // kv_heads * d
  double v_width = 0;    // kv_heads * v_d
  double o_width = 0;    // heads * v_d: attention output, input of the out projection
  bool mla = false;
  double q_lora = 0, kv_lora = 0, qk_rope = 0;  // mla only (not split by tp)

  // Mixture of experts (zero for dense models).
  double experts = 0;        // E routed experts in the model
  double local_experts = 0;  // E / ep on this rank
  double top_k = 0;
  double expert_ffn = 0;     // each expert's width / t (experts are tensor-parallel like the MLP)
  double shared_ffn = 0;     // shared_experts x expert width / t: one always-on MLP
  double capacity_factor = 1;
  // Rows each local expert processes per microbatch with balanced routing:
  // tokens x top_k x capacity_factor x ep / E (each of the ep ranks of the
  // expert-parallel group sends tokens x top_k copies, spread over E experts).
  double expert_rows = 0;
  double tp = 1, cp = 1, ep = 1;
};

// Throws std::invalid_argument naming the model, the field, the value and
// what is allowed (e.g. tp not dividing the heads).
void check_model_spec(const ModelSpec& m);
RankDims rank_dims(const ModelSpec& m, const LayerShape& s);

}  // namespace orrery
