// Kernel launch overhead (an empty kernel, timed like every other point, so
// that the device model can split each measured time into this fixed cost
// and the kernel's busy time), and the SM clock from a clock64() spin.
#include "calib/bench/bench_families.hpp"
#include "calib/bench/cuda_util.cuh"

namespace orrery::calib {
namespace {

__global__ void empty_kernel() {}

// One thread spins for `cycles` SM clock cycles.
__global__ void spin_kernel(long long cycles, long long* out) {
  const long long start = clock64();
  long long now = start;
  while (now - start < cycles) now = clock64();
  out[0] = now - start;
}

}  // namespace

MeasuredTime measure_launch_overhead(const BenchEnv& env) {
  Stream stream;
  return time_launches(*env.plan, stream.get(), [&] {
    empty_kernel<<<1, 1, 0, stream.get()>>>();
    ORRERY_CUDA_LAUNCH();
  });
}

double measure_sm_clock_mhz() {
  Stream stream;
  DeviceBuffer out(sizeof(long long));
  cudaEvent_t start, stop;
  ORRERY_CUDA(cudaEventCreate(&start));
  ORRERY_CUDA(cudaEventCreate(&stop));
  // Wake the GPU up (clocks ramp under load), then time 100 M cycles (~50 ms).
  const long long cycles = 100'000'000;
  double mhz = 0;
  for (int round = 0; round < 3; ++round) {
    ORRERY_CUDA(cudaEventRecord(start, stream.get()));
    spin_kernel<<<1, 1, 0, stream.get()>>>(cycles, out.as<long long>());
    ORRERY_CUDA_LAUNCH();
    ORRERY_CUDA(cudaEventRecord(stop, stream.get()));
    ORRERY_CUDA(cudaEventSynchronize(stop));
    float ms = 0;
    ORRERY_CUDA(cudaEventElapsedTime(&ms, start, stop));
    long long spun = 0;
    ORRERY_CUDA(cudaMemcpy(&spun, out.get(), sizeof spun, cudaMemcpyDeviceToHost));
    mhz = static_cast<double>(spun) / (ms * 1e3);   // cycles per microsecond
  }
  ORRERY_CUDA(cudaEventDestroy(start));
  ORRERY_CUDA(cudaEventDestroy(stop));
  return mhz;
}

}  // namespace orrery::calib
