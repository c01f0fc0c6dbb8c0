#pragma once
// parallelism.micro_batch "auto": the micro batch a practitioner would tune.
// Papers often leave it unstated (Megatron-LM SC'21: its authors tuned it per
// model, Fig. 16), and it trades GEMM efficiency (bigger is faster per
// sequence) against the pipeline bubble and activation memory (bigger means
// fewer microbatches and more memory). Each candidate of a small, fixed set is
// simulated in full; the fastest that fits in memory wins, the smaller on a tie.
#include <vector>

#include "sim/scenario/scenario.hpp"
#include "sim/step/simulate_step.hpp"
#include "sim/step/step_result.hpp"

namespace orrery {

// The candidates, smallest first.
inline constexpr int kMicroBatchCandidates[] = {1, 2, 4, 8};

// Candidates that make a valid plan: they divide the per-replica batch
// global_batch / dp, and an interleaved schedule also needs a whole multiple
// of pp microbatches.
std::vector<int> micro_batch_candidates(const Scenario& s);

// Simulates every candidate (s with that micro batch, auto off) and returns
// the fastest result that fits; StepResult::micro_batch names it. When none
// fits, the smallest candidate's (unfitting) result. Throws
// std::invalid_argument when no candidate makes a valid plan.
StepResult search_micro_batch(const Scenario& s, const StepOptions& options);

}  // namespace orrery
