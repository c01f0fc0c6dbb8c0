#pragma once
// A decoder-only transformer expanded into ops with shapes, FLOPs and bytes,
// per layer and per microbatch, as one rank runs them:
// - tensor parallelism (tp), Megatron-style: column-parallel QKV and FC1,
//   row-parallel output projection and FC2; heads, kv heads and ffn widths
//   divided by tp (experts' widths too: expert tensor parallelism = tp);
// - context parallelism (cp): the rank holds seq_len / cp tokens of each
//   sequence (two zigzag chunks, so causal work is balanced); every GEMM and
//   memory-bound op runs on those rows, and attention computes the rank's
//   queries against all seq_len keys, one K/V block per ring step;
// - expert parallelism (ep): a MoE layer's routed experts are spread over ep
//   ranks, E / ep on each; tokens reach them through two all-to-alls.
//
// Conventions: a GEMM of m x k by k x n is 2mnk FLOPs. Backward of a GEMM is
// two GEMMs (input gradient and weight gradient), 2x the forward FLOPs.
// Bytes are HBM traffic: inputs read + outputs written (+ weights read).
#include <cstdint>
#include <vector>

#include "models/model_spec.hpp"

namespace orrery {

enum class OpKind { gemm, attention, memory_bound };

struct Op {
  const char* name = "";     // static string: "qkv", "attn_core", "fc1", "layernorm", ...
  OpKind kind = OpKind::memory_bound;
  double flops = 0;
  double bytes = 0;
  std::int64_t m = 0, n = 0, k = 0, batch = 1;   // GEMM / batched-GEMM shape
};

struct LayerShape {
  int micro_batch = 1;       // sequences
  int seq_len = 2048;        // the whole sequence (before the cp split)
  int tp = 1;
  int cp = 1;                // context-parallel degree: 2 cp must divide seq_len; needs flash
  int ep = 1;                // expert-parallel degree: must divide the model's experts
  int bytes_per_element = 2; // activations and weights in compute precision
  bool flash_attention = true;  // fused attention: no s x s scores in HBM
  bool fused_cross_entropy = false;  // one-pass loss kernel instead of Megatron's eager ops
};

// One layer on one rank, split at the points where it communicates.
//
// Dense MLP (dense models, and a MoE model's first dense_layers layers):
// Megatron TP communicates after the attention block and after the MLP block.
//
// MoE MLP (moe == true): mlp_forward is, in order,
//   router_forward ++ shared_forward ++ experts_forward ++ combine_forward
// (mlp_backward likewise reversed: combine, experts, shared, router), so a
// step program that knows nothing of experts still times every op. One that
// does runs them as
//   router_forward        norm, router GEMM, top-k, permute into expert order
//   [all-to-all dispatch: dispatch_bytes per rank, over the ep group]
//   experts_forward       grouped GEMMs of the local experts
//   [all-to-all combine:  dispatch_bytes per rank]
//   combine_forward       unpermute, weighted sum of the top-k, + shared
//                         experts' output, + residual
// and may overlap shared_forward (the always-on experts, on this rank's own
// tokens) with either all-to-all. Backward: combine_backward, [all-to-all],
// experts_backward, [all-to-all], router_backward, shared_backward anywhere
// in between. With ep = 1 the all-to-alls move nothing off the rank.
struct LayerOps {
  std::vector<Op> attention_forward;   // norm, qkv (mla: down/up projections), attention core, out proj (+ residual)
  std::vector<Op> mlp_forward;         // whole MLP block: dense or MoE (see above)
  std::vector<Op> attention_backward;
  std::vector<Op> mlp_backward;

  bool moe = false;
  std::vector<Op> router_forward, shared_forward, experts_forward, combine_forward;
  std::vector<Op> router_backward, shared_backward, experts_backward, combine_backward;
  // Bytes one rank sends in one all-to-all (dispatch; combine returns the
  // same): its tokens x top-k x h x bytes_per_element x capacity_factor per
  // microbatch, the share for itself included (a fraction 1/ep that stays
  // local). The backward's two all-to-alls move the same bytes.
  double dispatch_bytes = 0;
  int local_experts = 0;               // E / ep
  double expert_rows = 0;              // rows each local expert processes (RankDims::expert_rows)

  // Context parallelism: the attention core (the attn_core op: the rank's
  // seq_len / cp queries against all seq_len keys) runs as cp_steps equal
  // pieces, one per K/V block; before each of the cp - 1 later pieces the
  // rank receives a kv_block_bytes block from its ring neighbour and passes
  // its current one on (forward: K and V; backward: K and V onward together
  // with their accumulated gradients dK, dV, which travel with the block as
  // in TransformerEngine's ring: 2 kv_block_bytes). 0 and 1 when cp = 1.
  int cp_steps = 1;
  double kv_block_bytes = 0;           // K and V of seq_len / cp tokens, this rank's kv heads
};
// The layer `layer_index` (0-based) of the model: a dense-MLP layer unless
// m.is_moe_layer(layer_index).
LayerOps transformer_layer_ops(const ModelSpec& m, const LayerShape& s, int layer_index);
// The model's representative layer: a MoE layer for MoE models (the last
// layer), the layer for dense ones. Steps that time every layer alike use it.
LayerOps transformer_layer_ops(const ModelSpec& m, const LayerShape& s);

// Embedding lookup on the first stage; final norm, output projection (logits)
// and cross-entropy loss on the last stage. The output projection is
// vocab-parallel over tp.
std::vector<Op> embedding_forward_ops(const ModelSpec& m, const LayerShape& s);
std::vector<Op> embedding_backward_ops(const ModelSpec& m, const LayerShape& s);
std::vector<Op> head_forward_ops(const ModelSpec& m, const LayerShape& s);
std::vector<Op> head_backward_ops(const ModelSpec& m, const LayerShape& s);

double total_flops(const std::vector<Op>& ops);

}  // namespace orrery
