#pragma once
// The benchmark families of orrery-calib, one source file each, called by
// main.cpp in this order. Each measures on the current CUDA device, checks
// every CUDA / cuBLASLt / NCCL status (std::runtime_error naming the call),
// and appends anything it had to skip, with the reason, to `warnings`.
#include <string>
#include <vector>

#include "calib/bench_plan.hpp"
#include "hardware/calibration_profile.hpp"

namespace orrery::calib {

struct BenchEnv {
  const CalibrationPlan* plan = nullptr;
  double memory_budget_bytes = 0;        // what one benchmark may allocate
  std::vector<std::string>* warnings = nullptr;
  bool verbose = false;
};

// launch_bench.cu
MeasuredTime measure_launch_overhead(const BenchEnv& env);
// SM clock over a spin of clock64() cycles timed by events (MHz).
double measure_sm_clock_mhz();

// gemm_bench.cu: every shape of gemm_shapes_for(plan, p).
std::vector<GemmPoint> measure_gemms(const BenchEnv& env, Precision p);
bool fp8_supported(std::string* why);

// memory_bench.cu: read / write / copy streams and the elementwise kernels.
std::vector<MemoryPoint> measure_memory(const BenchEnv& env);

// attention_bench.cu: unfused attention forward and backward.
std::vector<AttentionPoint> measure_attention(const BenchEnv& env);

// transfer_bench.cu: pinned host <-> device copies.
std::vector<HostTransferPoint> measure_host_transfers(const BenchEnv& env);

// collective_bench.cu: NCCL over every visible GPU (2 or more), else not measured.
CollectiveSection measure_collectives(const BenchEnv& env, int gpus);
std::string nccl_version();   // "" without NCCL

}  // namespace orrery::calib
