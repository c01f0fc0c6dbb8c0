// The ops of one layer on one TP rank: shapes, FLOPs and bytes against
// closed forms.
#include <catch2/catch.hpp>
#include <map>
#include <stdexcept>
#include <string>

#include "catalog_models.hpp"
#include "models/transformer.hpp"

using orrery::LayerShape;
using orrery::Op;
using orrery::OpKind;
using orrery::test::catalog_model;

namespace {
LayerShape shape(int b, int s, int tp, bool flash) {
  LayerShape out;
  out.micro_batch = b;
  out.seq_len = s;
  out.tp = tp;
  out.bytes_per_element = 2;
  out.flash_attention = flash;
  return out;
}

double flops_of(const std::vector<Op>& ops, OpKind kind) {
  double sum = 0;
  for (const Op& op : ops) {
    if (op.kind == kind) sum += op.flops;
  }
  return sum;
}

std::map<std::string, Op> by_name(const orrery::LayerOps& l) {
  std::map<std::string, Op> out;
  for (const auto* ops :
       {&l.attention_forward, &l.mlp_forward, &l.attention_backward, &l.mlp_backward}) {
    for (const Op& op : *ops) out[op.name] = op;
  }
  return out;
}

// A toy model small enough to count every byte by hand.
orrery::ModelSpec toy() {
  orrery::ModelSpec m;
  m.name = "toy";
  m.layers = 1;
  m.hidden = 8;
  m.heads = 2;
  m.kv_heads = 1;
  m.ffn_hidden = 16;
  m.vocab = 10;
  m.max_seq_len = 4;
  m.activation = "gelu";
  m.norm = "layernorm";
  m.position = "learned";
  m.linear_bias = true;
  return m;
}
}  // namespace

TEST_CASE("forward GEMM FLOPs of a layer are 2 b s (matmul weights / t)") {
  SECTION("GPT-3 175B, tp 8: matmul weights 12 h^2") {
    const double b = 2, s = 2048, h = 12288, t = 8;
    const auto l =
        orrery::transformer_layer_ops(catalog_model("gpt3-175b"), shape(2, 2048, 8, true));
    const double gemm =
        flops_of(l.attention_forward, OpKind::gemm) + flops_of(l.mlp_forward, OpKind::gemm);
    CHECK(gemm == Approx(2 * b * s * 12 * h * h / t).epsilon(1e-12));
  }
  SECTION("Llama 3 70B, tp 8: 2h^2 + 2h(g d) + 3hf") {
    const double b = 1, s = 8192, h = 8192, gd = 8 * 128, f = 28672, t = 8;
    const auto l =
        orrery::transformer_layer_ops(catalog_model("llama3-70b"), shape(1, 8192, 8, true));
    const double gemm =
        flops_of(l.attention_forward, OpKind::gemm) + flops_of(l.mlp_forward, OpKind::gemm);
    CHECK(gemm == Approx(2 * b * s * (2 * h * h + 2 * h * gd + 3 * h * f) / t).epsilon(1e-12));
  }
}

TEST_CASE("attention core is 4 b s^2 h / t forward, 2x that backward") {
  const double b = 2, s = 2048, h = 12288, t = 8;
  for (bool flash : {true, false}) {
    INFO("flash " << flash);
    const auto l =
        orrery::transformer_layer_ops(catalog_model("gpt3-175b"), shape(2, 2048, 8, flash));
    const double fwd = orrery::total_flops(l.attention_forward) - 2 * b * s * 4 * h * h / t;
    const double bwd = orrery::total_flops(l.attention_backward) - 2 * 2 * b * s * 4 * h * h / t;
    CHECK(fwd == Approx(4 * b * s * s * h / t).epsilon(1e-12));
    CHECK(bwd == Approx(8 * b * s * s * h / t).epsilon(1e-12));
  }
}

TEST_CASE("each GEMM's backward is dgrad + wgrad with 2x its FLOPs") {
  const auto l =
      orrery::transformer_layer_ops(catalog_model("llama3-70b"), shape(1, 4096, 4, false));
  const auto ops = by_name(l);
  for (const std::string name : {"qkv", "attn_out", "fc1", "fc2"}) {
    INFO(name);
    const Op& f = ops.at(name);
    const Op& dgrad = ops.at(name + "_dgrad");
    const Op& wgrad = ops.at(name + "_wgrad");
    CHECK(dgrad.flops + wgrad.flops == 2 * f.flops);
    // dX = dY W^T: (m x n) by (n x k); dW = X^T dY: (k x m) by (m x n).
    CHECK((dgrad.m == f.m && dgrad.n == f.k && dgrad.k == f.n));
    CHECK((wgrad.m == f.k && wgrad.n == f.n && wgrad.k == f.m));
  }
  CHECK(ops.at("attn_scores_dq").flops + ops.at("attn_scores_dk").flops ==
        2 * ops.at("attn_scores").flops);
  CHECK(ops.at("attn_context_dprobs").flops + ops.at("attn_context_dv").flops ==
        2 * ops.at("attn_context").flops);
  const double fwd = orrery::total_flops(l.attention_forward) + orrery::total_flops(l.mlp_forward);
  const double bwd =
      orrery::total_flops(l.attention_backward) + orrery::total_flops(l.mlp_backward);
  CHECK(bwd == Approx(2 * fwd).epsilon(1e-12));
}

TEST_CASE("GQA narrows the QKV GEMM and SwiGLU widens FC1") {
  const auto ops =
      by_name(orrery::transformer_layer_ops(catalog_model("llama3-70b"), shape(1, 8192, 8, true)));
  // (a + 2g) d / t = (64 + 16) x 128 / 8 = 1280 (3h/t = 3072 with MHA).
  CHECK(ops.at("qkv").n == 1280);
  CHECK(ops.at("qkv").k == 8192);
  CHECK(ops.at("qkv").m == 8192);
  CHECK(ops.at("attn_out").k == 64 * 128 / 8);
  CHECK(ops.at("fc1").n == 2 * 28672 / 8);  // gate and up
  CHECK(ops.at("fc2").k == 28672 / 8);
  auto mha = catalog_model("llama3-70b");
  mha.kv_heads = mha.heads;
  const auto mha_ops = by_name(orrery::transformer_layer_ops(mha, shape(1, 8192, 8, true)));
  CHECK(mha_ops.at("qkv").n == 3 * 8192 / 8);
}

TEST_CASE("bytes of a toy layer, counted by hand") {
  // h 8, a 2, g 1, d 4, f 16; b 1, s 4 (T = 4 tokens), tp 1, e 2, biases.
  const auto l = orrery::transformer_layer_ops(toy(), shape(1, 4, 1, false));
  const auto ops = by_name(l);
  // qkv: m 4, n (2 + 2) x 4 = 16, k 8: (4x8 + 8x16 + 4x16 + 16 bias) x 2.
  CHECK(ops.at("qkv").n == 16);
  CHECK(ops.at("qkv").flops == 2 * 4 * 16 * 8);
  CHECK(ops.at("qkv").bytes == (32 + 128 + 64 + 16) * 2);
  // layernorm: read + write 4x8 at 2 bytes, fp32 mean and rstd per token
  // (8 bytes x 4), weight and bias 2 x 8 x 2.
  CHECK(ops.at("ln_attn").bytes == 128 + 32 + 32);
  // Scores: b a/t s^2 = 2 x 16 = 32 elements. Softmax reads and writes
  // them (128 bytes); dropout reads, writes and writes a 1-byte mask (160).
  CHECK(ops.at("softmax").bytes == 128);
  CHECK(ops.at("attn_dropout").bytes == 160);
  CHECK(ops.at("attn_scores").batch == 2);
  CHECK(ops.at("attn_scores").flops == 2 * 2 * 4 * 4 * 4);
  // Dropout + residual: read two 4x8 tensors, write one, 1-byte mask:
  // 32 x (3 x 2 + 1) = 224.
  CHECK(ops.at("residual_mlp").bytes == 224);
  // gelu: read and write T x f = 64 elements.
  CHECK(ops.at("act").bytes == 256);
  CHECK(ops.at("act_bwd").bytes == 512);  // 2x forward, by convention
  // Flash instead: read Q (4x8), K and V (4x4 each), write O (4x8): 96
  // elements x 2 bytes, plus fp32 log-sum-exp for 4 tokens x 2 heads.
  const auto flash = by_name(orrery::transformer_layer_ops(toy(), shape(1, 4, 1, true)));
  CHECK(flash.at("attn_core").bytes == 96 * 2 + 32);
  CHECK(flash.at("attn_core").kind == OpKind::attention);
  CHECK(flash.count("softmax") == 0);
}

TEST_CASE("unfused ALiBi writes the bias into the score buffer, relu costs what gelu does") {
  // The toy layer (32 scores of 2 bytes) with ALiBi: one forward pass writes
  // the broadcast bias (64 bytes) and the Q K^T GEMM reads it back (64): 128.
  auto alibi = toy();
  alibi.position = "alibi";
  const auto l = orrery::transformer_layer_ops(alibi, shape(1, 4, 1, false));
  const auto ops = by_name(l);
  CHECK(ops.at("alibi_bias").bytes == 128);
  CHECK(ops.at("alibi_bias").kind == OpKind::memory_bound);
  CHECK(l.attention_forward[1].name == std::string("qkv"));   // ln, qkv, then the bias before Q K^T
  CHECK(l.attention_forward[2].name == std::string("alibi_bias"));
  // No backward pass (the bias has no gradient), none with flash attention or
  // other positions.
  CHECK(ops.count("alibi_bias_bwd") == 0);
  CHECK(by_name(orrery::transformer_layer_ops(alibi, shape(1, 4, 1, true))).count("alibi_bias") == 0);
  CHECK(by_name(orrery::transformer_layer_ops(toy(), shape(1, 4, 1, false))).count("alibi_bias") == 0);
  // relu: the same elementwise pass as gelu (read and write T x f).
  auto relu = toy();
  relu.activation = "relu";
  CHECK(by_name(orrery::transformer_layer_ops(relu, shape(1, 4, 1, false))).at("act").bytes == 256);
}

TEST_CASE("embedding and head ops") {
  // GPT-3 on tp 8: logits n = ceil(50257 / 8) = 6283 rows of the vocab.
  const auto m = catalog_model("gpt3-175b");
  const auto s = shape(1, 2048, 8, true);
  const auto head = orrery::head_forward_ops(m, s);
  REQUIRE(head.size() == 3);
  CHECK(std::string(head[1].name) == "logits");
  CHECK(head[1].n == 6283);
  CHECK(head[1].flops == 2.0 * 2048 * 6283 * 12288);
  // Megatron's eager cross-entropy on 2-byte logits: the fp32 copy (2 + 4),
  // max 4, sub_ 8, exp 8, sum 4, div_ 8 = 38 bytes per logit; backward mul_ 8
  // and the copy's gradient 4 + 2 = 14.
  CHECK(head[2].bytes == 2048.0 * 6283 * 38);
  const auto head_bwd = orrery::head_backward_ops(m, s);
  CHECK(orrery::total_flops(head_bwd) == 2 * orrery::total_flops(head));
  CHECK(std::string(head_bwd[0].name) == "cross_entropy_bwd");
  CHECK(head_bwd[0].bytes == 2048.0 * 6283 * 14);
  // In fp32 the copy is the logits themselves: 32 and 8.
  auto wide = s;
  wide.bytes_per_element = 4;
  CHECK(orrery::head_forward_ops(m, wide)[2].bytes == 2048.0 * 6283 * 32);
  CHECK(orrery::head_backward_ops(m, wide)[0].bytes == 2048.0 * 6283 * 8);
  // A fused kernel: one fp32 read and write forward, twice that backward.
  auto fused = s;
  fused.fused_cross_entropy = true;
  CHECK(orrery::head_forward_ops(m, fused)[2].bytes == 2048.0 * 6283 * 8);
  CHECK(orrery::head_backward_ops(m, fused)[0].bytes == 2048.0 * 6283 * 16);
  // Embedding: int64 ids, word and learned position rows read, output
  // written: 2048 x (8 + 3 x 12288 x 2).
  const auto emb = orrery::embedding_forward_ops(m, s);
  REQUIRE(emb.size() == 1);
  CHECK(emb[0].bytes == 2048.0 * (8 + 3 * 12288 * 2));
}

TEST_CASE("a tp that does not divide the heads is an error with a hint") {
  try {
    orrery::transformer_layer_ops(catalog_model("llama3-70b"), shape(1, 4096, 6, true));
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    CHECK(what.find("llama3-70b") != std::string::npos);
    CHECK(what.find("tp 6 does not divide") != std::string::npos);
    CHECK(what.find("try tp in {1, 2, 4, 8}") != std::string::npos);
  }
  auto bad = catalog_model("gpt3-175b");
  bad.activation = "tanh";
  CHECK_THROWS_AS(orrery::transformer_layer_ops(bad, shape(1, 2048, 1, true)),
                  std::invalid_argument);
  CHECK_THROWS_AS(
      orrery::transformer_layer_ops(catalog_model("gpt3-175b"), shape(1, 4096, 1, true)),
      std::invalid_argument);  // beyond the learned position table
}
