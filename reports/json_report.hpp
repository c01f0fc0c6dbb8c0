#pragma once
// Results as JSON with stable keys (documented in docs/results-format.md):
// scenario.name, cluster.gpus, model.params, step.time_s, step.tokens_per_s,
// step.tflops_per_gpu, step.mfu, step.hfu, step.breakdown.*,
// memory.per_stage[].peak_gib, memory.fits, run.gpu_hours, run.days (mean
// over the trials), run.days_p50, run.days_p90, run.ettr, run.interruptions,
// run.interruptions_by_cause.*, run.checkpoint_interval_s, cost.usd,
// cost.usd_per_million_tokens, cost.by_cause.*, cost.energy_mwh, cost.tco2e, ...
#include <nlohmann/json.hpp>

#include "sim/run/run_result.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/step/step_result.hpp"

namespace orrery {

nlohmann::json results_json(const Scenario& scenario, const StepResult& step, const RunSimulation& run,
                            const RunCost& cost);

}  // namespace orrery
