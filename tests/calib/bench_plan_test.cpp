// The measurement plan of orrery-calib: the GEMM grid, the transformer
// shapes of the catalog models (derived here by hand from their dims), the
// attention shapes, and the FP8 alignment rule.
#include <catch2/catch.hpp>

#include <algorithm>

#include "calib/bench_plan.hpp"
#include "sim/scenario/catalog.hpp"

using namespace orrery;

namespace {

std::vector<ModelSpec> catalog_models() {
  const Catalog c = Catalog::builtin();
  std::vector<ModelSpec> out;
  for (const std::string& name : c.names("models")) out.push_back(c.model(name));
  return out;
}

bool has(const std::vector<GemmShape>& v, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch = 1) {
  return std::any_of(v.begin(), v.end(),
                     [&](const GemmShape& g) { return g.m == m && g.n == n && g.k == k && g.batch == batch; });
}

}  // namespace

TEST_CASE("the GEMM grid is log-spaced from 128 to 16384") {
  const CalibrationPlan quick = make_calibration_plan(CalibrationGrid::quick, {});
  CHECK(quick.grid_axis == std::vector<std::int64_t>{128, 256, 512, 1024, 2048, 4096, 8192, 16384});
  const CalibrationPlan full = make_calibration_plan(CalibrationGrid::full, {});
  CHECK(full.grid_axis.size() == 15);   // 2^7 .. 2^14 and 1.5 x 2^7 .. 1.5 x 2^13
  CHECK(full.grid_axis.front() == 128);
  CHECK(full.grid_axis[1] == 192);
  CHECK(full.grid_axis.back() == 16384);
  CHECK(full.grid_axis[13] == 12288);
  // 8^3 grid shapes per precision in the quick plan.
  CHECK(gemm_shapes_for(quick, Precision::tf32).size() == 512);
}

TEST_CASE("Llama 3 70B at TP 8 contributes its layer and logits GEMMs") {
  const CalibrationPlan plan = make_calibration_plan(CalibrationGrid::quick, catalog_models());
  const auto& t = plan.transformer_gemms;
  // h = 8192, 64 heads of 128, 8 kv heads, ffn 28672, vocab 128256; TP 8, 8192 tokens:
  // QKV: n = (64 + 2 x 8) x 128 / 8 = 1280, k = h.
  CHECK(has(t, 8192, 1280, 8192));
  // FC1 (gate and up): n = 2 x 28672 / 8 = 7168; FC2: k = 28672 / 8 = 3584.
  CHECK(has(t, 8192, 7168, 8192));
  CHECK(has(t, 8192, 8192, 3584));
  // FC2's input gradient: m = tokens, n = 3584, k = h.
  CHECK(has(t, 8192, 3584, 8192));
  // Logits: n = ceil(128256 / 8) = 16032.
  CHECK(has(t, 8192, 16032, 8192));
  // The attention output projection (8192 x 8192 x 1024) is a grid point: measured once, as such.
  CHECK_FALSE(has(t, 8192, 8192, 1024));
  CHECK(has(gemm_shapes_for(plan, Precision::bf16), 8192, 8192, 1024));
  // Sorted and unique.
  CHECK(std::is_sorted(t.begin(), t.end(), [](const GemmShape& a, const GemmShape& b) {
    return std::tie(a.m, a.n, a.k) < std::tie(b.m, b.n, b.k);
  }));
  CHECK(std::adjacent_find(t.begin(), t.end()) == t.end());
}

TEST_CASE("attention shapes and their batched GEMMs") {
  const CalibrationPlan plan = make_calibration_plan(CalibrationGrid::quick, catalog_models());
  // Llama 3 70B at TP 8: 64 / 8 = 8 heads of 128 per rank, sequences 2048 and 4096.
  CHECK(std::count(plan.attention.begin(), plan.attention.end(), AttentionShape{8, 4096, 128}) == 1);
  // Q K^T (s x s x d) and P V (s x d x s), batch = heads on the rank.
  CHECK(has(plan.attention_gemms, 4096, 4096, 128, 8));
  CHECK(has(plan.attention_gemms, 4096, 128, 4096, 8));
  // The Megatron 1.7B model has head dim 2304 / 24 = 96.
  CHECK(std::count(plan.attention.begin(), plan.attention.end(), AttentionShape{24, 2048, 96}) == 1);
}

TEST_CASE("FP8 keeps only shapes whose extents are multiples of 16") {
  const CalibrationPlan plan = make_calibration_plan(CalibrationGrid::full, catalog_models());
  const auto fp8 = gemm_shapes_for(plan, Precision::fp8);
  CHECK(std::all_of(fp8.begin(), fp8.end(), [](const GemmShape& g) { return g.m % 16 == 0 && g.n % 16 == 0 && g.k % 16 == 0; }));
  // GPT-3's logits at TP 1 have n = 50257: bf16 measures them, fp8 cannot.
  CHECK(has(gemm_shapes_for(plan, Precision::bf16), 2048, 50257, 12288));
  CHECK_FALSE(has(fp8, 2048, 50257, 12288));
  // No attention GEMMs in fp8 (attention stays in 16-bit).
  CHECK(std::none_of(fp8.begin(), fp8.end(), [](const GemmShape& g) { return g.origin == GemmOrigin::attention; }));
}

TEST_CASE("TP degrees keep heads kv heads and the ffn width whole") {
  ModelSpec m;
  m.heads = 12;
  m.kv_heads = 4;
  m.ffn_hidden = 3072;
  CHECK(calibration_tp_degrees(m) == std::vector<int>{1, 2, 4});
  m.kv_heads = 2;
  CHECK(calibration_tp_degrees(m) == std::vector<int>{1, 2});
}

TEST_CASE("repetitions fill the time target within their bounds") {
  CalibrationPlan plan;   // 40 ms per point, 10 to 200 repetitions
  CHECK(repetitions_for(plan, 1000) == 40);      // 1 ms kernels: 40
  CHECK(repetitions_for(plan, 3) == 200);        // tiny kernels: capped
  CHECK(repetitions_for(plan, 20000) == 10);     // 20 ms kernels: at least 10
  CHECK(repetitions_for(plan, 0) == 200);
}

TEST_CASE("a point's spread is its 10th and 90th percentile") {
  // 11 samples 1..11 us: median 6; p10 at rank 1: 2; p90 at rank 9: 10.
  const MeasuredTime t = summarize_samples({11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  CHECK(t.median_us == 6);
  CHECK(t.p10_us == 2);
  CHECK(t.p90_us == 10);
  CHECK(t.repetitions == 11);
  // 4 samples: median between the middle two, p90 at rank 2.7.
  const MeasuredTime u = summarize_samples({4, 1, 3, 2});
  CHECK(u.median_us == 2.5);
  CHECK(u.p90_us == Approx(3.7));
  CHECK_THROWS_AS(summarize_samples({}), std::invalid_argument);
  CHECK_THROWS_AS(summarize_samples({1, -2}), std::invalid_argument);
}
