// How gradients are accumulated and synchronized: parallelism.grad_accumulation
// (a memory-bound pass per microbatch), main_grad (the precision data
// parallelism reduces in), grad_reduce (all-reduce under ZeRO 1) and the tied
// embedding's all-reduce between the first and last stages. Closed forms on
// the FLOP-proportional device and latency-free 100 GB/s NVLink of
// step_harness.hpp; a byte-proportional timer where passes over memory matter.
#include <catch2/catch.hpp>

#include "models/parameters.hpp"
#include "sim/step/memory_estimate.hpp"
#include "sim/step/step_program.hpp"
#include "step_harness.hpp"
#include "test_scenario.hpp"

using namespace orrery;
using test::execute;
using test::Run;

namespace {

constexpr double kGib = 1024.0 * 1024 * 1024;

// 1 TFLOP/s and 1 TB/s, no launch cost: a memory-bound pass of B bytes takes B ps.
struct BytesTimer final : KernelTimer {
  double seconds(const KernelWork& w, Precision) const override { return (w.flops + w.bytes) * 1e-12; }
};

double compute_seconds(const Scenario& s) {
  const RankLayout layout(s.parallelism, s.model.layers);
  BytesTimer timer;
  return build_step_program(s, layout, timer).stages[0].compute_s;
}

}  // namespace

TEST_CASE("grad_accumulation: add reads the gradient and reads and writes the buffer every microbatch") {
  Scenario s = test::tiny_scenario(1, 1, 1);   // 8 microbatches, every parameter on the one stage
  const double params = stage_parameters_per_rank(s, RankLayout(s.parallelism, s.model.layers), 0);
  const double m = s.parallelism.microbatches(s.training.global_batch);
  REQUIRE(m == 8);
  const double fused = compute_seconds(s);
  // bf16 training, fp32 buffer: add is 2 + 2 x 4 = 10 bytes, cast_add 2 + 4 x 4 = 18 bytes per parameter.
  s.parallelism.grad_accumulation = "add";
  const double add = compute_seconds(s);
  s.parallelism.grad_accumulation = "cast_add";
  const double cast_add = compute_seconds(s);
  // One pass per layer, head and embedding per microbatch: 10 blocks, each rounded to the ns.
  const double rounding = 8 * 10 * 1e-9;
  CHECK(add - fused == Approx(m * params * 10 * 1e-12).margin(rounding));
  CHECK(cast_add - fused == Approx(m * params * 18 * 1e-12).margin(rounding));
  // fp16 keeps its buffer in fp16 (main_grad auto): 2 + 2 x 2 = 6 bytes.
  s.training.precision = Precision::fp16;
  s.parallelism.grad_accumulation = "fused";
  const double fused_fp16 = compute_seconds(s);   // its optimizer reads 2-byte gradients
  s.parallelism.grad_accumulation = "add";
  CHECK(compute_seconds(s) - fused_fp16 == Approx(m * params * 6 * 1e-12).margin(rounding));
  // cast_add holds the 16-bit gradients too: 4 + 2 bytes per parameter in memory.
  s.training.precision = Precision::bf16;
  s.parallelism.grad_accumulation = "cast_add";
  const StageMemory mem = estimate_memory(s, RankLayout(s.parallelism, s.model.layers))[0];
  CHECK(mem.gradients_gib * kGib == Approx(params * 6));
}

TEST_CASE("main_grad: data parallelism reduces fp32 gradients for bf16, the training precision for fp16") {
  Scenario s = test::tiny_scenario(1, 1, 2);
  s.parallelism.overlap_grad_reduce = false;   // one item: every gradient
  const double params = stage_parameters_per_rank(s, RankLayout(s.parallelism, s.model.layers), 0);
  auto reduced_bytes = [&] {
    const Run r = execute(s);
    REQUIRE(r.program.stages[0].dp_items.size() == 1);
    return r.program.stages[0].dp_items[0].bytes;
  };
  CHECK(reduced_bytes() == Approx(params * 4));   // bf16, auto
  s.parallelism.main_grad = "param";
  CHECK(reduced_bytes() == Approx(params * 2));
  s.training.precision = Precision::fp16;
  s.parallelism.main_grad = "auto";
  CHECK(reduced_bytes() == Approx(params * 2));
  s.parallelism.main_grad = "fp32";
  CHECK(reduced_bytes() == Approx(params * 4));
}

TEST_CASE("grad_reduce all_reduce under ZeRO 1: every rank gets all gradients, then the parameters are gathered") {
  Scenario s = test::tiny_scenario(1, 1, 2);
  s.parallelism.zero = 1;
  s.parallelism.grad_reduce = "all_reduce";
  s.parallelism.overlap_grad_reduce = false;
  const double params = stage_parameters_per_rank(s, RankLayout(s.parallelism, s.model.layers), 0);
  const Run r = execute(s);
  const auto& items = r.program.stages[0].dp_items;
  REQUIRE(items.size() == 2);
  CHECK(items[0].op == CollectiveOp::all_reduce);
  CHECK(items[0].bytes == Approx(params * 4));   // fp32 gradients
  CHECK(items[1].op == CollectiveOp::all_gather);
  CHECK(items[1].bytes == Approx(params * 2));   // bf16 parameters
  // Ring of 2 at B = 100 GB/s: all-reduce 2 (n-1)/n S/B = S/B, all-gather S'/(2B); both exposed.
  const double t = params * 4 / 100e9 + params * 2 / 2 / 100e9;
  CHECK(r.slowest.dp_wait_s == Approx(t).margin(1e-8));
  CHECK(r.time_s == Approx(r.program.stages[0].compute_s + t).margin(1e-8));
}

TEST_CASE("Tied embeddings over a pipeline: the first and last stages all-reduce the embedding's gradients") {
  Scenario s = test::tiny_scenario(1, 2, 1);
  const ParameterCount pc = count_parameters(s.model);
  const Run r = execute(s);
  for (int stage : {0, 1}) {
    int found = 0;
    for (const Instr& in : r.program.stages[static_cast<std::size_t>(stage)].instrs) {
      if (in.kind != InstrKind::embedding_all_reduce) continue;
      ++found;
      CHECK(static_cast<double>(in.value) == Approx(pc.embedding * 4).margin(1));   // fp32 gradients
    }
    CHECK(found == 1);
  }
  // Stage 0 finishes its backward last, so it waits for the transfer alone:
  // a ring of 2 at 100 GB/s, S/B. Nothing else reduces gradients (dp 1).
  // The last stage (rank 1) gets there first: its wait for stage 0 is
  // bubble, only the transfer is gradient communication.
  const double transfer_s = pc.embedding * 4 / 100e9;
  REQUIRE(r.accounts.size() == 2);
  CHECK(r.accounts[0].dp_wait_s == Approx(transfer_s).margin(1e-8));
  CHECK(r.accounts[1].dp_wait_s == Approx(transfer_s).margin(1e-8));
  // Nothing is lost: the last stage's parts still add up to its finish time.
  const RankAccount& last = r.accounts[1];
  CHECK(last.compute_s + last.tp_wait_s + last.pp_comm_s + last.bubble_s + last.dp_wait_s ==
        Approx(static_cast<double>(last.finish_ns) * 1e-9).margin(1e-8));

  // Untied embeddings (or one stage) need nothing.
  s.model.tied_embeddings = false;
  const Run untied = execute(s);
  for (const Instr& in : untied.program.stages[0].instrs) CHECK(in.kind != InstrKind::embedding_all_reduce);
}
