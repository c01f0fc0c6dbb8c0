#pragma once
// A decoder-only transformer, as named in models/catalog/*.json: dense, or a
// mixture of experts (experts > 0), with grouped-query or multi-head latent
// attention. Filled by sim/scenario (whose schema declares each field's range
// and doc).
#include <string>

namespace orrery {

struct ModelSpec {
  std::string name;
  std::string family;              // "gpt", "llama", "bloom" (documentation only)
  int layers = 0;
  int hidden = 0;                  // model width h
  int heads = 0;                   // attention heads a
  int kv_heads = 0;                // key/value heads (GQA); == heads for MHA and MLA
  int ffn_hidden = 0;              // dense MLP inner width (4h for GPT; Llama's own)
  int vocab = 0;
  int max_seq_len = 0;
  std::string activation;          // "gelu" or "relu" (2 matrices), or "swiglu" (3 matrices)
  std::string norm;                // "layernorm" (weight+bias) or "rmsnorm" (weight)
  std::string position;            // "learned" (a max_seq_len x h table), or "rope" / "alibi"
                                   // (no parameters: rotary, or a bias on the attention scores)
  bool tied_embeddings = false;    // output layer shares the input embedding
  bool linear_bias = false;        // GEMMs carry a bias vector (GPT) or not (Llama)

  // Attention. "gqa": Q, K, V projections of heads / kv_heads x (h / heads)
  // (covers MHA and MQA). "mla": DeepSeek's multi-head latent attention: Q and
  // the joint K/V go through low-rank down projections (q_lora_rank,
  // kv_lora_rank; q_lora_rank 0 = a direct Q projection), each head's query
  // and key are qk_nope_head_dim + qk_rope_head_dim wide (the rope part of
  // the key is one shared head), values v_head_dim; kv_heads must equal heads.
  std::string attention = "gqa";
  int q_lora_rank = 0;
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;

  // Mixture of experts (experts = 0: dense). Layers [0, dense_layers) keep the
  // dense MLP of width ffn_hidden; every later layer's MLP is a router over
  // `experts` routed experts of which each token takes experts_per_token,
  // plus shared_experts always-on experts, all of width moe_ffn_hidden
  // (0: ffn_hidden) and the model's activation.
  int experts = 0;
  int experts_per_token = 0;
  int moe_ffn_hidden = 0;
  int shared_experts = 0;
  int dense_layers = 0;
  // Rows each expert is sized for, over the balanced share tokens x top-k /
  // experts: 1.0 is dropless training with perfectly balanced routing (what
  // an auxiliary or bias-based balancer aims at); above 1 models padded
  // expert buffers or imbalance (the busiest expert sets the time). A model
  // field, not a parallelism one, so that a scenario's inline model override
  // can set it next to the experts it describes.
  double capacity_factor = 1.0;

  double published_params_billion = 0;
  std::string source;

  bool moe() const { return experts > 0; }
  bool mla() const { return attention == "mla"; }
  int expert_ffn() const { return moe_ffn_hidden > 0 ? moe_ffn_hidden : ffn_hidden; }
  // Layer `layer` (0-based) has a mixture-of-experts MLP.
  bool is_moe_layer(int layer) const { return moe() && layer >= dense_layers; }
  int moe_layers() const { return moe() ? layers - dense_layers : 0; }
};

}  // namespace orrery
