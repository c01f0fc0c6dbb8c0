// Mixture-of-experts and MLA parameter counts and model FLOPs, by hand,
// against the published totals and active counts.
#include <catch2/catch.hpp>

#include <cmath>

#include "catalog_models.hpp"
#include "models/parameters.hpp"

using orrery::count_parameters;
using orrery::model_flops_per_token;
using orrery::test::catalog_model;

TEST_CASE("Mixtral 8x7B parameters by hand") {
  // Attention (GQA, 8 kv heads of 128): q, o 4096^2 each; k, v 4096 x 1024
  //   each: 33,554,432 + 8,388,608 = 41,943,040. Two rmsnorms: 8,192.
  // One expert (swiglu): 3 x 4096 x 14336 = 176,160,768; 8 of them
  //   1,409,286,144; router 8 x 4096 = 32,768.
  // MoE layer: 41,943,040 + 8,192 + 32,768 + 1,409,286,144 = 1,451,270,144;
  //   x 32 = 46,440,644,608. Embedding and output 2 x 32000 x 4096 =
  //   262,144,000; final norm 4,096.
  // Total 46,702,792,704 (the released checkpoint's count, "46.7B").
  // Active: less 6 unvisited experts per layer: 32 x 6 x 176,160,768 =
  //   33,822,867,456 -> 12,879,925,248 ("12.9B", embedding included).
  const auto m = catalog_model("mixtral-8x7b");
  const auto p = count_parameters(m);
  CHECK(p.moe_layer == 1451270144.0);
  CHECK(p.per_layer == 1451270144.0);  // every layer is MoE
  CHECK(p.expert_per_layer == 1409286144.0);
  CHECK(p.total == 46702792704.0);
  CHECK(p.active == 12879925248.0);
  CHECK(std::abs(p.total / 46.7e9 - 1) < 0.01);
  CHECK(std::abs(p.active / 12.9e9 - 1) < 0.01);
  CHECK(p.embedding + 32 * p.per_layer + p.final_norm + p.output == p.total);
}

TEST_CASE("DeepSeek-V3 parameters by hand (MTP module excluded)") {
  // MLA attention: q_down 7168 x 1536 = 11,010,048; q_up 1536 x 128 x 192 =
  //   37,748,736; kv_down 7168 x (512 + 64) = 4,128,768; kv_up 512 x 128 x
  //   (128 + 128) = 16,777,216; o 128 x 128 x 7168 = 117,440,512; sum
  //   187,105,280; norms 7168 + 1536 + 512 = 9,216: 187,114,496.
  // Dense layer: + mlp norm 7,168 + 3 x 7168 x 18432 = 396,361,728:
  //   583,483,392.
  // MoE layer: expert 3 x 7168 x 2048 = 44,040,192; 256 routed
  //   11,274,289,152; 1 shared 44,040,192; router 256 x 7168 = 1,835,008:
  //   187,114,496 + 7,168 + 1,835,008 + 11,274,289,152 + 44,040,192 =
  //   11,507,286,016.
  // Total: 2 x 129280 x 7168 = 1,853,358,080 + 7,168 + 3 x 583,483,392 +
  //   58 x 11,507,286,016 = 671,026,404,352 (the report's 671B main model;
  //   the 14B MTP module is not part of it).
  // Active: less 248 unvisited experts in 58 layers: 58 x 248 x 44,040,192
  //   = 633,474,121,728 -> 37,552,282,624. DeepSeek's README_WEIGHTS counts
  //   36.6B without the input embedding (926,679,040): 36,625,603,584; the
  //   report's "37B" is that figure rounded (36.6B is 1.0 % under 37B).
  const auto m = catalog_model("deepseek-v3");
  const auto p = count_parameters(m);
  CHECK(p.dense_layer == 583483392.0);
  CHECK(p.moe_layer == 11507286016.0);
  CHECK(p.total == 671026404352.0);
  CHECK(p.active == 37552282624.0);
  CHECK(p.expert_per_layer * 61 == Approx(58 * 11274289152.0).epsilon(1e-15));
  CHECK(p.per_layer * 61 == Approx(3 * 583483392.0 + 58 * 11507286016.0).epsilon(1e-15));
  CHECK(std::abs(p.total / 671e9 - 1) < 0.01);
  CHECK(std::abs((p.active - p.embedding) / 36.6e9 - 1) < 0.01);
  CHECK(std::round((p.active - p.embedding) / 1e9) == 37);
}

TEST_CASE("dense models have no expert part and all parameters active") {
  const auto p = count_parameters(catalog_model("llama3-70b"));
  CHECK(p.expert_per_layer == 0);
  CHECK(p.moe_layer == 0);
  CHECK(p.per_layer == p.dense_layer);
  CHECK(p.active == p.total);
}

TEST_CASE("MoE model FLOPs use the active weights") {
  // Mixtral at s = 4096: per layer 41,943,040 attention + 32,768 router +
  // 2 x 176,160,768 experts = 394,297,344 matmul weights; x 32 +
  // 32000 x 4096 logits = 12,748,587,008. Attention 12 s a d per layer =
  // 12 x 4096 x 4096 x 32.
  CHECK(model_flops_per_token(catalog_model("mixtral-8x7b"), 4096) ==
        Approx(6 * 12748587008.0 + 12.0 * 4096 * 4096 * 32).epsilon(1e-12));
  // DeepSeek-V3 at s = 4096: 61 x 187,105,280 MLA + 3 x 396,361,728 dense
  // MLP + 58 x (1,835,008 router + 9 x 44,040,192 experts) + 129280 x 7168.
  // Attention: per layer 6 s a (d_qk + d_v) = 6 x 4096 x 128 x (192 + 128).
  const double weights = 61 * 187105280.0 + 3 * 396361728.0 + 58 * (1835008.0 + 9 * 44040192.0) +
                         129280.0 * 7168;
  CHECK(model_flops_per_token(catalog_model("deepseek-v3"), 4096) ==
        Approx(6 * weights + 61 * 6.0 * 4096 * 128 * 320).epsilon(1e-12));
  // capacity_factor pads expert buffers: hardware work, not model FLOPs.
  auto padded = catalog_model("mixtral-8x7b");
  padded.capacity_factor = 1.25;
  CHECK(model_flops_per_token(padded, 4096) == model_flops_per_token(catalog_model("mixtral-8x7b"), 4096));
}
