#include "sim/cost/estimate_run.hpp"

#include <algorithm>

namespace orrery {

double accelerator_power_w(const AcceleratorSpec& acc, double compute_fraction) {
  const double f = std::clamp(compute_fraction, 0.0, 1.0);
  return acc.idle_w + (acc.tdp_w - acc.idle_w) * f;
}

RunEstimate estimate_run(const Scenario& s, const StepResult& step) {
  RunEstimate r;
  if (step.time_s <= 0) return r;
  const double tokens_per_step = static_cast<double>(s.training.global_batch) * s.training.seq_len;
  const double gpus = s.cluster.gpus();
  r.steps = s.training.total_tokens / tokens_per_step;
  r.seconds = r.steps * step.time_s;
  r.days = r.seconds / 86400.0;
  r.gpu_hours = gpus * r.seconds / 3600.0;
  r.usd = r.gpu_hours * s.cost.price_usd_per_gpu_hour;
  r.avg_power_w_per_gpu = accelerator_power_w(s.cluster.accelerator, step.compute_fraction);
  const double it_power_w = gpus * r.avg_power_w_per_gpu + s.cluster.nodes * s.cluster.node.host_power_w;
  const double kwh = it_power_w * r.seconds / 3600.0 / 1000.0 * s.cost.pue;
  r.energy_mwh = kwh / 1000.0;
  r.energy_usd = kwh * s.cost.electricity_usd_per_kwh;
  r.tco2e = kwh * s.cost.grid_gco2_per_kwh / 1e6;
  r.usd_per_million_tokens = s.training.total_tokens > 0 ? r.usd / (s.training.total_tokens / 1e6) : 0;
  return r;
}

}  // namespace orrery
