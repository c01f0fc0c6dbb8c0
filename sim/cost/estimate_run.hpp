#pragma once
// The failure-free run estimate and its cost (failures arrive with a later issue).
//
//   steps      = total_tokens / (global_batch x seq_len)
//   seconds    = steps x step time
//   GPU-hours  = GPUs x seconds / 3600          (every allocated GPU, all the time)
//   dollars    = GPU-hours x price per GPU-hour
//   power/GPU  = idle + (TDP - idle) x compute fraction   (compute-stream busy share)
//   energy     = (GPUs x power/GPU + nodes x host power) x seconds x PUE
//   CO2        = energy x grid intensity
#include "sim/cost/run_estimate.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/step/step_result.hpp"

namespace orrery {

double accelerator_power_w(const AcceleratorSpec& acc, double compute_fraction);
RunEstimate estimate_run(const Scenario& s, const StepResult& step);

}  // namespace orrery
