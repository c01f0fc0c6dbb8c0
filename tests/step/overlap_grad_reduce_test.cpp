// parallelism.overlap_grad_reduce: gradient buckets during the last backward
// (default) or, as Megatron-LM did up to 2022, one all-reduce of the whole
// gradient buffer after the backward, fully exposed. FLOP-proportional device
// (1 TFLOP/s, memory-bound kernels free) and latency-free links.
#include <catch2/catch.hpp>

#include "sim/step/memory_estimate.hpp"
#include "sim/step/step_program.hpp"
#include "step_harness.hpp"
#include "test_scenario.hpp"

using namespace orrery;
using test::execute;
using test::Run;

TEST_CASE("overlap_grad_reduce false: one all-reduce of every gradient after the backward, all exposed") {
  // dp 2 on one node, 100 GB/s per GPU: a ring all-reduce of S bytes takes
  // 2 (n-1)/n S/B = S/B. Small buckets, so that overlap has something to hide.
  Scenario s = test::tiny_scenario(1, 1, 2);
  s.parallelism.grad_bucket_mib = 0.25;
  const RankLayout layout(s.parallelism, s.model.layers);
  const double grad_bytes = stage_parameters_per_rank(s, layout, 0) * 4;   // bf16 training: fp32 main_grad

  s.parallelism.overlap_grad_reduce = false;
  const Run serial = execute(s);
  const auto& items = serial.program.stages[0].dp_items;
  REQUIRE(items.size() == 1);
  CHECK(items[0].op == CollectiveOp::all_reduce);
  CHECK(items[0].bytes == Approx(grad_bytes));
  // Launched after the last compute of the backward: only the optimizer follows.
  const auto& instrs = serial.program.stages[0].instrs;
  std::size_t launch = 0, last_compute = 0;
  for (std::size_t i = 0; i < instrs.size(); ++i) {
    if (instrs[i].kind == InstrKind::dp_launch) launch = i;
    if (instrs[i].kind == InstrKind::compute && serial.program.labels[instrs[i].label] != "optimizer") last_compute = i;
  }
  CHECK(launch > last_compute);
  const double all_reduce_s = grad_bytes / 100e9;
  CHECK(serial.slowest.dp_wait_s == Approx(all_reduce_s).margin(1e-8));
  CHECK(serial.time_s == Approx(serial.program.stages[0].compute_s + all_reduce_s).margin(1e-8));

  // Overlapped buckets hide part of the same bytes behind the backward.
  s.parallelism.overlap_grad_reduce = true;
  const Run overlapped = execute(s);
  CHECK(overlapped.program.stages[0].dp_items.size() > 1);
  CHECK(overlapped.slowest.dp_wait_s < all_reduce_s);
  CHECK(overlapped.time_s < serial.time_s);
}
