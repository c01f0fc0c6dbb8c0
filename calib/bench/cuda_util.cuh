#pragma once
// What every benchmark family shares: status checks that throw with the
// call and the library's message, device buffers, fresh random data, and the
// timing loop (warm-up, one launch to size the repetitions, then every
// repetition between its own pair of CUDA events with the launch queue kept
// full, summarized as median and p10 / p90).
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <cuda_runtime.h>

#include "calib/bench_plan.hpp"

namespace orrery::calib {

[[noreturn]] inline void cuda_failure(const char* call, const char* file, int line, const std::string& why) {
  throw std::runtime_error(std::string(call) + " failed at " + file + ":" + std::to_string(line) + ": " + why);
}

#define ORRERY_CUDA(call)                                                                     \
  do {                                                                                        \
    const cudaError_t orrery_status_ = (call);                                                \
    if (orrery_status_ != cudaSuccess)                                                        \
      ::orrery::calib::cuda_failure(#call, __FILE__, __LINE__, cudaGetErrorString(orrery_status_)); \
  } while (0)

// Checks the last kernel launch.
#define ORRERY_CUDA_LAUNCH() ORRERY_CUDA(cudaGetLastError())

// A device allocation, freed on scope exit.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t bytes) : bytes_(bytes) {
    if (bytes > 0) ORRERY_CUDA(cudaMalloc(&ptr_, bytes));
  }
  ~DeviceBuffer() {
    if (ptr_) cudaFree(ptr_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept : ptr_(o.ptr_), bytes_(o.bytes_) {
    o.ptr_ = nullptr;
    o.bytes_ = 0;
  }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      if (ptr_) cudaFree(ptr_);
      ptr_ = o.ptr_;
      bytes_ = o.bytes_;
      o.ptr_ = nullptr;
      o.bytes_ = 0;
    }
    return *this;
  }
  void* get() const { return ptr_; }
  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }
  std::size_t bytes() const { return bytes_; }

private:
  void* ptr_ = nullptr;
  std::size_t bytes_ = 0;
};

// Element types the random fill knows.
enum class FillType { f32, f16, bf16, e4m3 };

// Uniform values in [-1, 1) from a counter-based hash of (seed, index): never
// zeros, different for every seed. Asynchronous on `stream`.
void fill_random(void* data, std::size_t elements, FillType type, std::uint64_t seed, cudaStream_t stream);

// Times `launch` (which enqueues one kernel, or one library call, on
// `stream`): plan.warmup launches, one timed launch to size the
// repetitions, then that many timed launches. Returns the summary.
template <class Launch>
MeasuredTime time_launches(const CalibrationPlan& plan, cudaStream_t stream, Launch&& launch) {
  for (int i = 0; i < plan.warmup; ++i) launch();
  ORRERY_CUDA(cudaStreamSynchronize(stream));
  cudaEvent_t probe[2];
  ORRERY_CUDA(cudaEventCreate(&probe[0]));
  ORRERY_CUDA(cudaEventCreate(&probe[1]));
  ORRERY_CUDA(cudaEventRecord(probe[0], stream));
  launch();
  ORRERY_CUDA(cudaEventRecord(probe[1], stream));
  ORRERY_CUDA(cudaEventSynchronize(probe[1]));
  float estimate_ms = 0;
  ORRERY_CUDA(cudaEventElapsedTime(&estimate_ms, probe[0], probe[1]));
  ORRERY_CUDA(cudaEventDestroy(probe[0]));
  ORRERY_CUDA(cudaEventDestroy(probe[1]));

  const int reps = repetitions_for(plan, estimate_ms * 1000.0);
  std::vector<cudaEvent_t> events(2 * static_cast<std::size_t>(reps));
  for (auto& e : events) ORRERY_CUDA(cudaEventCreate(&e));
  for (int i = 0; i < reps; ++i) {
    ORRERY_CUDA(cudaEventRecord(events[2 * i], stream));
    launch();
    ORRERY_CUDA(cudaEventRecord(events[2 * i + 1], stream));
  }
  ORRERY_CUDA(cudaStreamSynchronize(stream));
  std::vector<double> samples;
  samples.reserve(reps);
  for (int i = 0; i < reps; ++i) {
    float ms = 0;
    ORRERY_CUDA(cudaEventElapsedTime(&ms, events[2 * i], events[2 * i + 1]));
    samples.push_back(ms * 1000.0);
  }
  for (auto& e : events) ORRERY_CUDA(cudaEventDestroy(e));
  return summarize_samples(std::move(samples));
}

// A stream, destroyed on scope exit.
class Stream {
public:
  Stream() { ORRERY_CUDA(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }
  ~Stream() { cudaStreamDestroy(s_); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return s_; }

private:
  cudaStream_t s_ = nullptr;
};

}  // namespace orrery::calib
