// The model catalog: every entry maps onto ModelSpec (the helper rejects
// missing and unknown keys), passes the model checks, and cites a source.
#include <catch2/catch.hpp>

#include "catalog_models.hpp"
#include "models/rank_dims.hpp"

using orrery::test::catalog_model;
using orrery::test::catalog_model_names;

TEST_CASE("every catalog model is complete, valid and sourced") {
  const auto names = catalog_model_names();
  // 1 GPT-3, 3 Llama 3, BLOOM, OPT, the 10 rows of Megatron's Table 1, Mixtral
  // 8x7B and DeepSeek-V3.
  REQUIRE(names.size() == 18);
  for (const auto& name : names) {
    INFO(name);
    const orrery::ModelSpec m = catalog_model(name);
    CHECK_NOTHROW(orrery::check_model_spec(m));
    CHECK(m.source.size() > 40);
    CHECK(m.published_params_billion > 0);
    CHECK(m.hidden % m.heads == 0);
  }
}

TEST_CASE("catalog dims match their sources") {
  // Llama 3 70B: head dim 8192 / 64 = 128, 8 kv groups of 8 query heads.
  const auto l70 = catalog_model("llama3-70b");
  CHECK(l70.hidden / l70.heads == 128);
  CHECK(l70.heads / l70.kv_heads == 8);
  // Megatron's GPT rows: f = 4h, V = 51200, s = 2048 (SC'21, Section 5).
  const auto t1 = catalog_model("megatron-gpt-1t");
  CHECK(t1.layers == 128);
  CHECK(t1.hidden == 25600);
  CHECK(t1.heads == 160);
  CHECK(t1.ffn_hidden == 4 * t1.hidden);
  CHECK(t1.vocab == 51200);
  // BLOOM: ALiBi, and the padded 250880-row embedding.
  const auto bloom = catalog_model("bloom-176b");
  CHECK(bloom.position == "alibi");
  CHECK(bloom.vocab == 250880);
}
