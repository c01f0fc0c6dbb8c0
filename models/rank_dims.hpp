#pragma once
// The dims of one layer as one tensor-parallel rank sees them, checked once
// and shared by the op list (transformer.cpp) and the activation memory
// (memory.cpp), so that both count the same tensors. Doubles, because every
// consumer multiplies them into FLOPs and bytes.
#include "models/model_spec.hpp"
#include "models/transformer.hpp"

namespace orrery {

struct RankDims {
  double b = 0;          // micro_batch (sequences)
  double s = 0;          // seq_len
  double tokens = 0;     // b * s: the GEMM row count
  double h = 0;          // hidden
  double d = 0;          // head dim h / a
  double heads = 0;      // a / t: query heads on this rank
  double kv_heads = 0;   // g / t: key/value heads on this rank
  double ffn = 0;        // f / t
  double vocab = 0;      // ceil(V / t): this rank's share of the vocab-parallel logits
  double e = 0;          // bytes per element (activations and weights)
  bool swiglu = false;
  bool layernorm = false;  // else rmsnorm
  bool bias = false;
  bool learned_position = false;
};

// Throws std::invalid_argument naming the model, the field, the value and
// what is allowed (e.g. tp not dividing the heads).
void check_model_spec(const ModelSpec& m);
RankDims rank_dims(const ModelSpec& m, const LayerShape& s);

}  // namespace orrery
