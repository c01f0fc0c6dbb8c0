// Context parallelism: each rank runs seq_len / cp tokens, attends them to
// all seq_len keys, and passes K/V blocks around the ring.
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "catalog_models.hpp"
#include "models/transformer.hpp"

using orrery::LayerShape;
using orrery::Op;
using orrery::total_flops;
using orrery::transformer_layer_ops;
using orrery::test::catalog_model;

namespace {

LayerShape shape(int s, int tp, int cp) {
  LayerShape out;
  out.micro_batch = 1;
  out.seq_len = s;
  out.tp = tp;
  out.cp = cp;
  return out;
}

double layer_flops(const orrery::LayerOps& l) {
  return total_flops(l.attention_forward) + total_flops(l.mlp_forward) +
         total_flops(l.attention_backward) + total_flops(l.mlp_backward);
}

Op find(const std::vector<Op>& ops, const std::string& name) {
  for (const Op& op : ops)
    if (op.name == name) return op;
  FAIL("no op " << name);
  return {};
}

}  // namespace

TEST_CASE("cp 2 halves every rank's FLOPs") {
  // GEMMs run on s/2 rows; the attention core's s/2 queries meet all s keys:
  // 4 (s/2) s a d = half of 4 s^2 a d. Dense and MoE, with MLA.
  for (const char* name : {"llama3-8b", "mixtral-8x7b", "deepseek-v3"}) {
    INFO(name);
    const auto m = catalog_model(name);
    const auto one = transformer_layer_ops(m, shape(8192, 1, 1));
    const auto two = transformer_layer_ops(m, shape(8192, 1, 2));
    CHECK(layer_flops(two) == Approx(layer_flops(one) / 2).epsilon(1e-12));
    CHECK(total_flops(orrery::head_forward_ops(m, shape(8192, 1, 2))) ==
          Approx(total_flops(orrery::head_forward_ops(m, shape(8192, 1, 1))) / 2).epsilon(1e-12));
    const Op core = find(two.attention_forward, "attn_core");
    CHECK(core.m == 4096);
    CHECK(core.n == 8192);
  }
}

TEST_CASE("cp 4: a quarter of the work and three ring passes of K/V blocks") {
  // Llama 3 8B, seq 8192, cp 4, tp 2: 2048 local tokens; 8 kv heads / 2 = 4
  // of 128 dims, K and V, 2 bytes: 2048 x 4 x 128 x 2 x 2 = 4,194,304 bytes.
  const auto m = catalog_model("llama3-8b");
  const auto l = transformer_layer_ops(m, shape(8192, 2, 4));
  CHECK(l.cp_steps == 4);
  CHECK(l.kv_block_bytes == 4194304.0);
  CHECK(layer_flops(l) == Approx(layer_flops(transformer_layer_ops(m, shape(8192, 2, 1))) / 4).epsilon(1e-12));
  CHECK(find(l.attention_forward, "qkv").m == 2048);
  // cp 1: nothing to pass.
  const auto l1 = transformer_layer_ops(m, shape(8192, 2, 1));
  CHECK(l1.cp_steps == 1);
  CHECK(l1.kv_block_bytes == 0);
}

TEST_CASE("MLA's K/V block holds each head's full key and value") {
  // DeepSeek-V3, seq 4096, cp 2, tp 8: 2048 tokens x 16 heads x (192 + 128)
  // x 2 bytes = 20,971,520 bytes.
  const auto l = transformer_layer_ops(catalog_model("deepseek-v3"), shape(4096, 8, 2));
  CHECK(l.kv_block_bytes == 2048.0 * 16 * 320 * 2);
}

TEST_CASE("cp needs seq_len divisible by 2 cp and flash attention") {
  const auto m = catalog_model("llama3-8b");
  CHECK_THROWS_WITH(transformer_layer_ops(m, shape(8192, 1, 3)), Catch::Contains("multiple of 2 x cp = 6"));
  auto unfused = shape(8192, 1, 2);
  unfused.flash_attention = false;
  CHECK_THROWS_WITH(transformer_layer_ops(m, unfused), Catch::Contains("needs flash_attention"));
}
