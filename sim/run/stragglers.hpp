#pragma once
// Stragglers: a synchronous step ends when its slowest node does. Each node's
// step takes an extra time X = J + f B, independently per node and step:
// J exponential with mean `jitter_fraction` (noise), B a Bernoulli of
// probability `slow_step_probability` that adds `slow_step_extra_fraction`
// (a hiccup: a GC pause, a throttled GPU, a slow disk read), both fractions of
// the step. The run uses the expected step, 1 + E[max of N such X], since over
// 10^5 steps the per-step noise averages out (docs/run-model.md).
#include "sim/scenario/scenario.hpp"

namespace orrery {

// E[max over `nodes` nodes of X], as a fraction of the step. Closed forms
// where one part is absent: jitter x H(nodes); extra x (1 - (1 - p)^nodes).
// Both: the integral of P(max > x) = 1 - F(x)^nodes over x, numerically.
double expected_straggler_extra(const StragglerSpec& s, int nodes);

// 1 + 1/2 + ... + 1/n: the expected maximum of n unit-mean exponentials.
double harmonic_number(int n);

}  // namespace orrery
