// Fresh random data for every benchmark: a counter-based hash (splitmix64)
// of (seed, index), so any buffer can be refilled with new values without
// state, in parallel, and no value is zero.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include "calib/bench/cuda_util.cuh"

namespace orrery::calib {
namespace {

__device__ __forceinline__ std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Uniform in [-1, 1) without 0: 24 random bits, the sign from a 25th, and
// magnitudes from 2^-24 up.
__device__ __forceinline__ float uniform_nonzero(std::uint64_t seed, std::size_t i) {
  const std::uint64_t r = splitmix64(seed * 0x100000001b3ull + i);
  const float magnitude = (static_cast<float>(r & 0xffffffu) + 1.0f) * (1.0f / 16777216.0f);
  return (r >> 32) & 1 ? magnitude : -magnitude;
}

template <class T>
__device__ __forceinline__ T convert(float v);
template <>
__device__ __forceinline__ float convert<float>(float v) { return v; }
template <>
__device__ __forceinline__ __half convert<__half>(float v) { return __float2half(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 convert<__nv_bfloat16>(float v) { return __float2bfloat16(v); }
template <>
__device__ __forceinline__ __nv_fp8_e4m3 convert<__nv_fp8_e4m3>(float v) {
  // e4m3's smallest normal is 2^-6: keep |v| >= 1/32 so that nothing rounds to zero.
  const float m = fabsf(v) < 0.03125f ? copysignf(0.03125f, v) : v;
  return __nv_fp8_e4m3(m);
}

template <class T>
__global__ void fill_kernel(T* out, std::size_t n, std::uint64_t seed) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    out[i] = convert<T>(uniform_nonzero(seed, i));
}

template <class T>
void launch_fill(void* data, std::size_t n, std::uint64_t seed, cudaStream_t stream) {
  if (n == 0) return;
  const std::size_t blocks = std::min<std::size_t>((n + 255) / 256, 65536);
  fill_kernel<T><<<static_cast<unsigned>(blocks), 256, 0, stream>>>(static_cast<T*>(data), n, seed);
  ORRERY_CUDA_LAUNCH();
}

}  // namespace

void fill_random(void* data, std::size_t elements, FillType type, std::uint64_t seed, cudaStream_t stream) {
  switch (type) {
    case FillType::f32: launch_fill<float>(data, elements, seed, stream); break;
    case FillType::f16: launch_fill<__half>(data, elements, seed, stream); break;
    case FillType::bf16: launch_fill<__nv_bfloat16>(data, elements, seed, stream); break;
    case FillType::e4m3: launch_fill<__nv_fp8_e4m3>(data, elements, seed, stream); break;
  }
}

}  // namespace orrery::calib
