#pragma once
// Hand-built accelerator specs for the hardware tests (the catalog JSON is
// loaded by sim/scenario; these tests must not depend on it).
#include "hardware/specs.hpp"

namespace orrery::test {

// H100 SXM's datasheet figures: 989.5 dense bf16 TFLOP/s, 3350 GB/s, 132 SMs.
inline AcceleratorSpec h100_like() {
  AcceleratorSpec a;
  a.name = "h100-like";
  a.vendor = "test";
  a.peak_tflops_fp32 = 67;
  a.peak_tflops_tf32 = 494.5;
  a.peak_tflops_bf16 = 989.5;
  a.peak_tflops_fp16 = 989.5;
  a.peak_tflops_fp8 = 1979;
  a.hbm_gib = 80;
  a.hbm_bandwidth_gb_per_s = 3350;
  a.sm_count = 132;
  a.tdp_w = 700;
  a.idle_w = 105;
  return a;
}

// Round numbers for closed forms: 1000 TFLOP/s bf16, 2000 GB/s, no fp8.
inline AcceleratorSpec round_numbers() {
  AcceleratorSpec a;
  a.name = "round";
  a.vendor = "test";
  a.peak_tflops_fp32 = 50;
  a.peak_tflops_tf32 = 250;
  a.peak_tflops_bf16 = 1000;
  a.peak_tflops_fp16 = 1000;
  a.peak_tflops_fp8 = 0;
  a.hbm_gib = 64;
  a.hbm_bandwidth_gb_per_s = 2000;
  a.sm_count = 100;
  a.tdp_w = 500;
  a.idle_w = 75;
  return a;
}

}  // namespace orrery::test
