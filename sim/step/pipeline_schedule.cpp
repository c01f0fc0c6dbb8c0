#include "sim/step/pipeline_schedule.hpp"

#include <algorithm>
#include <stdexcept>

namespace orrery {

std::vector<int> chunk_sizes(int layers, int vpp, bool first_stage) {
  const int q = layers / vpp, r = layers % vpp;
  std::vector<int> out(static_cast<std::size_t>(vpp), q);
  // r chunks get one more: the last r on stage 0, the first r elsewhere.
  for (int c = 0; c < r; ++c) out[static_cast<std::size_t>(first_stage ? vpp - 1 - c : c)] += 1;
  return out;
}

std::vector<PipelinePass> pipeline_order(const std::string& schedule, int pp, int vpp, int m, int stage) {
  std::vector<PipelinePass> out;
  const auto mbs = static_cast<std::uint32_t>(m);
  if (schedule == "gpipe") {
    for (std::uint32_t k = 0; k < mbs; ++k) out.push_back({true, k, 0});
    for (std::uint32_t k = 0; k < mbs; ++k) out.push_back({false, k, 0});
    return out;
  }
  if (schedule == "1f1b") {
    const int warmup = std::min(pp - stage - 1, m);
    std::uint32_t f = 0, b = 0;
    for (int i = 0; i < warmup; ++i) out.push_back({true, f++, 0});
    while (f < mbs) {
      out.push_back({true, f++, 0});
      out.push_back({false, b++, 0});
    }
    while (b < mbs) out.push_back({false, b++, 0});
    return out;
  }
  if (schedule != "interleaved") throw std::invalid_argument("pipeline_order: unknown schedule " + schedule);
  if (m % pp != 0) throw std::invalid_argument("pipeline_order: interleaved needs microbatches % pp == 0");
  // Megatron-LM's forward_backward_pipelining_with_interleaving: the k-th
  // forward (backward) of a rank is microbatch (k / (p v)) p + k % p of chunk
  // (k / p) % v (backward: v - 1 - that).
  const int total = m * vpp;
  const int group = pp * vpp;
  auto pass = [&](bool fwd, int k) {
    const int in_group = k % group;
    const int chunk = fwd ? in_group / pp : vpp - 1 - in_group / pp;
    return PipelinePass{fwd, static_cast<std::uint32_t>(k / group * pp + k % pp), chunk};
  };
  const int warmup = std::min((pp - stage - 1) * 2 + (vpp - 1) * pp, total);
  int f = 0, b = 0;
  for (; f < warmup; ++f) out.push_back(pass(true, f));
  while (f < total) {
    out.push_back(pass(true, f++));
    out.push_back(pass(false, b++));
  }
  while (b < total) out.push_back(pass(false, b++));
  return out;
}

int peak_chunks_in_flight(const std::vector<PipelinePass>& order) {
  int now = 0, peak = 0;
  for (const PipelinePass& p : order) {
    now += p.forward ? 1 : -1;
    peak = std::max(peak, now);
  }
  return peak;
}

}  // namespace orrery
