#include "models/parameters.hpp"

#include <stdexcept>
#include <string>

#include "models/rank_dims.hpp"

namespace orrery {
namespace {

double norm_parameters(const ModelSpec& m, double width) {
  return (m.norm == "layernorm" ? 2.0 : 1.0) * width;  // weight (+ bias)
}

// One layer's attention block, split the ways the counts need it.
struct AttentionParams {
  double matmul = 0;   // weights of the projections
  double norms = 0;    // ln_attn, and mla's two latent norms
  double bias = 0;     // projection biases (linear_bias only)
};

// gqa: Q and O are h x a d, K and V are h x g d. mla: Q through the
// q_lora_rank latent (or h x a d_qk directly), K/V down h x (kv_lora_rank +
// qk_rope_head_dim), up kv_lora_rank x a (qk_nope + v), O a v x h.
AttentionParams attention_parameters(const ModelSpec& m) {
  const double h = m.hidden;
  AttentionParams p;
  p.norms = norm_parameters(m, h);
  if (!m.mla()) {
    const double d = static_cast<double>(m.hidden / m.heads);
    const double q = m.heads * d;
    const double kv = m.kv_heads * d;
    p.matmul = h * q + 2 * h * kv + q * h;
    p.bias = (m.heads + 2.0 * m.kv_heads) * d + h;  // qkv, attention output
    return p;
  }
  const double a = m.heads;
  const double qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
  const double kv_down = m.kv_lora_rank + m.qk_rope_head_dim;
  const double kv_up = a * (m.qk_nope_head_dim + m.v_head_dim);
  const double o = a * m.v_head_dim;
  if (m.q_lora_rank > 0) {
    p.matmul = h * m.q_lora_rank + m.q_lora_rank * a * qk;
    p.norms += norm_parameters(m, m.q_lora_rank);
    p.bias = m.q_lora_rank + a * qk;
  } else {
    p.matmul = h * a * qk;
    p.bias = a * qk;
  }
  p.matmul += h * kv_down + m.kv_lora_rank * kv_up + o * h;
  p.norms += norm_parameters(m, m.kv_lora_rank);
  p.bias += kv_down + kv_up + h;
  return p;
}

// An MLP of inner width f: 2 (gelu) or 3 (swiglu) h x f matrices, and
// fc1 (gate + up for swiglu) and fc2 biases.
double mlp_matmul(const ModelSpec& m, double f) {
  return (m.activation == "swiglu" ? 3.0 : 2.0) * m.hidden * f;
}
double mlp_bias(const ModelSpec& m, double f) {
  return m.linear_bias ? (m.activation == "swiglu" ? 2.0 : 1.0) * f + m.hidden : 0;
}

}  // namespace

ParameterCount count_parameters(const ModelSpec& m) {
  check_model_spec(m);
  const double h = m.hidden;
  const AttentionParams attn = attention_parameters(m);
  const double attention = attn.matmul + attn.norms + (m.linear_bias ? attn.bias : 0);
  const double mlp_norm = norm_parameters(m, h);
  ParameterCount p;
  p.embedding = static_cast<double>(m.vocab) * h;
  p.position = m.position == "learned" ? static_cast<double>(m.max_seq_len) * h : 0;
  p.dense_layer = attention + mlp_norm + mlp_matmul(m, m.ffn_hidden) + mlp_bias(m, m.ffn_hidden);
  p.final_norm = norm_parameters(m, h);
  p.output = m.tied_embeddings ? 0 : static_cast<double>(m.vocab) * h;
  const double ends = p.embedding + p.position + p.final_norm + p.output;
  if (!m.moe()) {
    p.per_layer = p.dense_layer;
    p.total = p.embedding + p.position + m.layers * p.per_layer + p.final_norm + p.output;
    p.active = p.total;
    return p;
  }
  const double fe = m.expert_ffn();
  const double expert = mlp_matmul(m, fe) + mlp_bias(m, fe);
  const double router = static_cast<double>(m.experts) * h;  // no bias
  const double routed = m.experts * expert;
  const double shared = m.shared_experts * expert;
  p.moe_layer = attention + mlp_norm + router + routed + shared;
  const double layers_total = m.dense_layers * p.dense_layer + m.moe_layers() * p.moe_layer;
  p.per_layer = layers_total / m.layers;
  p.expert_per_layer = m.moe_layers() * routed / m.layers;
  p.total = ends + layers_total;
  p.active = p.total - m.moe_layers() * (m.experts - m.experts_per_token) * expert;
  return p;
}

double model_flops_per_token(const ModelSpec& m, int seq_len) {
  check_model_spec(m);
  if (seq_len <= 0) {
    throw std::invalid_argument("model " + m.name + ": seq_len " + std::to_string(seq_len) +
                                " must be > 0");
  }
  const double l = m.layers;
  const double attention_matmul = attention_parameters(m).matmul;
  double layer_matmuls = l * (attention_matmul + mlp_matmul(m, m.ffn_hidden));
  if (m.moe()) {
    const double active_experts = m.experts_per_token + m.shared_experts;
    const double moe_mlp = static_cast<double>(m.experts) * m.hidden +  // router
                           active_experts * mlp_matmul(m, m.expert_ffn());
    layer_matmuls = m.dense_layers * (attention_matmul + mlp_matmul(m, m.ffn_hidden)) +
                    m.moe_layers() * (attention_matmul + moe_mlp);
  }
  const double matmul_weights = layer_matmuls + static_cast<double>(m.vocab) * m.hidden;  // + logits
  // Forward per token per layer: QK^T and AV are 2 s a d_qk and 2 s a d_v;
  // x3 for forward + backward.
  double attention = 0;
  if (m.mla()) {
    const double widths = static_cast<double>(m.heads) *
                          (m.qk_nope_head_dim + m.qk_rope_head_dim + m.v_head_dim);
    attention = l * 3 * 2 * static_cast<double>(seq_len) * widths;
  } else {
    const double q_width = static_cast<double>(m.hidden / m.heads) * m.heads;  // a d
    attention = l * 3 * 4 * static_cast<double>(seq_len) * q_width;
  }
  return 6 * matmul_weights + attention;
}

}  // namespace orrery
