#include "sim/cost/power_model.hpp"

#include <algorithm>

namespace orrery {

double accelerator_power_w(const AcceleratorSpec& acc, double compute_fraction, double communication_fraction) {
  const double activity = std::clamp(std::max(0.0, compute_fraction) + kCommunicationActivity *
                                         std::max(0.0, communication_fraction), 0.0, 1.0);
  return acc.idle_w + (acc.tdp_w - acc.idle_w) * activity;
}

double step_power_w(const AcceleratorSpec& acc, const StepResult& step) {
  const StepBreakdown& b = step.breakdown;
  const double comm = b.exposed_tp_comm_s + b.exposed_pp_comm_s + b.exposed_dp_comm_s;
  return accelerator_power_w(acc, step.compute_fraction, step.time_s > 0 ? comm / step.time_s : 0.0);
}

}  // namespace orrery
