#include "calib/bench/lt_gemm.cuh"

namespace orrery::calib {
namespace {

cudaDataType_t input_type(Precision p) {
  switch (p) {
    case Precision::fp32:
    case Precision::tf32: return CUDA_R_32F;
    case Precision::fp16: return CUDA_R_16F;
    case Precision::bf16: return CUDA_R_16BF;
    case Precision::fp8: return CUDA_R_8F_E4M3;
  }
  return CUDA_R_16BF;
}

cudaDataType_t output_type(Precision p) {
  return p == Precision::fp8 ? CUDA_R_16BF : input_type(p);
}

cublasComputeType_t compute_type(Precision p) {
  switch (p) {
    case Precision::tf32: return CUBLAS_COMPUTE_32F_FAST_TF32;
    default: return CUBLAS_COMPUTE_32F;
  }
}

}  // namespace

std::size_t input_bytes(Precision p) { return static_cast<std::size_t>(bytes_per_element(p)); }
std::size_t output_bytes(Precision p) { return p == Precision::fp8 ? 2 : input_bytes(p); }
FillType input_fill(Precision p) {
  switch (p) {
    case Precision::fp32:
    case Precision::tf32: return FillType::f32;
    case Precision::fp16: return FillType::f16;
    case Precision::bf16: return FillType::bf16;
    case Precision::fp8: return FillType::e4m3;
  }
  return FillType::bf16;
}

LtGemm::LtGemm(cublasLtHandle_t handle, void* workspace, std::size_t workspace_bytes, const void* one_scale)
    : handle_(handle), workspace_(workspace), workspace_bytes_(workspace_bytes), one_scale_(one_scale) {}

LtGemm::~LtGemm() { release(); }

void LtGemm::release() {
  if (op_) cublasLtMatmulDescDestroy(op_);
  if (a_desc_) cublasLtMatrixLayoutDestroy(a_desc_);
  if (b_desc_) cublasLtMatrixLayoutDestroy(b_desc_);
  if (d_desc_) cublasLtMatrixLayoutDestroy(d_desc_);
  op_ = nullptr;
  a_desc_ = b_desc_ = d_desc_ = nullptr;
}

bool LtGemm::prepare(Precision p, std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t batch, const void* a,
                     const void* b, void* d, std::string* why) {
  release();
  a_ = a;
  b_ = b;
  d_ = d;
  ORRERY_CUBLAS(cublasLtMatmulDescCreate(&op_, compute_type(p), CUDA_R_32F));
  const cublasOperation_t transa = CUBLAS_OP_T, transb = CUBLAS_OP_N;
  ORRERY_CUBLAS(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA, &transa, sizeof transa));
  ORRERY_CUBLAS(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB, &transb, sizeof transb));
  if (p == Precision::fp8) {
    ORRERY_CUBLAS(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &one_scale_,
                                                 sizeof one_scale_));
    ORRERY_CUBLAS(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &one_scale_,
                                                 sizeof one_scale_));
  }
  // Column-major: A is k x m (ld k), B is k x n (ld k), D is m x n (ld m).
  ORRERY_CUBLAS(cublasLtMatrixLayoutCreate(&a_desc_, input_type(p), static_cast<std::uint64_t>(k),
                                           static_cast<std::uint64_t>(m), k));
  ORRERY_CUBLAS(cublasLtMatrixLayoutCreate(&b_desc_, input_type(p), static_cast<std::uint64_t>(k),
                                           static_cast<std::uint64_t>(n), k));
  ORRERY_CUBLAS(cublasLtMatrixLayoutCreate(&d_desc_, output_type(p), static_cast<std::uint64_t>(m),
                                           static_cast<std::uint64_t>(n), m));
  if (batch > 1) {
    const std::int32_t count = static_cast<std::int32_t>(batch);
    const std::int64_t strides[3] = {k * m, k * n, m * n};
    cublasLtMatrixLayout_t descs[3] = {a_desc_, b_desc_, d_desc_};
    for (int i = 0; i < 3; ++i) {
      ORRERY_CUBLAS(cublasLtMatrixLayoutSetAttribute(descs[i], CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof count));
      ORRERY_CUBLAS(cublasLtMatrixLayoutSetAttribute(descs[i], CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                                     &strides[i], sizeof strides[i]));
    }
  }
  cublasLtMatmulPreference_t pref = nullptr;
  ORRERY_CUBLAS(cublasLtMatmulPreferenceCreate(&pref));
  const std::uint64_t ws = workspace_bytes_;
  ORRERY_CUBLAS(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof ws));
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  const cublasStatus_t status =
      cublasLtMatmulAlgoGetHeuristic(handle_, op_, a_desc_, b_desc_, d_desc_, d_desc_, pref, 1, &result, &found);
  cublasLtMatmulPreferenceDestroy(pref);
  if (status != CUBLAS_STATUS_SUCCESS || found == 0) {
    if (why)
      *why = status != CUBLAS_STATUS_SUCCESS ? std::string(cublasLtGetStatusName(status))
                                             : std::string("no algorithm for this shape");
    release();
    return false;
  }
  algo_ = result.algo;
  return true;
}

void LtGemm::launch(cudaStream_t stream) const {
  const float alpha = 1.0f, beta = 0.0f;
  ORRERY_CUBLAS(cublasLtMatmul(handle_, op_, &alpha, a_, a_desc_, b_, b_desc_, &beta, d_, d_desc_, d_, d_desc_, &algo_,
                               workspace_, workspace_bytes_, stream));
}

}  // namespace orrery::calib
