#pragma once
// The terminal summary of `orrery run`.
#include <string>

#include "sim/run/run_result.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/step/step_result.hpp"

namespace orrery {

std::string render_summary(const Scenario& scenario, const StepResult& step, const RunSimulation& run,
                           const RunCost& cost);

}  // namespace orrery
