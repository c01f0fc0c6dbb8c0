// Host <-> device copies from and to pinned host memory, across sizes.
#include <cstdio>
#include <cstring>
#include <memory>

#include "calib/bench/bench_families.hpp"
#include "calib/bench/cuda_util.cuh"

namespace orrery::calib {

std::vector<HostTransferPoint> measure_host_transfers(const BenchEnv& env) {
  const CalibrationPlan& plan = *env.plan;
  double largest = 0;
  for (double b : plan.host_bytes)
    if (b <= env.memory_budget_bytes) largest = std::max(largest, b);
  std::vector<HostTransferPoint> out;
  if (largest <= 0) return out;
  const std::size_t size = static_cast<std::size_t>(largest);
  void* host = nullptr;
  ORRERY_CUDA(cudaMallocHost(&host, size));
  std::unique_ptr<void, decltype(&cudaFreeHost)> host_owner(host, &cudaFreeHost);
  // Non-zero host data: a byte pattern that changes along the buffer.
  unsigned char* bytes = static_cast<unsigned char*>(host);
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<unsigned char>((i * 2654435761u) >> 24 | 1u);
  DeviceBuffer device(size);
  fill_random(device.get(), size / 4, FillType::f32, 0x68326400u, nullptr);
  ORRERY_CUDA(cudaDeviceSynchronize());
  Stream stream;
  for (double b : plan.host_bytes) {
    if (b > largest) continue;
    const std::size_t n = static_cast<std::size_t>(b);
    HostTransferPoint h2d;
    h2d.direction = "h2d";
    h2d.bytes = b;
    h2d.time = time_launches(plan, stream.get(),
                             [&] { ORRERY_CUDA(cudaMemcpyAsync(device.get(), host, n, cudaMemcpyHostToDevice, stream.get())); });
    out.push_back(h2d);
    HostTransferPoint d2h;
    d2h.direction = "d2h";
    d2h.bytes = b;
    d2h.time = time_launches(plan, stream.get(),
                             [&] { ORRERY_CUDA(cudaMemcpyAsync(host, device.get(), n, cudaMemcpyDeviceToHost, stream.get())); });
    out.push_back(d2h);
  }
  std::fprintf(stderr, "  host transfers: %zu sizes\n", plan.host_bytes.size());
  return out;
}

}  // namespace orrery::calib
