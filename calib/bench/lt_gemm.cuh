#pragma once
// One GEMM through cuBLASLt, set up once and launched many times:
// D (m x n) = op(A) (m x k) . op(B) (k x n), column-major, "TN" (A stored k x m
// and transposed, B stored k x n): the layout FP8 requires and the one a
// linear layer's forward maps to. Strided-batched when batch > 1. alpha = 1,
// beta = 0, FP32 accumulation; the algorithm is cuBLASLt's first heuristic
// choice for the workspace given, as frameworks use it.
//   bf16 / fp16: A, B, D in that type;  tf32: FP32 data, TF32 tensor cores;
//   fp8: A, B e4m3 with per-tensor scales (1.0), D bf16.
#include <cstdint>
#include <string>

#include <cublasLt.h>

#include "calib/bench/cuda_util.cuh"
#include "hardware/specs.hpp"

namespace orrery::calib {

#define ORRERY_CUBLAS(call)                                                                        \
  do {                                                                                             \
    const cublasStatus_t orrery_status_ = (call);                                                  \
    if (orrery_status_ != CUBLAS_STATUS_SUCCESS)                                                   \
      ::orrery::calib::cuda_failure(#call, __FILE__, __LINE__,                                     \
                                    std::string(cublasLtGetStatusName(orrery_status_)) + ": " +      \
                                        cublasLtGetStatusString(orrery_status_));                    \
  } while (0)

// Bytes per element of A/B and of D for a precision.
std::size_t input_bytes(Precision p);
std::size_t output_bytes(Precision p);
FillType input_fill(Precision p);

class LtGemm {
public:
  LtGemm(cublasLtHandle_t handle, void* workspace, std::size_t workspace_bytes, const void* one_scale);
  ~LtGemm();
  LtGemm(const LtGemm&) = delete;
  LtGemm& operator=(const LtGemm&) = delete;

  // Describes the GEMM on these buffers. False (with `why`) when cuBLASLt
  // has no algorithm for it.
  bool prepare(Precision p, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch, const void* a,
               const void* b, void* d, std::string* why);
  void launch(cudaStream_t stream) const;

private:
  void release();
  cublasLtHandle_t handle_;
  void* workspace_;
  std::size_t workspace_bytes_;
  const void* one_scale_;   // device float 1.0, the FP8 tensor scales
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t a_desc_ = nullptr, b_desc_ = nullptr, d_desc_ = nullptr;
  cublasLtMatmulAlgo_t algo_{};
  const void* a_ = nullptr;
  const void* b_ = nullptr;
  void* d_ = nullptr;
};

}  // namespace orrery::calib
