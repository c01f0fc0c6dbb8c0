#pragma once
// Everything the cost report (HTML, Markdown) shows, in one bundle: the
// scenario as given, one simulated step, the whole-run simulation and its cost.
// Plain data, filled by the caller (`orrery report`, or a test by hand).
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

}  // namespace orrery
