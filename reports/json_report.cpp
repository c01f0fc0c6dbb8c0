#include "reports/json_report.hpp"

#include <algorithm>

#include "models/parameters.hpp"

#ifndef ORRERY_VERSION
#error "ORRERY_VERSION must be defined (reports/CMakeLists.txt sets it from the project version)"
#endif

namespace orrery {

namespace {

nlohmann::json stage_json(const StageMemory& m) {
  return {
      {"stage", m.stage},
      {"layers", m.layers},
      {"weights_gib", m.weights_gib},
      {"gradients_gib", m.gradients_gib},
      {"optimizer_gib", m.optimizer_gib},
      {"activations_gib", m.activations_gib},
      {"buffers_gib", m.buffers_gib},
      {"peak_gib", m.peak_gib},
      {"capacity_gib", m.capacity_gib},
      {"fits", m.fits()},
  };
}

nlohmann::json cause_json(const CostByCause& c) {
  return {
      {"productive", c.productive}, {"evaluation", c.evaluation}, {"rework", c.rework},
      {"restart", c.restart},       {"checkpoint", c.checkpoint}, {"idle", c.idle},
  };
}

}  // namespace

// Every key here is documented in docs/results-format.md; renaming one breaks
// the scripts that read these files, so add keys rather than change them.
// nlohmann::json objects are std::maps: keys come out sorted, so the same
// inputs always give the same bytes.
nlohmann::json results_json(const Scenario& scenario, const StepResult& step, const RunSimulation& run,
                            const RunCost& cost) {
  nlohmann::json j;

  j["orrery"] = {{"version", ORRERY_VERSION}};

  j["scenario"] = {
      {"name", scenario.name},
      {"description", scenario.description},
      {"seed", scenario.seed},
  };

  const ClusterSpec& cluster = scenario.cluster;
  j["cluster"] = {
      {"gpus", cluster.gpus()},
      {"nodes", cluster.nodes},
      {"gpus_per_node", cluster.node.gpus_per_node},
      {"node", cluster.node.name},
      {"accelerator", cluster.accelerator.name},
  };

  const ModelSpec& model = scenario.model;
  j["model"] = {
      {"name", model.name},
      {"params", count_parameters(model).total},
      {"layers", model.layers},
      {"hidden", model.hidden},
  };

  const TrainingSpec& training = scenario.training;
  j["training"] = {
      {"seq_len", training.seq_len},
      {"global_batch", training.global_batch},
      {"precision", to_string(training.precision)},
      {"optimizer", training.optimizer},
      {"total_tokens", training.total_tokens},
  };

  const ParallelismSpec& plan = scenario.parallelism;
  j["plan"] = {
      {"tp", plan.tp},
      {"pp", plan.pp},
      {"dp", plan.dp},
      {"cp", plan.cp},
      {"ep", plan.ep},
      {"micro_batch", plan.micro_batch},
      {"microbatches", plan.microbatches(training.global_batch)},
      {"recompute", plan.recompute},
      {"schedule", plan.schedule},
  };

  const StepBreakdown& b = step.breakdown;
  j["step"] = {
      {"time_s", step.time_s},
      {"tokens_per_s", step.tokens_per_s},
      {"tflops_per_gpu", step.tflops_per_gpu},
      {"mfu", step.mfu},
      {"hfu", step.hfu},
      {"compute_fraction", step.compute_fraction},
      {"model_flops", step.model_flops},
      {"hardware_flops", step.hardware_flops},
      {"events", step.events},
      {"breakdown",
       {
           {"compute_s", b.compute_s},
           {"exposed_tp_comm_s", b.exposed_tp_comm_s},
           {"exposed_pp_comm_s", b.exposed_pp_comm_s},
           {"exposed_dp_comm_s", b.exposed_dp_comm_s},
           {"exposed_ep_comm_s", b.exposed_ep_comm_s},
           {"exposed_cp_comm_s", b.exposed_cp_comm_s},
           {"bubble_s", b.bubble_s},
           {"idle_s", b.idle_s},
       }},
  };

  // memory.fits is false if the step says so or any stage is over capacity:
  // a plan that does not fit must never be reported as fitting.
  nlohmann::json stages = nlohmann::json::array();
  double peak_gib = 0;
  bool fits = step.fits;
  for (const StageMemory& m : step.memory) {
    stages.push_back(stage_json(m));
    peak_gib = std::max(peak_gib, m.peak_gib);
    fits = fits && m.fits();
  }
  j["memory"] = {
      {"per_stage", std::move(stages)},
      {"peak_gib", peak_gib},
      {"fits", fits},
  };

  nlohmann::json by_cause = nlohmann::json::object();
  for (const auto& [cause, count] : run.interruptions_by_cause) by_cause[cause] = count;
  const TimeByCause& t = run.time_mean;
  j["run"] = {
      {"steps", run.steps},
      {"seconds", run.days_mean * 86400},
      {"days", run.days_mean},
      {"days_mean", run.days_mean},
      {"days_p10", run.days_p10},
      {"days_p50", run.days_p50},
      {"days_p90", run.days_p90},
      {"days_per_trial", run.days_per_trial},
      {"failure_free_days", run.failure_free_days},
      {"gpu_hours", cost.gpu_hours},
      {"trials", run.trials},
      {"seed", run.seed},
      {"step_time_s", run.step_time_s},
      {"ramp_steps", run.ramp_steps},
      {"ramp_days", run.ramp_days},
      {"evaluations", run.evaluations},
      {"eval_s", run.eval_s},
      {"ettr", run.ettr},
      {"ettr_p10", run.ettr_p10},
      {"ettr_p50", run.ettr_p50},
      {"ettr_p90", run.ettr_p90},
      {"job_mtbf_s", run.job_mtbf_s},
      {"interruptions", run.interruptions},
      {"interruptions_p10", run.interruptions_p10},
      {"interruptions_p50", run.interruptions_p50},
      {"interruptions_p90", run.interruptions_p90},
      {"interruptions_by_cause", std::move(by_cause)},
      {"checkpoint_interval_s", run.checkpoint_interval_s},
      {"checkpoint_interval_rule", run.checkpoint_interval_rule},
      {"checkpoint_bytes", run.checkpoint_bytes},
      {"checkpoint_stall_s", run.checkpoint_write_s},
      {"checkpoint_load_s", run.checkpoint_load_s},
      {"time_by_cause",
       {
           {"productive_s", t.productive_s},
           {"evaluation_s", t.evaluation_s},
           {"rework_s", t.rework_s},
           {"restart_s", t.restart_s},
           {"checkpoint_s", t.checkpoint_s},
           {"repair_wait_s", t.repair_wait_s},
           {"maintenance_s", t.maintenance_s},
       }},
  };

  const CostSpec& in = scenario.cost;
  j["cost"] = {
      {"pricing", cost.pricing},
      {"usd", cost.usd},
      {"usd_per_million_tokens", cost.usd_per_million_tokens},
      {"usd_per_million_tokens_by_cause", cause_json(cost.usd_per_million_tokens_by_cause)},
      {"usd_per_gpu_hour", cost.usd_per_gpu_hour},
      {"allocated_gpus", cost.allocated_gpus},
      {"gpu_hours", cost.gpu_hours},
      {"gpu_hours_by_cause", cause_json(cost.gpu_hours_by_cause)},
      {"by_cause", cause_json(cost.usd_by_cause)},
      {"energy_mwh", cost.energy_mwh},
      {"accelerator_mwh", cost.accelerator_mwh},
      {"accelerator_tdp_mwh", cost.accelerator_tdp_mwh},
      {"energy_mwh_by_cause", cause_json(cost.mwh_by_cause)},
      {"energy_usd", cost.energy_usd},
      {"tco2e", cost.tco2e},
      {"tco2e_by_cause", cause_json(cost.tco2e_by_cause)},
      {"embodied_tco2e", cost.embodied_tco2e},
      {"avg_power_w_per_gpu", cost.avg_power_w_per_gpu},
      {"price_usd_per_gpu_hour", in.price_usd_per_gpu_hour},
      {"pue", in.pue},
      {"electricity_usd_per_kwh", in.electricity_usd_per_kwh},
      {"grid_region", in.grid_region},
      {"grid_gco2_per_kwh", cost.grid_gco2_per_kwh},
  };

  return j;
}

}  // namespace orrery
