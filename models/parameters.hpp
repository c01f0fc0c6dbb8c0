#pragma once
// Parameter counts and model FLOPs, from the dims alone.
#include "models/model_spec.hpp"

namespace orrery {

struct ParameterCount {
  double embedding = 0;      // vocab x h
  double position = 0;       // learned position table (0 with rope)
  // Average over the layers of each layer's parameters, all experts included:
  // attention + MLP (dense, or router + routed + shared experts) + norms (+
  // biases). layers x per_layer is the layers' total, so memory that divides
  // per_layer by tp is right for MoE models too when ep = 1.
  double per_layer = 0;
  // The routed experts' part of per_layer (same average): the parameters that
  // expert parallelism divides by ep (router and shared experts stay whole).
  // Routed-expert parameters per MoE layer: expert_per_layer x layers / moe_layers().
  double expert_per_layer = 0;
  double dense_layer = 0;    // one layer with the dense MLP (every layer of a dense model)
  double moe_layer = 0;      // one MoE layer, all experts (0 for dense models)
  double final_norm = 0;
  double output = 0;         // vocab x h unless tied
  double total = 0;
  // Parameters one token's forward uses: total less the routed experts it
  // is not sent to (experts - experts_per_token per MoE layer). Counts the
  // input embedding (Mistral's 12.9B for Mixtral does; DeepSeek's 36.6B
  // for V3 does not, see tests/models/test_moe_parameters.cpp). Equal to
  // total for dense models.
  double active = 0;
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
// MoE: the weights a token multiplies, i.e. the active ones: router, its
// experts_per_token routed experts and the shared experts (capacity_factor
// padding is not model work, so it is not counted). MLA: its down and up
// projections, and 6 s a (d_qk + d_v) per layer for the attention products.
double model_flops_per_token(const ModelSpec& m, int seq_len);

}  // namespace orrery
