#include "sim/collectives/collective_plan.hpp"

#include <algorithm>

namespace orrery::collective_detail {

// Double binary tree all-reduce (NCCL's): two binary trees over the members,
// each reducing half of the buffer up to its root and broadcasting it back
// down, chunk by chunk, the reduction and the broadcast pipelined together.
// As long-lived flows: for every tree edge, one flow up (child -> parent) and
// one down, each of S/2; all 4(n-1) flows in one phase with 2 x depth steps
// (depth: the tree's height, ceil(log2 n) at most). A member inside one tree
// (2 children, 1 parent) and a leaf of the other sends 4 flows of S/2 and
// receives 4, so uncontended with per-direction bandwidth B the phase lasts
//   (S/2) / (B/4) = 2S/B + 2 x depth x alpha
// (n = 2: S/B + 2 alpha, a ring's time). The bandwidth term is a ring's
// 2(n-1)/n x S/B at large n; the latency is logarithmic instead of linear.
void plan_double_tree(std::span<const int> gpus, double bytes, Plan& plan) {
  const int n = static_cast<int>(gpus.size());
  plan.algorithm = CollectiveAlgorithm::tree;
  plan.members.assign(gpus.begin(), gpus.end());
  plan.groups = 1;
  plan.group_size = n;
  plan.phases.clear();
  if (n == 1) return;
  int depth = 0;
  for (int p = 1; p < n; ++p) {
    int d = 0;
    for (int q = p; q != 0; q = btree_parent(q, n)) ++d;
    depth = std::max(depth, d);
  }
  plan.phases.push_back(Phase{FlowLayout::double_tree, bytes / 2, 2 * depth});
}

// NVLS (NVLink SHARP): the NVSwitch reduces and multicasts. NCCL runs it as a
// reduce-scatter of multimem loads then an all-gather of multimem stores.
// Per GPU of g, per direction: the loads read the GPU's slice of every
// shard, S up, and return its own reduced shard, S/g down; the stores send
// that shard, S/g up, and deliver every shard, S down. So each port carries
// S (g + 1)/g each way. As flows: a ring of g flows of S (g + 1)/g, 2 steps:
// S (g + 1)/(g B) + 2 alpha uncontended (busbw 2(g-1)/(g+1) x B: 700 GB/s
// on an H100's 450 GB/s), against a ring's 2(g-1)/g x S/B + 2(g-1) alpha.
bool plan_nvls(std::span<const int> gpus, double bytes, const Topology& topology, Plan& plan) {
  if (!topology.in_switch_reduction() || gpus.size() < 2) return false;
  const int per_node = topology.gpus_per_node();
  const int node = gpus.front() / per_node;
  if (!std::all_of(gpus.begin(), gpus.end(), [&](int g) { return g / per_node == node; })) return false;
  const int n = static_cast<int>(gpus.size());
  plan.algorithm = CollectiveAlgorithm::nvls;
  plan.members.assign(gpus.begin(), gpus.end());
  plan.groups = 1;
  plan.group_size = n;
  plan.phases.assign(1, Phase{FlowLayout::within_groups, bytes * (n + 1) / n, 2});
  return true;
}

}  // namespace orrery::collective_detail
