#pragma once
// The terminal summary of `orrery run`.
#include <string>

#include "sim/cost/run_estimate.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/step/step_result.hpp"

namespace orrery {

std::string render_summary(const Scenario& scenario, const StepResult& step, const RunEstimate& run);

}  // namespace orrery
