#include "models/parameters.hpp"

#include <stdexcept>
#include <string>

#include "models/rank_dims.hpp"

namespace orrery {
namespace {

// Weights of the matrix multiplications in one layer: Q and O are h x a d,
// K and V are h x g d (GQA), the MLP has 2 (gelu) or 3 (swiglu) h x f.
double matmul_weights_per_layer(const ModelSpec& m) {
  const double h = m.hidden;
  const double d = static_cast<double>(m.hidden / m.heads);
  const double q = m.heads * d;
  const double kv = m.kv_heads * d;
  const double mlp = (m.activation == "swiglu" ? 3.0 : 2.0) * h * m.ffn_hidden;
  return h * q + 2 * h * kv + q * h + mlp;
}

double norm_parameters(const ModelSpec& m) {
  return (m.norm == "layernorm" ? 2.0 : 1.0) * m.hidden;  // weight (+ bias)
}

}  // namespace

ParameterCount count_parameters(const ModelSpec& m) {
  check_model_spec(m);
  const double h = m.hidden;
  const double d = static_cast<double>(m.hidden / m.heads);
  ParameterCount p;
  p.embedding = static_cast<double>(m.vocab) * h;
  p.position = m.position == "learned" ? static_cast<double>(m.max_seq_len) * h : 0;
  p.per_layer = matmul_weights_per_layer(m) + 2 * norm_parameters(m);
  if (m.linear_bias) {
    // qkv, attention output, fc1 (gate + up for swiglu), fc2.
    const double fc1 = (m.activation == "swiglu" ? 2.0 : 1.0) * m.ffn_hidden;
    p.per_layer += (m.heads + 2.0 * m.kv_heads) * d + h + fc1 + h;
  }
  p.final_norm = norm_parameters(m);
  p.output = m.tied_embeddings ? 0 : static_cast<double>(m.vocab) * h;
  p.total = p.embedding + p.position + m.layers * p.per_layer + p.final_norm + p.output;
  return p;
}

double model_flops_per_token(const ModelSpec& m, int seq_len) {
  check_model_spec(m);
  if (seq_len <= 0) {
    throw std::invalid_argument("model " + m.name + ": seq_len " + std::to_string(seq_len) +
                                " must be > 0");
  }
  const double l = m.layers;
  const double q_width = static_cast<double>(m.hidden / m.heads) * m.heads;  // a d
  const double matmul_weights = l * matmul_weights_per_layer(m) +
                                static_cast<double>(m.vocab) * m.hidden;  // + logits
  // Forward per token per layer: QK^T and AV are 2 s a d each; x3 for
  // forward + backward.
  const double attention = l * 3 * 4 * static_cast<double>(seq_len) * q_width;
  return 6 * matmul_weights + attention;
}

}  // namespace orrery
