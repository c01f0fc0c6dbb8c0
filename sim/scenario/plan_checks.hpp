#pragma once
// Plan consistency: the checks that need the resolved model and cluster
// together (tp x cp x pp x dp = GPUs, tp divides the heads, ep divides dp
// and the experts, seq_len divides by 2 cp, ...), with the
// numbers in the message. Memory fit is checked later, by sim/step.
#include "sim/scenario/scenario.hpp"

namespace orrery {

// Throws InputError on an inconsistent plan; derives parallelism.dp when
// `dp_given` is false.
void check_plan(Scenario& scenario, bool dp_given);

}  // namespace orrery
