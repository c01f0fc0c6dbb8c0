// Model FLOPs per token, against Megatron's per-iteration formula (SC'21):
//   F = 96 B s l h^2 (1 + s/6h + V/16lh)
// which counts, per token, 4 passes of the layers (forward, backward = 2
// forward, and the recomputed forward): 4 x (24 l h^2 + 4 l s h), plus the
// logit layer 3 x 2 V h, which is not recomputed. Model FLOPs (no
// recompute) are therefore F / (B s) minus one forward of the layers.
#include <catch2/catch.hpp>

#include "catalog_models.hpp"
#include "models/parameters.hpp"
#include "models/transformer.hpp"

using orrery::model_flops_per_token;
using orrery::test::catalog_model;

namespace {
double megatron_per_token(double l, double h, double s, double V) {
  return 96 * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
}
double recomputed_forward_per_token(double l, double h, double s) {
  return 24 * l * h * h * (1 + s / (6 * h));
}
}  // namespace

TEST_CASE("model FLOPs plus one recomputed forward is Megatron's formula") {
  struct Row { const char* name; double l, h; };
  for (const Row& r : {Row{"megatron-gpt-1.7b", 24, 2304}, Row{"megatron-gpt-1t", 128, 25600}}) {
    INFO(r.name);
    const double s = 2048, V = 51200;
    const double model = model_flops_per_token(catalog_model(r.name), 2048);
    CHECK(model + recomputed_forward_per_token(r.l, r.h, s) ==
          Approx(megatron_per_token(r.l, r.h, s, V)).epsilon(1e-12));
    // Equivalently 72 l h^2 (1 + s/6h) + 6 V h; 3/4 of Megatron's figure is
    // short by 1.5 V h (its logit layer is counted 3x, not 4x).
    CHECK(model == Approx(72 * r.l * r.h * r.h * (1 + s / (6 * r.h)) + 6 * V * r.h).epsilon(1e-12));
    CHECK(model - 0.75 * megatron_per_token(r.l, r.h, s, V) ==
          Approx(1.5 * V * r.h).epsilon(1e-9));
  }
}

TEST_CASE("model FLOPs are the sum of the ops' FLOPs") {
  // One sequence, one rank per layer: every layer's forward and backward
  // plus the head's, divided by the s tokens, is the closed form (tp 1), and
  // tp ranks together do the same work (tp 8, V = 51200 divides by 8).
  const auto m = catalog_model("megatron-gpt-1t");
  for (int tp : {1, 8}) {
    INFO("tp " << tp);
    orrery::LayerShape shape;
    shape.micro_batch = 1;
    shape.seq_len = 2048;
    shape.tp = tp;
    const auto layer = orrery::transformer_layer_ops(m, shape);
    const double per_layer = orrery::total_flops(layer.attention_forward) +
                             orrery::total_flops(layer.mlp_forward) +
                             orrery::total_flops(layer.attention_backward) +
                             orrery::total_flops(layer.mlp_backward);
    const double head = orrery::total_flops(orrery::head_forward_ops(m, shape)) +
                        orrery::total_flops(orrery::head_backward_ops(m, shape));
    const double embedding = orrery::total_flops(orrery::embedding_forward_ops(m, shape)) +
                             orrery::total_flops(orrery::embedding_backward_ops(m, shape));
    CHECK(embedding == 0);  // a lookup, no matmul
    CHECK(tp * (m.layers * per_layer + head) / 2048 ==
          Approx(model_flops_per_token(m, 2048)).epsilon(1e-12));
  }
}

TEST_CASE("GQA and SwiGLU model FLOPs, by hand") {
  // Llama 3 70B: matmul weights per layer 2h^2 + 2h(g d) + 3hf
  //   = 2(8192^2) + 2(8192)(1024) + 3(8192)(28672) = 855,638,016;
  // x 80 layers + output 128256 x 8192 = 68,451,041,280 + 1,050,673,152.
  // Attention: 12 s a d per layer = 12 x 4096 x 8192 x 80 at s = 4096
  // (query heads count, not kv heads).
  const double weights = 80 * 855638016.0 + 128256.0 * 8192;
  const double attention = 12.0 * 4096 * 8192 * 80;
  CHECK(model_flops_per_token(catalog_model("llama3-70b"), 4096) ==
        Approx(6 * weights + attention).epsilon(1e-12));
}
