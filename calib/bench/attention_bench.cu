// Unfused attention, forward and backward, at the shapes the catalog models
// use: batched cuBLASLt GEMMs and row-softmax kernels, as one timed sequence
// per repetition (calib/profile_check.hpp lists the kernels). bf16.
//
// Why not a fused kernel: cuDNN's fused SDPA is reachable only through its
// graph API (cudnn-frontend is not installed with the toolkit here), and that
// path could not be tested on a GPU when this was written; see
// docs/calibration.md. The device model approximates fused attention from
// the batched GEMMs measured here (origin "attention" in the GEMM table).
#include <cstdio>
#include <memory>

#include "calib/bench/bench_families.hpp"
#include "calib/bench/lt_gemm.cuh"
#include "calib/bench/row_kernels.hpp"
#include "calib/profile_check.hpp"

namespace orrery::calib {
namespace {

constexpr std::size_t kWorkspaceBytes = 32u << 20;

}  // namespace

std::vector<AttentionPoint> measure_attention(const BenchEnv& env) {
  const CalibrationPlan& plan = *env.plan;
  Stream stream;
  cublasLtHandle_t handle = nullptr;
  ORRERY_CUBLAS(cublasLtCreate(&handle));
  std::unique_ptr<cublasLtContext, decltype(&cublasLtDestroy)> handle_owner(handle, &cublasLtDestroy);
  DeviceBuffer workspace(kWorkspaceBytes);
  std::vector<AttentionPoint> out;
  std::uint64_t seed = 0x61747400u;

  for (const AttentionShape& shape : plan.attention) {
    const std::size_t bh = static_cast<std::size_t>(shape.batch_heads), s = static_cast<std::size_t>(shape.seq),
                      d = static_cast<std::size_t>(shape.head_dim);
    const std::size_t token_bytes = bh * s * d * 2, score_bytes = bh * s * s * 2;
    // Q K V dO dQ dK dV + P dP dS.
    if (7.0 * token_bytes + 3.0 * score_bytes > env.memory_budget_bytes || s % 8 != 0) {
      env.warnings->push_back("attention: " + std::to_string(bh) + " x " + std::to_string(s) + " x " +
                              std::to_string(d) + " skipped (memory budget)");
      continue;
    }
    DeviceBuffer q(token_bytes), k(token_bytes), v(token_bytes), dout(token_bytes), dq(token_bytes), dk(token_bytes),
        dv(token_bytes), p(score_bytes), dp(score_bytes), ds(score_bytes);
    for (DeviceBuffer* b : {&q, &k, &v, &dout, &p, &dp})
      fill_random(b->get(), b->bytes() / 2, FillType::bf16, ++seed, stream.get());

    const std::int64_t S = shape.seq, D = shape.head_dim, B = shape.batch_heads;
    std::string why;
    // Forward: S = Q K^T (into p), P = softmax(S) (into dp), O = P V (into dq).
    LtGemm qk(handle, workspace.get(), kWorkspaceBytes, nullptr), pv(handle, workspace.get(), kWorkspaceBytes, nullptr);
    // Backward: dP = dO V^T, dV = P^T dO, dS = softmax'(P, dP), dQ = dS K, dK = dS^T Q.
    LtGemm b_dp(handle, workspace.get(), kWorkspaceBytes, nullptr), b_dv(handle, workspace.get(), kWorkspaceBytes, nullptr),
        b_dq(handle, workspace.get(), kWorkspaceBytes, nullptr), b_dk(handle, workspace.get(), kWorkspaceBytes, nullptr);
    const bool ready = qk.prepare(Precision::bf16, S, S, D, B, q.get(), k.get(), p.get(), &why) &&
                       pv.prepare(Precision::bf16, S, D, S, B, dp.get(), v.get(), dq.get(), &why) &&
                       b_dp.prepare(Precision::bf16, S, S, D, B, dout.get(), v.get(), dp.get(), &why) &&
                       b_dv.prepare(Precision::bf16, S, D, S, B, p.get(), dout.get(), dv.get(), &why) &&
                       b_dq.prepare(Precision::bf16, S, D, S, B, ds.get(), k.get(), dq.get(), &why) &&
                       b_dk.prepare(Precision::bf16, S, D, S, B, ds.get(), q.get(), dk.get(), &why);
    if (!ready) {
      env.warnings->push_back("attention: " + std::to_string(bh) + " x " + std::to_string(s) + " x " +
                              std::to_string(d) + " skipped: " + why);
      continue;
    }
    const std::size_t rows = bh * s;
    const int cols = static_cast<int>(s);
    AttentionPoint fwd;
    fwd.direction = "forward";
    fwd.method = "unfused";
    fwd.batch_heads = B;
    fwd.seq = S;
    fwd.head_dim = D;
    fwd.time = time_launches(plan, stream.get(), [&] {
      qk.launch(stream.get());
      launch_softmax_forward(p.get(), dp.get(), rows, cols, stream.get());
      pv.launch(stream.get());
    });
    out.push_back(fwd);
    AttentionPoint bwd = fwd;
    bwd.direction = "backward";
    bwd.time = time_launches(plan, stream.get(), [&] {
      b_dp.launch(stream.get());
      b_dv.launch(stream.get());
      launch_softmax_backward(p.get(), dp.get(), ds.get(), rows, cols, stream.get());
      b_dq.launch(stream.get());
      b_dk.launch(stream.get());
    });
    out.push_back(bwd);
  }
  std::fprintf(stderr, "  attention: %zu shapes\n", plan.attention.size());
  return out;
}

}  // namespace orrery::calib
