// Expert and context parallelism in the step program and executor, against
// numbers derived by hand, with the FLOP-proportional device (1 TFLOP/s,
// memory-bound kernels free) and latency-free links of step_schedule_test.
//
// The tiny MoE model: the tiny GPT of test_scenario.hpp (h 256, 8 heads of
// 32, seq 256, gelu, biases, 8 layers) with 8 routed experts of width 512,
// top-2, the first two layers dense. One expert: fc1 256 x 512 + 512, fc2
// 512 x 256 + 256 = 262,912 parameters.
#include <catch2/catch.hpp>

#include <string>

#include "models/parameters.hpp"
#include "models/transformer.hpp"
#include "sim/collectives/collective.hpp"
#include "sim/engine/engine.hpp"
#include "sim/network/flow_network.hpp"
#include "sim/network/topology.hpp"
#include "sim/scenario/catalog.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/step/memory_estimate.hpp"
#include "sim/step/simulate_step.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_program.hpp"
#include "step_harness.hpp"
#include "test_scenario.hpp"

using namespace orrery;
using test::execute;
using test::Run;

namespace {

Scenario tiny_moe(int dp, int ep) {
  Scenario s = test::tiny_scenario(1, 1, dp);
  s.model.name = "tiny-moe";
  s.model.experts = 8;
  s.model.experts_per_token = 2;
  s.model.moe_ffn_hidden = 512;
  s.model.dense_layers = 2;
  s.parallelism.ep = ep;
  return s;
}

constexpr double kExpertParams = 256.0 * 512 + 512 + 512.0 * 256 + 256;   // 262,912
constexpr double kGib = 1024.0 * 1024 * 1024;

int count(const StageProgram& sp, InstrKind kind) {
  int n = 0;
  for (const Instr& in : sp.instrs) n += in.kind == kind;
  return n;
}

}  // namespace

TEST_CASE("Expert parallelism: four all-to-alls of tokens x top-k x h x 2 bytes per MoE layer per microbatch") {
  const Run r = execute(tiny_moe(8, 4));   // 8 GPUs of one node, EP groups {0..3}, {4..7}; m = 8
  const StageProgram& sp = r.program.stages[0];
  // 6 MoE layers (the first 2 are dense) x 8 microbatches x (dispatch +
  // combine) x (forward + backward).
  CHECK(count(sp, InstrKind::ep_all_to_all) == 6 * 8 * 4);
  // Each rank sends its 256 tokens x top-2 rows of h = 256 in bf16 (its own
  // quarter included): 256 x 2 x 256 x 2 = 262,144 bytes.
  for (const Instr& in : sp.instrs)
    if (in.kind == InstrKind::ep_all_to_all) CHECK(in.value == 262144);
  // Direct all-to-all over 4 GPUs at 100 GB/s per direction: each rank sends
  // 3 quarters of S on its link, (n-1)/n S/B = 1.96608 us, all exposed.
  const double a2a = 0.75 * 262144 / 100e9;
  CHECK(r.slowest.ep_wait_s == Approx(6 * 8 * 4 * a2a).margin(2e-9 * 6 * 8 * 4));
  // ep = 1: no all-to-all, the same expert FLOPs (4x the rows on 1/4 of the experts).
  const Run one = execute(tiny_moe(8, 1));
  CHECK(count(one.program.stages[0], InstrKind::ep_all_to_all) == 0);
  CHECK(one.slowest.ep_wait_s == 0);
  CHECK(sp.hardware_flops == Approx(one.program.stages[0].hardware_flops).epsilon(1e-12));
}

TEST_CASE("Expert parallelism with tensor parallelism: each TP rank routes its half, experts gather over TP") {
  Scenario s = tiny_moe(4, 4);
  s.parallelism.tp = 2;   // 2 x 4 = 8 GPUs; EP groups {0, 2, 4, 6}, {1, 3, 5, 7}
  s.parallelism.sp = true;
  const Run r = execute(s);
  const StageProgram& sp = r.program.stages[0];
  int a2a = 0, gathers_of_expert_rows = 0;
  for (const Instr& in : sp.instrs) {
    if (in.kind == InstrKind::ep_all_to_all) {
      ++a2a;
      CHECK(in.value == 262144 / 2);   // 1/tp of the 256 tokens x top-2 x h x 2 bytes
    }
    // The expert rows (512 of h = 256, bf16) gathered over the TP pair,
    // once before the experts forward and once before their backward.
    if (in.kind == InstrKind::tp_all_gather && in.value == 262144) ++gathers_of_expert_rows;
  }
  CHECK(a2a == 6 * 8 * 4);
  CHECK(gathers_of_expert_rows == 6 * 8 * 2);
  CHECK(r.slowest.ep_wait_s == Approx(6 * 8 * 4 * 0.75 * 131072 / 100e9).margin(2e-9 * 6 * 8 * 4));
}

TEST_CASE("Expert gradients reduce over dp / ep replicas, the rest over dp") {
  const Scenario s = tiny_moe(8, 4);
  const RankLayout layout(s.parallelism, s.model.layers);
  const Run r = execute(s);
  double dense = 0, expert = 0;
  for (const DpItem& it : r.program.stages[0].dp_items) (it.expert ? expert : dense) += it.bytes;
  // 6 MoE layers x 8 experts / ep 4 = 12 experts on a rank; bf16 training
  // reduces fp32 gradients (main_grad auto).
  CHECK(expert == Approx(12 * kExpertParams * 4));
  const StageParameters split = stage_parameter_split(s, layout, 0);
  CHECK(split.expert == Approx(12 * kExpertParams));
  CHECK(dense == Approx(split.dense * 4));
  // The expert items run on their own stream (expert-DP groups of dp / ep =
  // 2 ranks), launched with the dense bucket after the last backward.
  CHECK(r.slowest.dp_wait_s > 0);
  // ep = 1: one stream with every parameter.
  const Run one = execute(tiny_moe(8, 1));
  double all = 0;
  for (const DpItem& it : one.program.stages[0].dp_items) {
    CHECK_FALSE(it.expert);
    all += it.bytes;
  }
  CHECK(all == Approx(stage_parameters_per_rank(s, RankLayout(1, 1, 8, 8), 0) * 4 + 36 * kExpertParams * 4));
}

TEST_CASE("Expert memory divides by ep, ZeRO shards experts over dp / ep") {
  Scenario s = tiny_moe(8, 1);
  const RankLayout layout(1, 1, 8, s.model.layers);
  const StageMemory one = estimate_memory(s, layout)[0];
  s.parallelism.ep = 4;
  const StageMemory four = estimate_memory(s, layout)[0];
  // 48 routed experts; a rank keeps 12 of them instead of 48: 36 fewer, at
  // 2 (weights) + 2 (gradients) + 12 (Adam) bytes.
  CHECK((one.weights_gib - four.weights_gib) * kGib == Approx(36 * kExpertParams * 2));
  CHECK((one.optimizer_gib - four.optimizer_gib) * kGib == Approx(36 * kExpertParams * 12));
  // ZeRO-1: dense optimizer states over dp = 8, the experts' over dp / ep = 2.
  s.parallelism.zero = 1;
  const StageMemory z = estimate_memory(s, layout)[0];
  const StageParameters split = stage_parameter_split(s, layout, 0);
  CHECK(z.optimizer_gib * kGib == Approx(split.dense * 12 / 8 + 12 * kExpertParams * 12 / 2));
}

TEST_CASE("Context parallelism halves the work and hides a ring faster than the attention") {
  // tp 1, cp 2 (ranks 0, 1), dp 1. Attention core forward per rank: the
  // 128 local queries of 8 heads against all 256 keys, d = 32:
  // 4 x 128 x 256 x 8 x 32 = 33,554,432 FLOPs = 33.55 us, 16.78 us per ring
  // step; backward twice that. K/V block: 128 tokens x (256 + 256) x 2 bytes
  // = 131,072 bytes, 1.31 us at 100 GB/s (backward with dK, dV: 2.62 us).
  Scenario s = test::tiny_scenario(1, 1, 1);
  s.parallelism.cp = 2;
  LayerShape shape;
  shape.seq_len = 256;
  shape.cp = 2;
  const LayerOps ops = transformer_layer_ops(s.model, shape);
  CHECK(ops.kv_block_bytes == 131072);
  for (const Op& op : ops.attention_forward)
    if (std::string(op.name) == "attn_core") CHECK(op.flops == 33554432);
  const Run r = execute(s);
  CHECK(count(r.program.stages[0], InstrKind::cp_send) == 8 * 8 * 2);   // one per layer, microbatch and direction
  CHECK(r.slowest.cp_wait_s == 0);   // every block is in before its attention step ends
  // Against free transfers: the same step.
  Scenario fast = s;
  fast.cluster.scale_up.bandwidth_gb_per_s = 1e6;
  const Run f = execute(fast);
  CHECK(r.time_s - r.slowest.dp_wait_s == Approx(f.time_s - f.slowest.dp_wait_s).margin(1e-9));
  // Half the FLOPs of cp = 1 on every rank: rows and queries halve.
  Scenario whole = s;
  whole.parallelism.cp = 1;
  CHECK(r.program.stages[0].hardware_flops == Approx(execute(whole).program.stages[0].hardware_flops / 2));
}

TEST_CASE("A context-parallel ring slower than the attention exposes (comm - compute) per step") {
  // As above on a 1 GB/s scale-up link: forward block 131.072 us against a
  // 16.777 us attention step, backward 262.144 us against 33.554 us.
  Scenario s = test::tiny_scenario(1, 1, 1);
  s.parallelism.cp = 2;
  s.cluster.scale_up.bandwidth_gb_per_s = 1;
  const Run r = execute(s);
  const double per_layer = (131.072e-6 - 16.777216e-6) + (262.144e-6 - 33.554432e-6);
  CHECK(r.slowest.cp_wait_s == Approx(8 * 8 * per_layer).epsilon(1e-4));
}

TEST_CASE("Expert and context parallelism with every ZeRO stage and schedule on two nodes: the step adds up") {
  for (int zero = 0; zero <= 3; ++zero)
    for (const char* schedule : {"1f1b", "interleaved"}) {
      INFO(schedule << " zero " << zero);
      Scenario s = test::tiny_scenario(2, 2, 2, 2);   // tp 2 x cp 2 x pp 2 x dp 2 = 16 GPUs
      s.model.experts = 8;
      s.model.experts_per_token = 2;
      s.model.moe_ffn_hidden = 512;
      s.model.dense_layers = 1;
      s.parallelism.cp = 2;
      s.parallelism.ep = 2;
      s.parallelism.sp = true;
      s.parallelism.zero = zero;
      s.parallelism.recompute = zero % 2 ? "full" : "selective";
      s.parallelism.schedule = schedule;
      s.parallelism.vpp = std::string(schedule) == "interleaved" ? 2 : 1;
      s.parallelism.grad_bucket_mib = 0.5;
      s.training.global_batch = 8;   // m = 4
      const Run r = execute(s);
      const RankAccount& a = r.slowest;
      CHECK(a.ep_wait_s > 0);
      const double parts = a.compute_s + a.tp_wait_s + a.pp_comm_s + a.bubble_s + a.dp_wait_s + a.ep_wait_s + a.cp_wait_s;
      CHECK(parts <= r.time_s + 1e-12);
      CHECK(parts >= 0.5 * r.time_s);
      bool expert_items = false;
      for (const auto& sp : r.program.stages)
        for (const DpItem& it : sp.dp_items) expert_items = expert_items || it.expert;
      CHECK(expert_items);   // expert-DP group: dp 2 x cp 2 / ep 2 = 2 ranks
    }
}

TEST_CASE("The expert- and context-parallel example scenarios run, and their breakdown adds up") {
  const Catalog catalog = Catalog::builtin();
  const std::string dir = std::string(ORRERY_SOURCE_DIR) + "/scenarios/examples/";
  const Scenario mixtral = load_scenario_file(dir + "mixtral-8x7b-64-h100.json", catalog);
  CHECK(mixtral.parallelism.ep == 8);
  const Scenario llama = load_scenario_file(dir + "llama3-8b-cp4-64-h100.json", catalog);
  CHECK(llama.parallelism.cp == 4);
  CHECK(llama.parallelism.dp == 8);   // 64 / (tp 2 x cp 4 x pp 1)
  for (const Scenario* s : {&mixtral, &llama}) {
    INFO(s->name);
    const StepResult r = simulate_step(*s);
    REQUIRE(r.fits);
    const StepBreakdown& b = r.breakdown;
    CHECK(b.compute_s + b.exposed_tp_comm_s + b.exposed_pp_comm_s + b.exposed_dp_comm_s + b.exposed_ep_comm_s +
              b.exposed_cp_comm_s + b.bubble_s + b.idle_s ==
          Approx(r.time_s));
  }
  // Mixtral's EP groups (8 replicas x tp 2 = 16 GPUs) span two nodes: the
  // all-to-alls cross the network and show.
  CHECK(simulate_step(mixtral).breakdown.exposed_ep_comm_s > 0);
}
