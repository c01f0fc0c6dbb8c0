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

double activation_bytes_per_layer(const ModelSpec& m, const LayerShape& s, Recompute r,
                                  bool sequence_parallel = false);

}  // namespace orrery
