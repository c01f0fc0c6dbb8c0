#pragma once
// Activation memory per layer (Korthikanti et al. 2022, "Reducing Activation
// Recomputation in Large Transformer Models"), generalized to GQA, SwiGLU and
// any ffn width: the bytes of the tensors a layer's forward keeps for its
// backward, per TP rank. For GPT dims, 16-bit, no parallelism:
//   34 s b h + 5 a s^2 b    bytes per layer;
// with tensor parallelism t (no sequence parallelism):
//   s b h (10 + 24/t + 5 a s / (h t)).
// Flash attention keeps no s x s tensor (the 5as/h term becomes the
// softmax statistics, 4 a s b bytes / t). Full recompute keeps only the
// layer input: 2 s b h.
// Sequence parallelism (Megatron-SP) splits the norm and dropout tensors
// along the sequence too: s b h (34/t + 5 a s / (h t)) (their Table 2).
// Selective recompute re-runs the attention core (scores, softmax, dropout,
// attention over V) in the backward, so the 5 a s / (h t) term (or flash
// attention's statistics) is not kept.
#include "models/model_spec.hpp"
#include "models/transformer.hpp"

namespace orrery {

enum class Recompute { none, selective, full };

//
// Context parallelism divides every term by cp (the rank holds seq_len / cp
// tokens; flash attention, which cp requires, keeps no s x s tensor).
// MLA keeps its latents (q_lora_rank and kv_lora_rank + qk_rope_head_dim
// wide: the norm inputs and the up projections' inputs) and Q, K, V, O at
// their own widths (q/k heads x (qk_nope + qk_rope), v/o heads x v_head_dim).
// A MoE layer's MLP keeps, besides the norm and residual tensors, the router
// probabilities (fp32, tokens x experts) and, for the tokens x top-k x
// capacity_factor rows its experts process (balanced routing: as many rows
// as it dispatches), the experts' fc1 input, activation input, fc2 input and
// output (the combine's gate gradient reads it); shared experts keep a dense
// MLP's tensors at their width.
double activation_bytes_per_layer(const ModelSpec& m, const LayerShape& s, Recompute r,
                                  bool sequence_parallel = false);
// The same for layer `layer_index` (0-based): a MoE model's first
// dense_layers layers keep a dense MLP's tensors. The overload above is the
// model's representative layer (a MoE layer for MoE models).
double activation_bytes_of_layer(const ModelSpec& m, const LayerShape& s, int layer_index, Recompute r,
                                 bool sequence_parallel = false);

}  // namespace orrery
