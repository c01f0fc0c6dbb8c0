#include "models/rank_dims.hpp"

#include <numeric>
#include <stdexcept>
#include <string>

namespace orrery {
namespace {

[[noreturn]] void fail(const ModelSpec& m, const std::string& what) {
  throw std::invalid_argument("model " + (m.name.empty() ? std::string("(unnamed)") : m.name) +
                              ": " + what);
}

void require_positive(const ModelSpec& m, const char* field, long long value) {
  if (value <= 0) fail(m, std::string(field) + ": " + std::to_string(value) + " must be > 0");
}

// The tp values that keep heads, kv heads and the ffn width whole on a rank.
std::string valid_tp_hint(const ModelSpec& m) {
  const int g = std::gcd(std::gcd(m.heads, m.kv_heads), m.ffn_hidden);
  std::string out;
  for (int t = 1; t <= g && t <= 1024; ++t) {
    if (g % t == 0) out += (out.empty() ? "" : ", ") + std::to_string(t);
  }
  return "try tp in {" + out + "}";
}

}  // namespace

void check_model_spec(const ModelSpec& m) {
  require_positive(m, "layers", m.layers);
  require_positive(m, "hidden", m.hidden);
  require_positive(m, "heads", m.heads);
  require_positive(m, "kv_heads", m.kv_heads);
  require_positive(m, "ffn_hidden", m.ffn_hidden);
  require_positive(m, "vocab", m.vocab);
  if (m.hidden % m.heads != 0) {
    fail(m, "hidden " + std::to_string(m.hidden) + " is not a multiple of heads " +
                std::to_string(m.heads));
  }
  if (m.kv_heads > m.heads || m.heads % m.kv_heads != 0) {
    fail(m, "kv_heads " + std::to_string(m.kv_heads) + " must divide heads " +
                std::to_string(m.heads));
  }
  if (m.activation != "gelu" && m.activation != "swiglu") {
    fail(m, "activation \"" + m.activation + "\" is not one of \"gelu\", \"swiglu\"");
  }
  if (m.norm != "layernorm" && m.norm != "rmsnorm") {
    fail(m, "norm \"" + m.norm + "\" is not one of \"layernorm\", \"rmsnorm\"");
  }
  if (m.position != "learned" && m.position != "rope" && m.position != "alibi") {
    fail(m, "position \"" + m.position + "\" is not one of \"learned\", \"rope\", \"alibi\"");
  }
  if (m.position == "learned") require_positive(m, "max_seq_len", m.max_seq_len);
}

RankDims rank_dims(const ModelSpec& m, const LayerShape& s) {
  check_model_spec(m);
  require_positive(m, "micro_batch", s.micro_batch);
  require_positive(m, "seq_len", s.seq_len);
  require_positive(m, "tp", s.tp);
  require_positive(m, "bytes_per_element", s.bytes_per_element);
  // Megatron splits heads, kv groups and the ffn width evenly and asserts
  // divisibility; it does not replicate kv heads across ranks.
  if (m.heads % s.tp != 0 || m.kv_heads % s.tp != 0 || m.ffn_hidden % s.tp != 0) {
    fail(m, "tp " + std::to_string(s.tp) + " does not divide heads " + std::to_string(m.heads) +
                ", kv_heads " + std::to_string(m.kv_heads) + " and ffn_hidden " +
                std::to_string(m.ffn_hidden) + "; " + valid_tp_hint(m));
  }
  if (m.position == "learned" && s.seq_len > m.max_seq_len) {
    fail(m, "seq_len " + std::to_string(s.seq_len) + " exceeds the learned position table (" +
                std::to_string(m.max_seq_len) + ")");
  }

  RankDims r;
  r.b = s.micro_batch;
  r.s = s.seq_len;
  r.tokens = r.b * r.s;
  r.h = m.hidden;
  r.d = static_cast<double>(m.hidden / m.heads);
  r.heads = static_cast<double>(m.heads / s.tp);
  r.kv_heads = static_cast<double>(m.kv_heads / s.tp);
  r.ffn = static_cast<double>(m.ffn_hidden / s.tp);
  // The real vocabulary, rounded up to whole rows per rank. Megatron pads V
  // to a multiple of 128 t (50257 -> 50304 at t = 1); a scenario that wants
  // the padding counted sets vocab to the padded size.
  r.vocab = static_cast<double>((m.vocab + s.tp - 1) / s.tp);
  r.e = s.bytes_per_element;
  r.swiglu = m.activation == "swiglu";
  r.layernorm = m.norm == "layernorm";
  r.bias = m.linear_bias;
  r.learned_position = m.position == "learned";
  return r;
}

}  // namespace orrery
