#pragma once
// One training step, end to end: memory check, device model, step program,
// cluster topology, and the event-driven execution of every rank.
#include <vector>

#include "sim/scenario/scenario.hpp"
#include "sim/step/step_result.hpp"

namespace orrery {

struct StepOptions {
  std::vector<int> trace_ranks;   // ranks whose timeline is recorded
  bool forward_only = false;      // an evaluation batch (step_program.hpp): no backward, no optimizer
};

// A plan that does not fit in memory is not simulated: the result then has
// fits == false, the per-stage memory, and no timing.
StepResult simulate_step(const Scenario& s, const StepOptions& options = {});

}  // namespace orrery
