#include "sim/cost/run_cost.hpp"

#include "sim/cost/grid_intensity.hpp"
#include "sim/cost/power_model.hpp"
#include "sim/run/cluster_shape.hpp"

namespace orrery {

namespace {

constexpr double kHoursPerYear = 8760;

// Applies f to each cause's slot of a CostByCause, with the job's seconds in it.
template <typename F>
CostByCause by_cause(const TimeByCause& t, F f) {
  CostByCause c;
  c.productive = f(t.productive_s, true);
  c.evaluation = f(t.evaluation_s, true);
  c.rework = f(t.rework_s, true);
  c.restart = f(t.restart_s, false);
  c.checkpoint = f(t.checkpoint_s, false);
  c.idle = f(t.repair_wait_s + t.maintenance_s, false);
  return c;
}

CostByCause scaled(const CostByCause& c, double k) {
  return {c.productive * k, c.evaluation * k, c.rework * k, c.restart * k, c.checkpoint * k, c.idle * k};
}

CostByCause sum(const CostByCause& a, const CostByCause& b) {
  return {a.productive + b.productive, a.evaluation + b.evaluation, a.rework + b.rework,
          a.restart + b.restart,       a.checkpoint + b.checkpoint, a.idle + b.idle};
}

double hourly_price_per_gpu(const CostSpec& c, int gpus_per_node) {
  if (c.pricing == "owned")
    return c.capex_usd_per_gpu / (c.lifetime_years * kHoursPerYear) +
           c.capex_usd_per_gpu * c.operations_fraction_per_year / kHoursPerYear;
  if (c.price_usd_per_node_hour > 0) return c.price_usd_per_node_hour / gpus_per_node;
  return c.price_usd_per_gpu_hour;
}

}  // namespace

RunCost estimate_cost(const Scenario& s, const StepResult& step, const RunSimulation& run) {
  const CostSpec& cost = s.cost;
  const ClusterSpec& cluster = s.cluster;
  const int per_node = cluster.node.gpus_per_node;
  const int job_nodes = cluster.nodes, spare_nodes = s.recovery.spare_nodes;
  const double job_gpus = static_cast<double>(job_nodes) * per_node;
  const double spare_gpus = static_cast<double>(spare_nodes) * per_node;

  RunCost r;
  r.pricing = cost.pricing;
  r.allocated_gpus = (job_nodes + spare_nodes) * per_node;
  r.usd_per_gpu_hour = hourly_price_per_gpu(cost, per_node);
  r.grid_gco2_per_kwh = grid_gco2_per_kwh(cost);
  const bool measured = cost.average_power_w_per_gpu > 0;
  r.avg_power_w_per_gpu = measured ? cost.average_power_w_per_gpu : step_power_w(cluster.accelerator, step);

  const TimeByCause& t = run.time_mean;
  const double wall_s = t.total_s();
  // GPU-hours and hardware dollars: the job's GPUs by cause, the spares' as idle.
  r.gpu_hours_by_cause = by_cause(t, [&](double seconds, bool) { return job_gpus * seconds / 3600; });
  r.gpu_hours_by_cause.idle += spare_gpus * wall_s / 3600;
  r.gpu_hours = r.gpu_hours_by_cause.total();
  r.usd_by_cause = scaled(r.gpu_hours_by_cause, r.usd_per_gpu_hour);

  // Facility energy in kWh: power (W) x seconds / 3.6e6 x PUE.
  const double kwh_per_ws = cost.pue / 3.6e6;
  CostByCause kwh;
  if (measured) {
    kwh = by_cause(t, [&](double seconds, bool) { return job_gpus * r.avg_power_w_per_gpu * seconds * kwh_per_ws; });
    kwh.idle += spare_gpus * r.avg_power_w_per_gpu * wall_s * kwh_per_ws;
  } else {
    const double idle_w = cluster.accelerator.idle_w, host_w = cluster.node.host_power_w;
    const double fabric_w = cluster_shape(cluster, job_nodes + spare_nodes).switches * cost.switch_power_w;
    kwh = by_cause(t, [&](double seconds, bool computing) {
      const double gpu_w = computing ? r.avg_power_w_per_gpu : idle_w;
      return (job_gpus * gpu_w + job_nodes * host_w + fabric_w) * seconds * kwh_per_ws;
    });
    kwh.idle += (spare_gpus * idle_w + spare_nodes * host_w) * wall_s * kwh_per_ws;
  }
  // The accelerators alone, without PUE (what GPU energy figures report).
  const double gpu_idle_w = measured ? r.avg_power_w_per_gpu : cluster.accelerator.idle_w;
  const double computing_s = t.productive_s + t.evaluation_s + t.rework_s;
  r.accelerator_mwh = (job_gpus * (r.avg_power_w_per_gpu * computing_s + gpu_idle_w * (wall_s - computing_s)) +
                       spare_gpus * gpu_idle_w * wall_s) / 3.6e9;
  r.accelerator_tdp_mwh = r.allocated_gpus * cluster.accelerator.tdp_w * wall_s / 3.6e9;
  r.mwh_by_cause = scaled(kwh, 1e-3);
  r.energy_mwh = r.mwh_by_cause.total();
  r.energy_usd = kwh.total() * cost.electricity_usd_per_kwh;
  // A rental price includes the electricity; an owner pays it on top.
  if (cost.pricing == "owned") r.usd_by_cause = sum(r.usd_by_cause, scaled(kwh, cost.electricity_usd_per_kwh));
  r.usd = r.usd_by_cause.total();
  const double per_million_tokens = s.training.total_tokens > 0 ? 1e6 / s.training.total_tokens : 0;
  r.usd_per_million_tokens = r.usd * per_million_tokens;
  r.usd_per_million_tokens_by_cause = scaled(r.usd_by_cause, per_million_tokens);

  r.tco2e_by_cause = scaled(kwh, r.grid_gco2_per_kwh / 1e6);   // g/kWh x kWh = g; 1e6 g per tonne
  r.tco2e = r.tco2e_by_cause.total();
  r.embodied_tco2e =
      r.allocated_gpus * cost.embodied_kgco2e_per_gpu * wall_s / 3600 / (cost.lifetime_years * kHoursPerYear) / 1000;
  return r;
}

}  // namespace orrery
