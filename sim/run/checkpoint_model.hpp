#pragma once
// Checkpoint size and the optimum interval.
//
// Size: the weights and the optimizer state, as sim/step/memory_estimate
// counts them: 16-bit training keeps 2-byte weights plus fp32 master weights
// and the optimizer's moments (Adam: 2 + 4 + 4 + 4 = 14 bytes per parameter;
// SGD with momentum: 2 + 4 + 4 = 10); fp32 training keeps 4-byte weights and
// the moments (Adam 12, SGD 8). Gradients and activations are not saved.
//
// Optimum interval tau (compute time between checkpoints) for a checkpoint
// stall delta and a job MTBF M:
//   Young 1974:  tau = sqrt(2 delta M)
//   Daly 2006:   tau = sqrt(2 delta M) (1 + sqrt(delta / 2M) / 3 + (delta / 2M) / 9) - delta   (delta < 2M)
//                tau = M                                                                       (delta >= 2M)
// Daly's expected wall time of work cut into segments L_i (compute plus the
// checkpoint that ends it), restart R, exponential failures at any time
// (during restarts too) with mean M:
//   E[T] = M e^(R/M) sum_i (e^(L_i/M) - 1)
// and the expected number of failures is E[T] / M.
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace orrery {

double checkpoint_bytes_per_parameter(const TrainingSpec& training);
double checkpoint_bytes(const Scenario& s);

double young_interval_s(double stall_s, double mtbf_s);
double daly_interval_s(double stall_s, double mtbf_s);
double daly_expected_wall_s(const std::vector<double>& segments_s, double restart_s, double mtbf_s);

}  // namespace orrery
