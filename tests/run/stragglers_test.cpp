// Stragglers: the expected extra time of a synchronous step, against closed
// forms derived by hand.
#include <cmath>

#include <catch2/catch.hpp>

#include "sim/run/stragglers.hpp"

using namespace orrery;

namespace {

StragglerSpec spec(double jitter, double probability, double extra) {
  StragglerSpec s;
  s.jitter_fraction = jitter;
  s.slow_step_probability = probability;
  s.slow_step_extra_fraction = extra;
  return s;
}

}  // namespace

TEST_CASE("Stragglers: jitter alone gives jitter x H(nodes), slow steps alone extra x P(any node slow)") {
  CHECK(harmonic_number(1) == 1);
  CHECK(harmonic_number(4) == Approx(25.0 / 12));   // 1 + 1/2 + 1/3 + 1/4
  CHECK(expected_straggler_extra(spec(0, 0, 0), 64) == 0);
  CHECK(expected_straggler_extra(spec(0, 0.1, 0), 64) == 0);   // slow steps that add nothing
  CHECK(expected_straggler_extra(spec(0.012, 0, 0), 4) == Approx(0.025));   // 0.012 x 25/12
  // 100 nodes, each slow on 1% of steps by half a step: 0.5 x (1 - 0.99^100).
  CHECK(expected_straggler_extra(spec(0, 0.01, 0.5), 100) == Approx(0.5 * (1 - std::pow(0.99, 100))));
}

TEST_CASE("Stragglers: jitter and slow steps together, integrated numerically") {
  // One node: the mean, j + p f.
  CHECK(expected_straggler_extra(spec(0.02, 0.05, 0.5), 1) == Approx(0.045).epsilon(1e-9));
  // Each part alone through the integral: the closed forms again.
  CHECK(expected_straggler_extra(spec(0.01, 1e-13, 0.5), 1000) ==
        Approx(0.01 * harmonic_number(1000)).epsilon(1e-8));
  CHECK(expected_straggler_extra(spec(1e-12, 0.001, 2), 1000) ==
        Approx(2 * (1 - std::pow(0.999, 1000))).epsilon(1e-8));
  // Together: more than either part, less than their sum (the slowest node
  // is not always both the jitteriest and a slow one).
  for (int nodes : {2, 64, 16384}) {
    INFO(nodes);
    const double jitter = 0.01 * harmonic_number(nodes);
    const double slow = 0.3 * (1 - std::pow(1 - 0.002, nodes));
    const double both = expected_straggler_extra(spec(0.01, 0.002, 0.3), nodes);
    CHECK(both > std::max(jitter, slow));
    CHECK(both < jitter + slow);
  }
}
