#pragma once
// Everything the cost report (HTML, Markdown) shows, in one bundle: the
// scenario as given, one simulated step, the whole-run simulation and its cost.
// Plain data, filled by the caller (`orrery report`, or a test by hand).
#include <string_view>

#include "sim/run/run_result.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/step/step_result.hpp"

namespace orrery {

struct RunReport {
  Scenario scenario;
  StepResult step;      // its timeline is not used (and may be empty)
  RunSimulation run;
  RunCost cost;
};

// The step-breakdown parts shown only where a plan has them (a dense model
// without context parallelism has no expert or context communication).
inline bool expert_or_context_part(std::string_view label) {
  return label == "exposed EP comm" || label == "exposed CP comm";
}

}  // namespace orrery
