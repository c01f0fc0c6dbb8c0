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

}  // namespace

// Every key here is documented in docs/results-format.md; renaming one breaks
// the scripts that read these files, so add keys rather than change them.
// nlohmann::json objects are std::maps: keys come out sorted, so the same
// inputs always give the same bytes.
nlohmann::json results_json(const Scenario& scenario, const StepResult& step, const RunEstimate& run) {
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

  j["run"] = {
      {"steps", run.steps},
      {"seconds", run.seconds},
      {"days", run.days},
      {"gpu_hours", run.gpu_hours},
  };

  const CostSpec& cost = scenario.cost;
  j["cost"] = {
      {"usd", run.usd},
      {"usd_per_million_tokens", run.usd_per_million_tokens},
      {"energy_mwh", run.energy_mwh},
      {"energy_usd", run.energy_usd},
      {"tco2e", run.tco2e},
      {"avg_power_w_per_gpu", run.avg_power_w_per_gpu},
      {"price_usd_per_gpu_hour", cost.price_usd_per_gpu_hour},
      {"pue", cost.pue},
      {"electricity_usd_per_kwh", cost.electricity_usd_per_kwh},
      {"grid_gco2_per_kwh", cost.grid_gco2_per_kwh},
  };

  return j;
}

}  // namespace orrery
