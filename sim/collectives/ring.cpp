#include "sim/collectives/collective_plan.hpp"

namespace orrery::collective_detail {

// Ring algorithms as long-lived flows: one flow per ring edge carrying every
// step's bytes, plus one alpha per step (added by the runner).
//   all-reduce:     n flows i -> i+1 of 2(n-1)/n x S, 2(n-1) steps
//   reduce-scatter: n flows of (n-1)/n x S, n-1 steps (all-gather alike)
//   send_recv:      one flow of S, 1 step
void plan_ring(CollectiveOp op, std::span<const int> gpus, double bytes, Plan& plan) {
  const int n = static_cast<int>(gpus.size());
  plan.algorithm = CollectiveAlgorithm::ring;
  plan.members.assign(gpus.begin(), gpus.end());
  plan.groups = 1;
  plan.group_size = n;
  plan.phases.clear();
  if (n == 1) return;
  const double fraction = static_cast<double>(n - 1) / n;
  switch (op) {
    case CollectiveOp::all_reduce:
      plan.phases.push_back(Phase{FlowLayout::within_groups, 2 * fraction * bytes, 2 * (n - 1)});
      break;
    case CollectiveOp::reduce_scatter:
    case CollectiveOp::all_gather:
      plan.phases.push_back(Phase{FlowLayout::within_groups, fraction * bytes, n - 1});
      break;
    case CollectiveOp::send_recv:
      plan.phases.push_back(Phase{FlowLayout::one_way, bytes, 1});
      break;
    case CollectiveOp::all_to_all:  // planned by plan_all_to_all; a ring is no way to run it
      plan_all_to_all(gpus, bytes, false, plan);
      break;
  }
}

}  // namespace orrery::collective_detail
