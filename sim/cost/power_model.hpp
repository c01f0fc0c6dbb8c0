#pragma once
// Accelerator power as a function of what the accelerator does in a step.
//
//   P = idle + (TDP - idle) x min(1, compute + kCommunicationActivity x exposed communication)
//
// compute: the compute stream's busy share of the step (StepResult's
// compute_fraction, mean over ranks): dense kernels run the chip at its power
// limit. Exposed communication (the slowest rank's exposed TP, PP and DP
// waits, as a share of the step): NCCL kernels keep a few SMs and HBM busy,
// counted at 0.4 of the dynamic range (an estimate). Pipeline bubble and idle
// time draw idle power. Outside steps (checkpoint stalls, restarts, waiting)
// the accelerator draws idle power. A measured all-in average
// (cost.average_power_w_per_gpu) replaces the whole model.
#include "hardware/specs.hpp"
#include "sim/step/step_result.hpp"

namespace orrery {

inline constexpr double kCommunicationActivity = 0.4;

double accelerator_power_w(const AcceleratorSpec& acc, double compute_fraction, double communication_fraction);
// The power of one GPU while stepping, from the step's breakdown.
double step_power_w(const AcceleratorSpec& acc, const StepResult& step);

}  // namespace orrery
