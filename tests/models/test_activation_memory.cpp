// Activation bytes per layer against Korthikanti et al. 2022 (Section 4.1,
// 16-bit activations, 1-byte dropout masks) and their generalizations.
#include <catch2/catch.hpp>

#include "catalog_models.hpp"
#include "models/memory.hpp"

using orrery::activation_bytes_per_layer;
using orrery::LayerShape;
using orrery::Recompute;
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
}  // namespace

TEST_CASE("GPT without parallelism: 34 sbh + 5 a s^2 b") {
  const auto m = catalog_model("gpt3-175b");
  const double s = 2048, b = 2, h = 12288, a = 96;
  CHECK(activation_bytes_per_layer(m, shape(2, 2048, 1, false), Recompute::none) ==
        Approx(34 * s * b * h + 5 * a * s * s * b).epsilon(1e-12));
}

TEST_CASE("GPT with tensor parallelism: sbh (10 + 24/t + 5as/(ht))") {
  const auto m = catalog_model("gpt3-175b");
  const double s = 2048, b = 1, h = 12288, a = 96, t = 8;
  CHECK(activation_bytes_per_layer(m, shape(1, 2048, 8, false), Recompute::none) ==
        Approx(s * b * h * (10 + 24 / t + 5 * a * s / (h * t))).epsilon(1e-12));
}

TEST_CASE("flash attention keeps softmax statistics instead of s x s tensors") {
  // The 5as/(ht) term becomes the fp32 log-sum-exp: 4 b (a/t) s bytes.
  const auto m = catalog_model("megatron-gpt-1.7b");
  const double s = 2048, b = 4, h = 2304, a = 24;
  CHECK(activation_bytes_per_layer(m, shape(4, 2048, 1, true), Recompute::none) ==
        Approx(34 * s * b * h + 4 * a * s * b).epsilon(1e-12));
  const double t = 2;
  CHECK(activation_bytes_per_layer(m, shape(4, 2048, 2, true), Recompute::none) ==
        Approx(s * b * h * (10 + 24 / t) + 4 * (a / t) * s * b).epsilon(1e-12));
}

TEST_CASE("SwiGLU and GQA (Llama 3 70B, tp 8, flash), by hand") {
  // Per token (sb), bytes: h = 8192, q width a d / t = 1024, kv width
  // g d / t = 128, f / t = 3584.
  //   attention: norm input 2h + qkv input 2h + Q 2(1024) + K, V 2(2 x 128)
  //              + context 2(1024) + mask h = 5h + 4608 = 45568,
  //              + log-sum-exp 4 x (64/8) = 32            -> 45600
  //   MLP: norm input 2h + fc1 input 2h + gate and up 2(2 x 3584)
  //        + fc2 input 2(3584) + mask h = 5h + 21504       -> 62464
  // 108064 bytes per token; s = 8192, b = 1.
  const auto m = catalog_model("llama3-70b");
  CHECK(activation_bytes_per_layer(m, shape(1, 8192, 8, true), Recompute::none) ==
        108064.0 * 8192);
}

TEST_CASE("full recompute keeps only the layer input") {
  const auto m = catalog_model("llama3-405b");
  // 2 bytes x s b h = 2 x 8192 x 2 x 16384, whatever tp and attention kernel.
  CHECK(activation_bytes_per_layer(m, shape(2, 8192, 8, true), Recompute::full) ==
        2.0 * 8192 * 2 * 16384);
  CHECK(activation_bytes_per_layer(m, shape(2, 8192, 1, false), Recompute::full) ==
        2.0 * 8192 * 2 * 16384);
}

TEST_CASE("a MoE layer keeps top-k expert rows at the expert width (Mixtral 8x7B), by hand") {
  // Per token, bytes: h = 4096, Q 32 x 128, K and V 8 x 128, expert width
  // 14336, 8 experts, top-2 (2 expert rows per token), tp 1, flash.
  //   attention: 5h + 2(4096 + 1024 + 1024) + 2(4096) = 40960, + log-sum-exp 4 x 32 per token
  //   MoE MLP: norm input, router input, mask 5h = 20480; router probabilities
  //            fp32 4 x 8 = 32; per expert row (2 of them): fc1 input and
  //            expert output 2 x 2h = 16384, gate and up 2(2 x 14336) and fc2
  //            input 2(14336) = 86016: 2 x 102400 = 204800      -> 225312
  // 266272 bytes per token + 128 per token of statistics; s = 4096, b = 1.
  const auto m = catalog_model("mixtral-8x7b");
  CHECK(activation_bytes_per_layer(m, shape(1, 4096, 1, true), Recompute::none) == (266272.0 + 128) * 4096);
  // Twice the capacity: twice the expert rows.
  auto padded = m;
  padded.capacity_factor = 2;
  CHECK(activation_bytes_per_layer(padded, shape(1, 4096, 1, true), Recompute::none) ==
        (266272.0 + 204800 + 128) * 4096);
}

TEST_CASE("MLA keeps its latents and Q, K, V at their own widths (DeepSeek-V3, a dense layer), by hand") {
  // tp 8: 16 heads; Q and K 16 x (128 + 64) = 3072, V and O 16 x 128 = 2048;
  // latents (replicated): q_lora 1536 (q_norm input, q_up input), kv_down
  // output 512 + 64 and kv_up input 512. Per token, bytes:
  //   attention: 5h (h = 7168) = 35840 + 2(3072 + 3072 + 2048) + 2(2048)
  //              + 2 x 2(1536) + 2(576) + 2(512) = 35840 + 16384 + 4096 + 6144 + 2176 = 64640,
  //              + log-sum-exp 4 x 16 = 64
  //   dense MLP (layer 0 of 3 dense ones; f / t = 2304): 5h + 2(2 x 2304) + 2(2304) = 49664
  const auto m = catalog_model("deepseek-v3");
  CHECK(orrery::activation_bytes_of_layer(m, shape(1, 4096, 8, true), 0, Recompute::none) ==
        (64640.0 + 64 + 49664) * 4096);
}

TEST_CASE("context parallelism divides a layer's activations by cp") {
  const auto m = catalog_model("llama3-8b");
  auto two = shape(1, 8192, 2, true);
  two.cp = 4;
  CHECK(activation_bytes_per_layer(m, two, Recompute::none) ==
        Approx(activation_bytes_per_layer(m, shape(1, 8192, 2, true), Recompute::none) / 4).epsilon(1e-12));
}
