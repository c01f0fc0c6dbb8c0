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
  int g = std::gcd(std::gcd(m.heads, m.kv_heads), m.ffn_hidden);
  if (m.moe()) g = std::gcd(g, m.expert_ffn());
  std::string out;
  for (int t = 1; t <= g && t <= 1024; ++t) {
    if (g % t == 0) out += (out.empty() ? "" : ", ") + std::to_string(t);
  }
  return "try tp in {" + out + "}";
}

// DeepSeek's MLA: every head has its own key and value (kv_heads = heads),
// rebuilt from the kv_lora_rank latent.
void check_mla(const ModelSpec& m) {
  if (m.kv_heads != m.heads) {
    fail(m, "kv_heads " + std::to_string(m.kv_heads) + " must equal heads " +
                std::to_string(m.heads) + " with attention \"mla\" (every head has its own key and value)");
  }
  require_positive(m, "kv_lora_rank", m.kv_lora_rank);
  require_positive(m, "qk_nope_head_dim", m.qk_nope_head_dim);
  require_positive(m, "v_head_dim", m.v_head_dim);
  if (m.q_lora_rank < 0) fail(m, "q_lora_rank " + std::to_string(m.q_lora_rank) + " must be >= 0");
  if (m.qk_rope_head_dim < 0) {
    fail(m, "qk_rope_head_dim " + std::to_string(m.qk_rope_head_dim) + " must be >= 0");
  }
}

void check_moe(const ModelSpec& m) {
  if (m.experts < 0) fail(m, "experts " + std::to_string(m.experts) + " must be >= 0");
  if (!m.moe()) {
    for (const auto& [field, value] : {std::pair<const char*, int>{"experts_per_token", m.experts_per_token},
                                       {"shared_experts", m.shared_experts},
                                       {"dense_layers", m.dense_layers},
                                       {"moe_ffn_hidden", m.moe_ffn_hidden}}) {
      if (value != 0) {
        fail(m, std::string(field) + " " + std::to_string(value) +
                    " is set but experts is 0 (a dense model); set experts or " + field + " to 0");
      }
    }
    return;
  }
  if (m.experts_per_token < 1 || m.experts_per_token > m.experts) {
    fail(m, "experts_per_token " + std::to_string(m.experts_per_token) + " must be from 1 to experts (" +
                std::to_string(m.experts) + ")");
  }
  if (m.shared_experts < 0) fail(m, "shared_experts " + std::to_string(m.shared_experts) + " must be >= 0");
  if (m.moe_ffn_hidden < 0) fail(m, "moe_ffn_hidden " + std::to_string(m.moe_ffn_hidden) + " must be >= 0");
  if (m.dense_layers < 0 || m.dense_layers >= m.layers) {
    fail(m, "dense_layers " + std::to_string(m.dense_layers) + " must be from 0 to layers - 1 (" +
                std::to_string(m.layers - 1) + ") so that some layer has experts");
  }
  if (!(m.capacity_factor >= 1)) {
    fail(m, "capacity_factor " + std::to_string(m.capacity_factor) +
                " must be >= 1 (1: balanced routing, no dropped tokens)");
  }
}

}  // namespace

void check_model_spec(const ModelSpec& m) {
  require_positive(m, "layers", m.layers);
  require_positive(m, "hidden", m.hidden);
  require_positive(m, "heads", m.heads);
  require_positive(m, "kv_heads", m.kv_heads);
  require_positive(m, "ffn_hidden", m.ffn_hidden);
  require_positive(m, "vocab", m.vocab);
  if (m.attention != "gqa" && m.attention != "mla") {
    fail(m, "attention \"" + m.attention + "\" is not one of \"gqa\", \"mla\"");
  }
  if (m.mla()) {
    check_mla(m);
  } else {
    if (m.hidden % m.heads != 0) {
      fail(m, "hidden " + std::to_string(m.hidden) + " is not a multiple of heads " +
                  std::to_string(m.heads));
    }
    for (const auto& [field, value] : {std::pair<const char*, int>{"q_lora_rank", m.q_lora_rank},
                                       {"kv_lora_rank", m.kv_lora_rank},
                                       {"qk_nope_head_dim", m.qk_nope_head_dim},
                                       {"qk_rope_head_dim", m.qk_rope_head_dim},
                                       {"v_head_dim", m.v_head_dim}}) {
      if (value != 0) {
        fail(m, std::string(field) + " " + std::to_string(value) +
                    " is set but attention is \"gqa\"; set attention to \"mla\" or " + field +
                    " to 0");
      }
    }
  }
  if (m.kv_heads > m.heads || m.heads % m.kv_heads != 0) {
    fail(m, "kv_heads " + std::to_string(m.kv_heads) + " must divide heads " +
                std::to_string(m.heads));
  }
  if (m.activation != "gelu" && m.activation != "relu" && m.activation != "swiglu") {
    fail(m, "activation \"" + m.activation + "\" is not one of \"gelu\", \"relu\", \"swiglu\"");
  }
  if (m.norm != "layernorm" && m.norm != "rmsnorm") {
    fail(m, "norm \"" + m.norm + "\" is not one of \"layernorm\", \"rmsnorm\"");
  }
  if (m.position != "learned" && m.position != "rope" && m.position != "alibi") {
    fail(m, "position \"" + m.position + "\" is not one of \"learned\", \"rope\", \"alibi\"");
  }
  if (m.position == "learned") require_positive(m, "max_seq_len", m.max_seq_len);
  check_moe(m);
}

RankDims rank_dims(const ModelSpec& m, const LayerShape& s) {
  check_model_spec(m);
  require_positive(m, "micro_batch", s.micro_batch);
  require_positive(m, "seq_len", s.seq_len);
  require_positive(m, "tp", s.tp);
  require_positive(m, "cp", s.cp);
  require_positive(m, "ep", s.ep);
  require_positive(m, "bytes_per_element", s.bytes_per_element);
  // Megatron splits heads, kv groups and the ffn widths evenly and asserts
  // divisibility; it does not replicate kv heads across ranks.
  const int expert_ffn = m.moe() ? m.expert_ffn() : m.ffn_hidden;
  if (m.heads % s.tp != 0 || m.kv_heads % s.tp != 0 || m.ffn_hidden % s.tp != 0 ||
      expert_ffn % s.tp != 0) {
    fail(m, "tp " + std::to_string(s.tp) + " does not divide heads " + std::to_string(m.heads) +
                ", kv_heads " + std::to_string(m.kv_heads) + " and ffn_hidden " +
                std::to_string(m.ffn_hidden) +
                (m.moe() ? " and the expert width " + std::to_string(expert_ffn) : std::string()) +
                "; " + valid_tp_hint(m));
  }
  if (m.position == "learned" && s.seq_len > m.max_seq_len) {
    fail(m, "seq_len " + std::to_string(s.seq_len) + " exceeds the learned position table (" +
                std::to_string(m.max_seq_len) + ")");
  }
  if (s.cp > 1) {
    // Load-balanced causal CP (Megatron, zigzag): each sequence is cut into
    // 2 cp chunks and rank i keeps chunks i and 2 cp - 1 - i.
    if (s.seq_len % (2 * s.cp) != 0) {
      fail(m, "cp " + std::to_string(s.cp) + ": seq_len " + std::to_string(s.seq_len) +
                  " must be a multiple of 2 x cp = " + std::to_string(2 * s.cp) +
                  " (each rank holds two of the 2 cp equal chunks)");
    }
    if (!s.flash_attention) {
      fail(m, "cp " + std::to_string(s.cp) +
                  " needs flash_attention: context parallelism passes K/V blocks through a fused "
                  "attention kernel, never an s x s score matrix");
    }
  }
  if (!m.moe() && s.ep > 1) {
    fail(m, "ep " + std::to_string(s.ep) + " needs a mixture-of-experts model (experts is 0)");
  }
  if (m.moe() && m.experts % s.ep != 0) {
    fail(m, "ep " + std::to_string(s.ep) + " does not divide experts " + std::to_string(m.experts) +
                " (each rank holds a whole number of experts)");
  }

  RankDims r;
  r.tp = s.tp;
  r.cp = s.cp;
  r.ep = s.ep;
  r.b = s.micro_batch;
  r.s = static_cast<double>(s.seq_len / s.cp);
  r.s_kv = s.seq_len;
  r.tokens = r.b * r.s;
  r.h = m.hidden;
  r.heads = static_cast<double>(m.heads / s.tp);
  r.kv_heads = static_cast<double>(m.kv_heads / s.tp);
  r.mla = m.mla();
  if (r.mla) {
    r.d = static_cast<double>(m.qk_nope_head_dim + m.qk_rope_head_dim);
    r.v_d = m.v_head_dim;
    r.q_lora = m.q_lora_rank;
    r.kv_lora = m.kv_lora_rank;
    r.qk_rope = m.qk_rope_head_dim;
  } else {
    r.d = static_cast<double>(m.hidden / m.heads);
    r.v_d = r.d;
  }
  r.q_width = r.heads * r.d;
  r.k_width = r.kv_heads * r.d;
  r.v_width = r.kv_heads * r.v_d;
  r.o_width = r.heads * r.v_d;
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
  r.alibi = m.position == "alibi";
  if (m.moe()) {
    r.experts = m.experts;
    r.local_experts = static_cast<double>(m.experts / s.ep);
    r.top_k = m.experts_per_token;
    r.expert_ffn = static_cast<double>(expert_ffn / s.tp);
    r.shared_ffn = m.shared_experts * r.expert_ffn;
    r.capacity_factor = m.capacity_factor;
    r.expert_rows = r.tokens * r.top_k * r.capacity_factor * r.ep / r.experts;
  }
  return r;
}

}  // namespace orrery
