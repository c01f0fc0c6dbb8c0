#include "sim/run/checkpoint_model.hpp"

#include <cmath>
#include <limits>

#include "models/parameters.hpp"

namespace orrery {

double checkpoint_bytes_per_parameter(const TrainingSpec& training) {
  const bool wide = training_bytes(training.precision) == 4;
  const bool adam = training.optimizer == "adam";
  const double weights = wide ? 4 : 2;
  // Same state as memory_estimate's optimizer_bytes: fp32 master (16-bit
  // training only) plus one (SGD) or two (Adam) fp32 moments.
  const double optimizer = wide ? (adam ? 8 : 4) : (adam ? 12 : 8);
  return weights + optimizer;
}

double checkpoint_bytes(const Scenario& s) {
  return count_parameters(s.model).total * checkpoint_bytes_per_parameter(s.training);
}

double young_interval_s(double stall_s, double mtbf_s) {
  if (!std::isfinite(mtbf_s)) return std::numeric_limits<double>::infinity();
  return std::sqrt(2 * stall_s * mtbf_s);
}

double daly_interval_s(double stall_s, double mtbf_s) {
  if (!std::isfinite(mtbf_s)) return std::numeric_limits<double>::infinity();
  if (stall_s >= 2 * mtbf_s) return mtbf_s;
  const double x = stall_s / (2 * mtbf_s);
  return std::sqrt(2 * stall_s * mtbf_s) * (1 + std::sqrt(x) / 3 + x / 9) - stall_s;
}

double daly_expected_wall_s(const std::vector<double>& segments_s, double restart_s, double mtbf_s) {
  double sum = 0;
  for (double l : segments_s) sum += std::expm1(l / mtbf_s);
  return mtbf_s * std::exp(restart_s / mtbf_s) * sum;
}

}  // namespace orrery
