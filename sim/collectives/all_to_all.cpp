#include "sim/collectives/collective_plan.hpp"

namespace orrery::collective_detail {

// All-to-all of S (each rank's full buffer; it sends S/n to every other rank
// and keeps S/n):
//   direct:   one phase, n(n-1) flows of S/n, 1 step. Each rank's n-1 flows
//             share its links: (n-1)/n x S/B + alpha uncontended.
//   pairwise: n-1 rounds; round k (1..n-1) is n flows i -> i+k of S/n, 1 step
//             each, with a barrier between rounds: (n-1) x (S/n / B + alpha).
// Same bandwidth term; pairwise pays n-1 alphas but keeps one flow per rank
// in flight (what NCCL-less MPI implementations do to spare the fabric).
void plan_all_to_all(std::span<const int> gpus, double bytes, bool pairwise, Plan& plan) {
  const int n = static_cast<int>(gpus.size());
  plan.algorithm = pairwise ? CollectiveAlgorithm::pairwise : CollectiveAlgorithm::direct;
  plan.members.assign(gpus.begin(), gpus.end());
  plan.groups = 1;
  plan.group_size = n;
  plan.phases.clear();
  if (n == 1) return;
  const double share = bytes / n;
  if (!pairwise) {
    plan.phases.push_back(Phase{FlowLayout::all_pairs, share, 1});
    return;
  }
  for (int k = 1; k < n; ++k) plan.phases.push_back(Phase{FlowLayout::shift, share, 1, k});
}

}  // namespace orrery::collective_detail
