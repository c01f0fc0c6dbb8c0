#include "sim/step/micro_batch_search.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace orrery {

std::vector<int> micro_batch_candidates(const Scenario& s) {
  const auto& p = s.parallelism;
  std::vector<int> out;
  if (p.dp <= 0 || s.training.global_batch % p.dp != 0) return out;
  const int per_replica = s.training.global_batch / p.dp;
  for (int mb : kMicroBatchCandidates) {
    if (per_replica % mb != 0) continue;
    if (p.schedule == "interleaved" && (per_replica / mb) % p.pp != 0) continue;
    out.push_back(mb);
  }
  return out;
}

StepResult search_micro_batch(const Scenario& s, const StepOptions& options) {
  const std::vector<int> candidates = micro_batch_candidates(s);
  if (candidates.empty())
    throw std::invalid_argument(fmt::format(
        "parallelism.micro_batch \"auto\": none of 1, 2, 4, 8 divides global_batch / dp = {} / {}{}; give the "
        "micro batch as a number",
        s.training.global_batch, s.parallelism.dp,
        s.parallelism.schedule == "interleaved" ? " into a multiple of pp microbatches" : ""));
  Scenario trial = s;
  trial.parallelism.micro_batch_auto = false;
  StepResult best;
  bool have = false;
  for (int mb : candidates) {
    trial.parallelism.micro_batch = mb;
    StepResult r = simulate_step(trial);   // no trace: only the winner is traced, below
    const bool better = !have || (r.fits && (!best.fits || r.time_s < best.time_s));
    if (better) {
      best = std::move(r);
      have = true;
    }
  }
  if (!options.trace_ranks.empty() && best.fits) {
    trial.parallelism.micro_batch = best.micro_batch;
    best = simulate_step(trial, options);
  }
  return best;
}

}  // namespace orrery
