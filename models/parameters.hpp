#pragma once
// Parameter counts and model FLOPs, from the dims alone.
#include "models/model_spec.hpp"

namespace orrery {

struct ParameterCount {
  double embedding = 0;      // vocab x h
  double position = 0;       // learned position table (0 with rope)
  double per_layer = 0;      // attention + MLP + norms (+ biases)
  double final_norm = 0;
  double output = 0;         // vocab x h unless tied
  double total = 0;
};
ParameterCount count_parameters(const ModelSpec& m);

// Model FLOPs per token of one training step (forward + backward, no
// recompute), counted from the matrix multiplications of the ops (as PaLM
// and Megatron do): 6 x (matmul weight parameters, output layer included;
// embedding lookup, norms and biases excluded) + 12 s a d per layer for the
// attention score and context products (the full s x s, no causal halving,
// as Megatron counts it). For GPT dims: 72 l h^2 (1 + s/6h) + 6 V h.
// Adding the one recomputed forward of the layers, 24 l h^2 (1 + s/6h),
// gives exactly Megatron's 96 l h^2 (1 + s/6h + V/16lh) per token; 3/4 of
// Megatron's figure is 1.5 V h short, because its logit layer is not
// recomputed.
double model_flops_per_token(const ModelSpec& m, int seq_len);

}  // namespace orrery
