#include "sim/run/stragglers.hpp"

#include <algorithm>
#include <cmath>

namespace orrery {

double harmonic_number(int n) {
  double h = 0;
  for (int i = n; i >= 1; --i) h += 1.0 / i;
  return h;
}

namespace {

// P(max > x) = 1 - (1 - q(x))^n, q(x) = P(X > x), computed without
// cancellation when q is tiny (many nodes, far tail).
double max_exceeds(double q, int n) { return q >= 1 ? 1.0 : -std::expm1(n * std::log1p(-q)); }

// Composite Simpson over [a, b] with `intervals` (even) pieces.
template <typename F>
double simpson(F f, double a, double b, int intervals) {
  const double h = (b - a) / intervals;
  double sum = f(a) + f(b);
  for (int i = 1; i < intervals; ++i) sum += (i % 2 == 1 ? 4 : 2) * f(a + i * h);
  return sum * h / 3;
}

}  // namespace

double expected_straggler_extra(const StragglerSpec& s, int nodes) {
  const double j = s.jitter_fraction, p = s.slow_step_probability, f = s.slow_step_extra_fraction;
  const bool jitter = j > 0, slow = p > 0 && f > 0;
  if (nodes < 1 || (!jitter && !slow)) return 0;
  if (!slow) return j * harmonic_number(nodes);
  if (!jitter) return f * max_exceeds(p, nodes);
  // P(X > x): not slow and J > x, or slow and J > x - f (certain below f).
  const auto tail = [&](double x) {
    return (1 - p) * std::exp(-x / j) + p * (x < f ? 1.0 : std::exp(-(x - f) / j));
  };
  const auto integrand = [&](double x) { return max_exceeds(tail(x), nodes); };
  // Smooth on each side of f. The jitter's part decays within
  // j (ln nodes + 40) of 0 and of f (past it, below e^-40), so the pieces are
  // cut there: each gets enough points whatever the ratio of j to f.
  const double decay = j * (std::log(static_cast<double>(nodes)) + 40);
  const double knee = std::min(f, decay);
  constexpr int kIntervals = 4000;
  return simpson(integrand, 0, knee, kIntervals) + simpson(integrand, knee, f, kIntervals) +
         simpson(integrand, f, f + decay, kIntervals);
}

}  // namespace orrery
