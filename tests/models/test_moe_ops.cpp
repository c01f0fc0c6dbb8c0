// Mixture-of-experts and MLA layer ops: the split around the all-to-alls,
// the expert GEMM shapes under expert parallelism, dispatch bytes, and the
// op FLOPs summing to the model FLOPs.
#include <catch2/catch.hpp>

#include <map>
#include <stdexcept>
#include <string>

#include "catalog_models.hpp"
#include "models/parameters.hpp"
#include "models/transformer.hpp"

using orrery::LayerShape;
using orrery::Op;
using orrery::total_flops;
using orrery::transformer_layer_ops;
using orrery::test::catalog_model;

namespace {

LayerShape shape(int b, int s, int tp, int ep) {
  LayerShape out;
  out.micro_batch = b;
  out.seq_len = s;
  out.tp = tp;
  out.ep = ep;
  return out;
}

std::map<std::string, Op> by_name(const std::vector<Op>& ops) {
  std::map<std::string, Op> out;
  for (const Op& op : ops) out[op.name] = op;
  return out;
}

std::vector<std::string> names(const std::vector<Op>& ops) {
  std::vector<std::string> out;
  for (const Op& op : ops) out.emplace_back(op.name);
  return out;
}

std::vector<Op> concat(std::initializer_list<const std::vector<Op>*> parts) {
  std::vector<Op> out;
  for (const auto* p : parts) out.insert(out.end(), p->begin(), p->end());
  return out;
}

double layer_flops(const orrery::LayerOps& l) {
  return total_flops(l.attention_forward) + total_flops(l.mlp_forward) +
         total_flops(l.attention_backward) + total_flops(l.mlp_backward);
}

}  // namespace

TEST_CASE("a MoE layer's MLP is router, shared, experts and combine in order") {
  const auto l = transformer_layer_ops(catalog_model("deepseek-v3"), shape(1, 4096, 1, 8), 10);
  REQUIRE(l.moe);
  CHECK(names(l.router_forward) == std::vector<std::string>{"ln_mlp", "router", "router_topk", "permute"});
  CHECK(names(l.shared_forward) == std::vector<std::string>{"shared_fc1", "shared_act", "shared_fc2"});
  CHECK(names(l.experts_forward) == std::vector<std::string>{"expert_fc1", "expert_act", "expert_fc2"});
  CHECK(names(l.combine_forward) == std::vector<std::string>{"unpermute_combine", "residual_mlp"});
  CHECK(names(l.mlp_forward) ==
        names(concat({&l.router_forward, &l.shared_forward, &l.experts_forward, &l.combine_forward})));
  CHECK(names(l.mlp_backward) ==
        names(concat({&l.combine_backward, &l.experts_backward, &l.shared_backward, &l.router_backward})));
  CHECK(names(l.router_backward).back() == "ln_mlp_bwd");
}

TEST_CASE("expert GEMMs and dispatch bytes under expert parallelism, by hand") {
  // DeepSeek-V3, one sequence of 4096 tokens, ep 8: 256 / 8 = 32 local
  // experts; balanced routing sends each of them 4096 x 8 top-k x 8 ranks /
  // 256 = 1024 rows. fc1 (gate + up): 1024 x 4096 by 7168, batch 32.
  // Dispatch: 4096 x 8 copies x 7168 x 2 bytes = 469,762,048.
  const auto l = transformer_layer_ops(catalog_model("deepseek-v3"), shape(1, 4096, 1, 8), 60);
  CHECK(l.local_experts == 32);
  CHECK(l.expert_rows == 1024);
  CHECK(l.dispatch_bytes == 469762048.0);
  const auto ex = by_name(l.experts_forward);
  const Op& fc1 = ex.at("expert_fc1");
  CHECK(fc1.batch == 32);
  CHECK(fc1.m == 1024);
  CHECK(fc1.n == 2 * 2048);
  CHECK(fc1.k == 7168);
  CHECK(fc1.flops == 2.0 * 32 * 1024 * 4096 * 7168);
  const Op& fc2 = ex.at("expert_fc2");
  CHECK((fc2.batch == 32 && fc2.m == 1024 && fc2.n == 7168 && fc2.k == 2048));
  // Each rank's expert work is the same whatever ep: ep x rows x local = const.
  const auto l1 = transformer_layer_ops(catalog_model("deepseek-v3"), shape(1, 4096, 1, 1), 60);
  CHECK(total_flops(l1.experts_forward) == total_flops(l.experts_forward));
  CHECK(l1.expert_rows == 128);
  CHECK(l1.local_experts == 256);
  // Backward: dgrad and wgrad grouped GEMMs, 2x the forward.
  CHECK(total_flops(l.experts_backward) == 2 * total_flops(l.experts_forward));
  // The router: tokens x h by h x E, replicated, 2 x 4096 x 256 x 7168.
  CHECK(by_name(l.router_forward).at("router").flops == 2.0 * 4096 * 256 * 7168);
  // The shared expert runs on all 4096 local tokens: fc1 4096 x 4096 by 7168.
  CHECK(by_name(l.shared_forward).at("shared_fc1").flops == 2.0 * 4096 * 4096 * 7168);
}

TEST_CASE("capacity_factor scales the expert rows and the dispatch") {
  // Mixtral, 2 x 4096 tokens, top-2 of 8, ep 1: 8192 x 2 / 8 = 2048 rows;
  // capacity 1.25 -> 2560; dispatch 8192 x 2 x 1.25 x 4096 x 2 bytes.
  auto m = catalog_model("mixtral-8x7b");
  CHECK(transformer_layer_ops(m, shape(2, 4096, 1, 1)).expert_rows == 2048);
  m.capacity_factor = 1.25;
  const auto l = transformer_layer_ops(m, shape(2, 4096, 1, 1));
  CHECK(l.expert_rows == 2560);
  CHECK(l.dispatch_bytes == 8192.0 * 2 * 1.25 * 4096 * 2);
}

TEST_CASE("DeepSeek-V3's first three layers are dense") {
  const auto m = catalog_model("deepseek-v3");
  for (int i : {0, 2}) {
    const auto l = transformer_layer_ops(m, shape(1, 4096, 1, 1), i);
    CHECK_FALSE(l.moe);
    CHECK(l.router_forward.empty());
    CHECK(by_name(l.mlp_forward).at("fc1").n == 2 * 18432);
  }
  CHECK(transformer_layer_ops(m, shape(1, 4096, 1, 1), 3).moe);
  CHECK(transformer_layer_ops(m, shape(1, 4096, 1, 1)).moe);  // representative layer
  CHECK_FALSE(transformer_layer_ops(catalog_model("llama3-8b"), shape(1, 4096, 1, 1)).moe);
  CHECK_THROWS_AS(transformer_layer_ops(m, shape(1, 4096, 1, 1), 61), std::invalid_argument);
}

TEST_CASE("MoE and MLA op FLOPs sum to the model FLOPs") {
  // tp 1, ep 1, capacity 1: every matmul weight of the active parameters
  // appears once per token in an op, x3 for forward and backward.
  for (const char* name : {"mixtral-8x7b", "deepseek-v3"}) {
    INFO(name);
    const auto m = catalog_model(name);
    const int s = 4096;
    double layers = 0;
    for (int i = 0; i < m.layers; ++i) layers += layer_flops(transformer_layer_ops(m, shape(1, s, 1, 1), i));
    const double head = total_flops(orrery::head_forward_ops(m, shape(1, s, 1, 1))) +
                        total_flops(orrery::head_backward_ops(m, shape(1, s, 1, 1)));
    CHECK((layers + head) / s == Approx(orrery::model_flops_per_token(m, s)).epsilon(1e-12));
  }
}

TEST_CASE("MLA projections and attention core, by hand") {
  // DeepSeek-V3, 4096 tokens, tp 8: 16 heads per rank. q_down 4096 x 1536
  // by 7168 and kv_down 4096 x 576 by 7168 are replicated on every rank;
  // q_up 4096 x 16 x 192, kv_up 4096 x 16 x (128 + 128). The attention core
  // is 2 s s a/t (192 + 128) per sequence: 2 x 4096^2 x 16 x 320.
  const auto l = transformer_layer_ops(catalog_model("deepseek-v3"), shape(1, 4096, 8, 1), 0);
  const auto a = by_name(l.attention_forward);
  CHECK(names(l.attention_forward) ==
        std::vector<std::string>{"ln_attn", "q_down", "q_norm", "q_up", "kv_down", "kv_norm", "kv_up",
                                 "attn_core", "attn_out", "residual_attn"});
  CHECK(a.at("q_down").flops == 2.0 * 4096 * 1536 * 7168);
  CHECK(a.at("kv_down").n == 576);
  CHECK(a.at("q_up").n == 16 * 192);
  CHECK(a.at("kv_up").n == 16 * 256);
  CHECK(a.at("attn_out").k == 16 * 128);
  CHECK(a.at("attn_core").flops == 2.0 * 4096 * 4096 * 16 * 320);
  CHECK(a.at("attn_core").k == 192);
  CHECK(names(l.attention_backward).back() == "ln_attn_bwd");
  CHECK(by_name(l.attention_backward).count("q_down_wgrad") == 1);
  CHECK(by_name(l.attention_backward).count("kv_norm_bwd") == 1);
}

TEST_CASE("expert parallelism and MoE dims are checked") {
  const auto m = catalog_model("mixtral-8x7b");
  CHECK_THROWS_WITH(transformer_layer_ops(m, shape(1, 4096, 1, 3)), Catch::Contains("ep 3 does not divide experts 8"));
  CHECK_THROWS_WITH(transformer_layer_ops(catalog_model("llama3-8b"), shape(1, 4096, 1, 2)),
                    Catch::Contains("needs a mixture-of-experts model"));
  auto bad = m;
  bad.experts_per_token = 9;
  CHECK_THROWS_WITH(orrery::count_parameters(bad), Catch::Contains("experts_per_token 9 must be from 1 to experts (8)"));
  bad = m;
  bad.dense_layers = 32;
  CHECK_THROWS_WITH(orrery::count_parameters(bad), Catch::Contains("dense_layers 32"));
  auto dense = catalog_model("llama3-8b");
  dense.shared_experts = 1;
  CHECK_THROWS_WITH(orrery::count_parameters(dense), Catch::Contains("experts is 0"));
  auto mla = catalog_model("deepseek-v3");
  mla.kv_heads = 8;
  CHECK_THROWS_WITH(orrery::count_parameters(mla), Catch::Contains("must equal heads"));
  auto gqa = catalog_model("llama3-8b");
  gqa.kv_lora_rank = 512;
  CHECK_THROWS_WITH(orrery::count_parameters(gqa), Catch::Contains("attention is \"gqa\""));
}
