#pragma once
// A dense decoder-only transformer expanded into ops with shapes, FLOPs and
// bytes, per layer and per microbatch, as one tensor-parallel rank runs them
// (Megatron-style TP: column-parallel QKV and FC1, row-parallel output
// projection and FC2; heads, kv heads and ffn width divided by tp).
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
  int seq_len = 2048;
  int tp = 1;
  int bytes_per_element = 2; // activations and weights in compute precision
  bool flash_attention = true;  // fused attention: no s x s scores in HBM
};

// One layer on one TP rank, split at the two points where Megatron TP
// communicates (after the attention block and after the MLP block).
struct LayerOps {
  std::vector<Op> attention_forward;   // norm, qkv, attention core, out proj (+ residual, dropout)
  std::vector<Op> mlp_forward;         // norm, fc1 (+gate), activation, fc2 (+ residual, dropout)
  std::vector<Op> attention_backward;
  std::vector<Op> mlp_backward;
};
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
