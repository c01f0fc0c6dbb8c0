// HBM bandwidth: pure streams (read, write, copy) across buffer sizes, and
// kernels shaped like the transformer's elementwise work (RMSNorm, LayerNorm,
// softmax, GeLU, SwiGLU, residual add) on bf16 rows x cols. Every point
// records the bytes the kernel moves to and from HBM (reads + writes), counted
// the way models/transformer.cpp counts them.
#include <cstdio>

#include <cuda_bf16.h>

#include "calib/bench/bench_families.hpp"
#include "calib/bench/cuda_util.cuh"
#include "calib/bench/row_kernels.hpp"

namespace orrery::calib {
namespace {

using bf16 = __nv_bfloat16;
constexpr int kThreads = 256;

// ---- streams: 16-byte accesses, grid-stride loops

__global__ void read_kernel(const uint4* in, std::size_t n, unsigned* sink) {
  unsigned acc = 0;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    const uint4 v = in[i];
    acc ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  // Never true for the random data, but the compiler cannot know: the loads stay.
  if (acc == 0x9e3779b9u) sink[0] = acc;
}

__global__ void write_kernel(uint4* out, std::size_t n, unsigned pattern) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    out[i] = make_uint4(pattern ^ static_cast<unsigned>(i), pattern, ~pattern, pattern + 1);
}

__global__ void copy_kernel(const uint4* in, uint4* out, std::size_t n) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x)
    out[i] = in[i];
}

// ---- row kernels: one block per row, 8 bf16 (16 bytes) per access

__device__ __forceinline__ float block_sum(float v, float* scratch) {
  for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float total = 0;
  for (int w = 0; w < blockDim.x / 32; ++w) total += scratch[w];
  return total;
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
  for (int o = 16; o > 0; o /= 2) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  float m = scratch[0];
  for (int w = 1; w < blockDim.x / 32; ++w) m = fmaxf(m, scratch[w]);
  return m;
}

struct Pack8 {
  float v[8];
};

__device__ __forceinline__ Pack8 load8(const bf16* p) {
  const uint4 raw = *reinterpret_cast<const uint4*>(p);
  const bf16* h = reinterpret_cast<const bf16*>(&raw);
  Pack8 out;
  for (int i = 0; i < 8; ++i) out.v[i] = __bfloat162float(h[i]);
  return out;
}

__device__ __forceinline__ void store8(bf16* p, const Pack8& x) {
  uint4 raw;
  bf16* h = reinterpret_cast<bf16*>(&raw);
  for (int i = 0; i < 8; ++i) h[i] = __float2bfloat16(x.v[i]);
  *reinterpret_cast<uint4*>(p) = raw;
}

// y = x rsqrt(mean(x^2) + eps) w; writes rstd (fp32) per row.
__global__ void rmsnorm_kernel(const bf16* x, const bf16* w, bf16* y, float* rstd, int cols) {
  __shared__ float scratch[32];
  const bf16* row = x + static_cast<std::size_t>(blockIdx.x) * cols;
  bf16* out = y + static_cast<std::size_t>(blockIdx.x) * cols;
  float ss = 0;
  for (int c = threadIdx.x * 8; c < cols; c += blockDim.x * 8) {
    const Pack8 v = load8(row + c);
    for (float f : v.v) ss += f * f;
  }
  const float r = rsqrtf(block_sum(ss, scratch) / cols + 1e-5f);
  if (threadIdx.x == 0) rstd[blockIdx.x] = r;
  for (int c = threadIdx.x * 8; c < cols; c += blockDim.x * 8) {
    Pack8 v = load8(row + c);
    const Pack8 g = load8(w + c);
    for (int i = 0; i < 8; ++i) v.v[i] = v.v[i] * r * g.v[i];
    store8(out + c, v);
  }
}

// y = (x - mean) rstd w + b; writes mean and rstd (fp32) per row.
__global__ void layernorm_kernel(const bf16* x, const bf16* w, const bf16* b, bf16* y, float* stats, int cols) {
  __shared__ float scratch[32];
  const bf16* row = x + static_cast<std::size_t>(blockIdx.x) * cols;
  bf16* out = y + static_cast<std::size_t>(blockIdx.x) * cols;
  float s = 0, ss = 0;
  for (int c = threadIdx.x * 8; c < cols; c += blockDim.x * 8) {
    const Pack8 v = load8(row + c);
    for (float f : v.v) {
      s += f;
      ss += f * f;
    }
  }
  const float mean = block_sum(s, scratch) / cols;
  const float var = fmaxf(block_sum(ss, scratch) / cols - mean * mean, 0.0f);
  const float r = rsqrtf(var + 1e-5f);
  if (threadIdx.x == 0) {
    stats[2 * blockIdx.x] = mean;
    stats[2 * blockIdx.x + 1] = r;
  }
  for (int c = threadIdx.x * 8; c < cols; c += blockDim.x * 8) {
    Pack8 v = load8(row + c);
    const Pack8 g = load8(w + c), h = load8(b + c);
    for (int i = 0; i < 8; ++i) v.v[i] = (v.v[i] - mean) * r * g.v[i] + h.v[i];
    store8(out + c, v);
  }
}

// y = softmax(x) along each row.
__global__ void softmax_kernel(const bf16* x, bf16* y, int cols) {
  __shared__ float scratch[32];
  const bf16* row = x + static_cast<std::size_t>(blockIdx.x) * cols;
  bf16* out = y + static_cast<std::size_t>(blockIdx.x) * cols;
  float m = -INFINITY;
  for (int c = threadIdx.x * 8; c < cols; c += blockDim.x * 8) {
    const Pack8 v = load8(row + c);
    for (float f : v.v) m = fmaxf(m, f);
  }
  m = block_max(m, scratch);
  float s = 0;
  for (int c = threadIdx.x * 8; c < cols; c += blockDim.x * 8) {
    const Pack8 v = load8(row + c);
    for (float f : v.v) s += __expf(f - m);
  }
  const float inv = 1.0f / block_sum(s, scratch);
  for (int c = threadIdx.x * 8; c < cols; c += blockDim.x * 8) {
    Pack8 v = load8(row + c);
    for (float& f : v.v) f = __expf(f - m) * inv;
    store8(out + c, v);
  }
}

// dS = P (dP - sum(P dP)) along each row: reads P and dP, writes dS.
__global__ void softmax_backward_kernel(const bf16* p, const bf16* dp, bf16* ds, int cols) {
  __shared__ float scratch[32];
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * cols;
  float dot = 0;
  for (int c = threadIdx.x * 8; c < cols; c += blockDim.x * 8) {
    const Pack8 a = load8(p + base + c), b = load8(dp + base + c);
    for (int i = 0; i < 8; ++i) dot += a.v[i] * b.v[i];
  }
  dot = block_sum(dot, scratch);
  for (int c = threadIdx.x * 8; c < cols; c += blockDim.x * 8) {
    Pack8 a = load8(p + base + c);
    const Pack8 b = load8(dp + base + c);
    for (int i = 0; i < 8; ++i) a.v[i] = a.v[i] * (b.v[i] - dot);
    store8(ds + base + c, a);
  }
}

// ---- elementwise kernels over n8 groups of 8 bf16

__global__ void gelu_kernel(const bf16* x, bf16* y, std::size_t n8) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n8;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    Pack8 v = load8(x + 8 * i);
    for (float& f : v.v) f = 0.5f * f * (1.0f + tanhf(0.7978845608f * (f + 0.044715f * f * f * f)));
    store8(y + 8 * i, v);
  }
}

// y = silu(gate) * up
__global__ void swiglu_kernel(const bf16* gate, const bf16* up, bf16* y, std::size_t n8) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n8;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    Pack8 g = load8(gate + 8 * i);
    const Pack8 u = load8(up + 8 * i);
    for (int k = 0; k < 8; ++k) g.v[k] = g.v[k] / (1.0f + __expf(-g.v[k])) * u.v[k];
    store8(y + 8 * i, g);
  }
}

__global__ void residual_add_kernel(const bf16* x, const bf16* r, bf16* y, std::size_t n8) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < n8;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    Pack8 a = load8(x + 8 * i);
    const Pack8 b = load8(r + 8 * i);
    for (int k = 0; k < 8; ++k) a.v[k] += b.v[k];
    store8(y + 8 * i, a);
  }
}

unsigned stream_blocks(std::size_t n, int sm_count) {
  // Enough blocks to fill every SM several times over, no more than the work.
  const std::size_t want = static_cast<std::size_t>(sm_count) * 16;
  return static_cast<unsigned>(std::max<std::size_t>(1, std::min(want, (n + kThreads - 1) / kThreads)));
}

MemoryPoint point(const char* kernel, double bytes, std::int64_t rows, std::int64_t cols, MeasuredTime t) {
  MemoryPoint p;
  p.kernel = kernel;
  p.bytes = bytes;
  p.rows = rows;
  p.cols = cols;
  p.time = t;
  return p;
}

}  // namespace

void launch_softmax_forward(const void* x, void* y, std::size_t rows, int cols, cudaStream_t stream) {
  softmax_kernel<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(static_cast<const bf16*>(x),
                                                                      static_cast<bf16*>(y), cols);
  ORRERY_CUDA_LAUNCH();
}

void launch_softmax_backward(const void* p, const void* dp, void* ds, std::size_t rows, int cols,
                             cudaStream_t stream) {
  softmax_backward_kernel<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(
      static_cast<const bf16*>(p), static_cast<const bf16*>(dp), static_cast<bf16*>(ds), cols);
  ORRERY_CUDA_LAUNCH();
}

std::vector<MemoryPoint> measure_memory(const BenchEnv& env) {
  const CalibrationPlan& plan = *env.plan;
  int device = 0, sms = 0;
  ORRERY_CUDA(cudaGetDevice(&device));
  ORRERY_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  Stream stream;
  std::vector<MemoryPoint> out;
  std::uint64_t seed = 0x6d656d00u;

  // Streams: two buffers of the largest size that fits half the budget each.
  double largest = 0;
  for (double b : plan.stream_bytes)
    if (2 * b <= env.memory_budget_bytes) largest = std::max(largest, b);
  if (largest < plan.stream_bytes.back())
    env.warnings->push_back("memory: stream sizes above " + std::to_string(static_cast<long long>(largest)) +
                            " bytes skipped (memory budget)");
  if (largest > 0) {
    DeviceBuffer src(static_cast<std::size_t>(largest)), dst(static_cast<std::size_t>(largest)), sink(16);
    for (double bytes : plan.stream_bytes) {
      if (bytes > largest) continue;
      const std::size_t n = static_cast<std::size_t>(bytes) / sizeof(uint4);
      fill_random(src.get(), static_cast<std::size_t>(bytes) / 4, FillType::f32, ++seed, stream.get());
      const unsigned blocks = stream_blocks(n, sms);
      const unsigned pattern = static_cast<unsigned>(seed) | 1u;
      out.push_back(point("read", bytes, 0, 0, time_launches(plan, stream.get(), [&] {
                            read_kernel<<<blocks, kThreads, 0, stream.get()>>>(src.as<uint4>(), n, sink.as<unsigned>());
                            ORRERY_CUDA_LAUNCH();
                          })));
      out.push_back(point("write", bytes, 0, 0, time_launches(plan, stream.get(), [&] {
                            write_kernel<<<blocks, kThreads, 0, stream.get()>>>(dst.as<uint4>(), n, pattern);
                            ORRERY_CUDA_LAUNCH();
                          })));
      out.push_back(point("copy", 2 * bytes, 0, 0, time_launches(plan, stream.get(), [&] {
                            copy_kernel<<<blocks, kThreads, 0, stream.get()>>>(src.as<uint4>(), dst.as<uint4>(), n);
                            ORRERY_CUDA_LAUNCH();
                          })));
    }
    std::fprintf(stderr, "  memory streams: %zu sizes\n", plan.stream_bytes.size());
  }

  // Transformer-shaped kernels, bf16.
  for (const ElementwiseShape& s : plan.elementwise) {
    const std::size_t elems = static_cast<std::size_t>(s.rows) * static_cast<std::size_t>(s.cols);
    if (4.0 * static_cast<double>(elems) * 2 > env.memory_budget_bytes || s.cols % 8 != 0) {
      env.warnings->push_back("memory: elementwise shape " + std::to_string(s.rows) + "x" + std::to_string(s.cols) +
                              " skipped (memory budget or cols not a multiple of 8)");
      continue;
    }
    DeviceBuffer x(elems * 2), r(elems * 2), y(elems * 2), w(s.cols * 2), b(s.cols * 2), stats(s.rows * 8);
    fill_random(x.get(), elems, FillType::bf16, ++seed, stream.get());
    fill_random(r.get(), elems, FillType::bf16, ++seed, stream.get());
    fill_random(w.get(), s.cols, FillType::bf16, ++seed, stream.get());
    fill_random(b.get(), s.cols, FillType::bf16, ++seed, stream.get());
    const double e = 2;   // bytes per bf16
    const double rows = static_cast<double>(s.rows), cols = static_cast<double>(s.cols);
    const unsigned grid_rows = static_cast<unsigned>(s.rows);
    const std::size_t n8 = elems / 8;
    const unsigned blocks = stream_blocks(n8, sms);
    const int cols_i = static_cast<int>(s.cols);
    // Norms: read x, write y, write per-row statistics, read the weights (+ bias).
    out.push_back(point("rmsnorm", 2 * rows * cols * e + rows * 4 + cols * e, s.rows, s.cols,
                        time_launches(plan, stream.get(), [&] {
                          rmsnorm_kernel<<<grid_rows, kThreads, 0, stream.get()>>>(
                              x.as<bf16>(), w.as<bf16>(), y.as<bf16>(), stats.as<float>(), cols_i);
                          ORRERY_CUDA_LAUNCH();
                        })));
    out.push_back(point("layernorm", 2 * rows * cols * e + rows * 8 + 2 * cols * e, s.rows, s.cols,
                        time_launches(plan, stream.get(), [&] {
                          layernorm_kernel<<<grid_rows, kThreads, 0, stream.get()>>>(
                              x.as<bf16>(), w.as<bf16>(), b.as<bf16>(), y.as<bf16>(), stats.as<float>(), cols_i);
                          ORRERY_CUDA_LAUNCH();
                        })));
    out.push_back(point("softmax", 2 * rows * cols * e, s.rows, s.cols, time_launches(plan, stream.get(), [&] {
                          softmax_kernel<<<grid_rows, kThreads, 0, stream.get()>>>(x.as<bf16>(), y.as<bf16>(), cols_i);
                          ORRERY_CUDA_LAUNCH();
                        })));
    out.push_back(point("gelu", 2 * rows * cols * e, s.rows, s.cols, time_launches(plan, stream.get(), [&] {
                          gelu_kernel<<<blocks, kThreads, 0, stream.get()>>>(x.as<bf16>(), y.as<bf16>(), n8);
                          ORRERY_CUDA_LAUNCH();
                        })));
    // SwiGLU over `cols` outputs: reads gate and up, writes one.
    out.push_back(point("swiglu", 3 * rows * cols * e, s.rows, s.cols, time_launches(plan, stream.get(), [&] {
                          swiglu_kernel<<<blocks, kThreads, 0, stream.get()>>>(x.as<bf16>(), r.as<bf16>(),
                                                                               y.as<bf16>(), n8);
                          ORRERY_CUDA_LAUNCH();
                        })));
    out.push_back(point("residual_add", 3 * rows * cols * e, s.rows, s.cols, time_launches(plan, stream.get(), [&] {
                          residual_add_kernel<<<blocks, kThreads, 0, stream.get()>>>(x.as<bf16>(), r.as<bf16>(),
                                                                                     y.as<bf16>(), n8);
                          ORRERY_CUDA_LAUNCH();
                        })));
  }
  std::fprintf(stderr, "  elementwise kernels: %zu shapes\n", plan.elementwise.size());
  return out;
}

}  // namespace orrery::calib
