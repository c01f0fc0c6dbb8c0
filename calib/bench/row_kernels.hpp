#pragma once
// Row softmax kernels on bf16 (memory_bench.cu), shared with the unfused
// attention benchmark. One block per row; cols a multiple of 8.
#include <cstddef>

#include <cuda_runtime.h>

namespace orrery::calib {

void launch_softmax_forward(const void* x, void* y, std::size_t rows, int cols, cudaStream_t stream);
void launch_softmax_backward(const void* p, const void* dp, void* ds, std::size_t rows, int cols,
                             cudaStream_t stream);

}  // namespace orrery::calib
