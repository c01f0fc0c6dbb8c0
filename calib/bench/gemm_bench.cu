// GEMM throughput through cuBLASLt: the grid, the transformer shapes and the
// batched attention GEMMs of the plan, for one precision. Buffers are sized
// for the largest shape that fits the memory budget; a shape that does not
// fit, or that cuBLASLt has no algorithm for, is skipped with a warning.
#include <algorithm>
#include <cstdio>

#include "calib/bench/bench_families.hpp"
#include "calib/bench/lt_gemm.cuh"

namespace orrery::calib {
namespace {

constexpr std::size_t kWorkspaceBytes = 32u << 20;   // cuBLASLt's recommendation for Hopper

struct Footprint {
  std::size_t a = 0, b = 0, d = 0;
};

Footprint footprint(const GemmShape& g, Precision p) {
  const std::size_t batch = static_cast<std::size_t>(g.batch);
  const std::size_t m = static_cast<std::size_t>(g.m), n = static_cast<std::size_t>(g.n),
                    k = static_cast<std::size_t>(g.k);
  return {batch * k * m * input_bytes(p), batch * k * n * input_bytes(p), batch * m * n * output_bytes(p)};
}

class LtHandle {
public:
  LtHandle() { ORRERY_CUBLAS(cublasLtCreate(&h_)); }
  ~LtHandle() { cublasLtDestroy(h_); }
  LtHandle(const LtHandle&) = delete;
  LtHandle& operator=(const LtHandle&) = delete;
  cublasLtHandle_t get() const { return h_; }

private:
  cublasLtHandle_t h_ = nullptr;
};

}  // namespace

bool fp8_supported(std::string* why) {
  int device = 0, major = 0, minor = 0;
  ORRERY_CUDA(cudaGetDevice(&device));
  ORRERY_CUDA(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  ORRERY_CUDA(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
  if (major * 10 + minor >= 89) return true;
  if (why)
    *why = "fp8 GEMMs need compute capability 8.9 or later (this GPU: " + std::to_string(major) + "." +
           std::to_string(minor) + ")";
  return false;
}

std::vector<GemmPoint> measure_gemms(const BenchEnv& env, Precision p) {
  const CalibrationPlan& plan = *env.plan;
  std::vector<GemmShape> shapes;
  // Each operand within a third of the budget.
  const double per_operand = env.memory_budget_bytes / 3;
  std::size_t skipped_size = 0;
  Footprint need;
  for (const GemmShape& g : gemm_shapes_for(plan, p)) {
    const Footprint f = footprint(g, p);
    if (static_cast<double>(std::max({f.a, f.b, f.d})) > per_operand) {
      ++skipped_size;
      continue;
    }
    need.a = std::max(need.a, f.a);
    need.b = std::max(need.b, f.b);
    need.d = std::max(need.d, f.d);
    shapes.push_back(g);
  }
  if (skipped_size > 0)
    env.warnings->push_back(std::string("gemm ") + to_string(p) + ": " + std::to_string(skipped_size) +
                            " shape(s) skipped, larger than the memory budget of " +
                            std::to_string(static_cast<long long>(env.memory_budget_bytes / (1u << 30))) + " GiB");

  Stream stream;
  LtHandle handle;
  DeviceBuffer a(need.a), b(need.b), d(need.d), workspace(kWorkspaceBytes), scale(sizeof(float));
  const float one = 1.0f;
  ORRERY_CUDA(cudaMemcpy(scale.get(), &one, sizeof one, cudaMemcpyHostToDevice));
  LtGemm gemm(handle.get(), workspace.get(), kWorkspaceBytes, scale.get());

  std::vector<GemmPoint> out;
  std::size_t no_algorithm = 0;
  std::string first_reason;
  std::uint64_t seed = 0x6e6d6d00u + static_cast<std::uint64_t>(p) * 1000003u;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const GemmShape& g = shapes[i];
    const Footprint f = footprint(g, p);
    // Fresh operands for every point.
    fill_random(a.get(), f.a / input_bytes(p), input_fill(p), ++seed, stream.get());
    fill_random(b.get(), f.b / input_bytes(p), input_fill(p), ++seed, stream.get());
    std::string why;
    if (!gemm.prepare(p, g.m, g.n, g.k, g.batch, a.get(), b.get(), d.get(), &why)) {
      if (no_algorithm++ == 0)
        first_reason = std::to_string(g.m) + "x" + std::to_string(g.n) + "x" + std::to_string(g.k) + " batch " +
                       std::to_string(g.batch) + ": " + why;
      continue;
    }
    GemmPoint point;
    point.precision = p;
    point.m = g.m;
    point.n = g.n;
    point.k = g.k;
    point.batch = g.batch;
    point.origin = g.origin;
    point.time = time_launches(plan, stream.get(), [&] { gemm.launch(stream.get()); });
    out.push_back(point);
    if (env.verbose || (i + 1) % 500 == 0 || i + 1 == shapes.size())
      std::fprintf(stderr, "  gemm %s: %zu / %zu\n", to_string(p), i + 1, shapes.size());
  }
  if (no_algorithm > 0)
    env.warnings->push_back(std::string("gemm ") + to_string(p) + ": " + std::to_string(no_algorithm) +
                            " shape(s) skipped, cuBLASLt found no algorithm (first: " + first_reason + ")");
  return out;
}

}  // namespace orrery::calib
