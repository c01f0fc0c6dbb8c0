#pragma once
// A dense decoder-only transformer, as named in models/catalog/*.json.
// Filled by sim/scenario (whose schema declares each field's range and doc).
#include <string>

namespace orrery {

struct ModelSpec {
  std::string name;
  std::string family;              // "gpt", "llama", "bloom" (documentation only)
  int layers = 0;
  int hidden = 0;                  // model width h
  int heads = 0;                   // attention heads a
  int kv_heads = 0;                // key/value heads (GQA); == heads for MHA
  int ffn_hidden = 0;              // MLP inner width (4h for GPT; Llama's own)
  int vocab = 0;
  int max_seq_len = 0;
  std::string activation;          // "gelu" (2 matrices) or "swiglu" (3 matrices)
  std::string norm;                // "layernorm" (weight+bias) or "rmsnorm" (weight)
  std::string position;            // "learned" (a max_seq_len x h table), or "rope" / "alibi"
                                   // (no parameters: rotary, or a bias on the attention scores)
  bool tied_embeddings = false;    // output layer shares the input embedding
  bool linear_bias = false;        // GEMMs carry a bias vector (GPT) or not (Llama)
  double published_params_billion = 0;
  std::string source;
};

}  // namespace orrery
