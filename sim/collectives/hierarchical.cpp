#include "sim/collectives/collective_plan.hpp"

#include <algorithm>

namespace orrery::collective_detail {

// Hierarchical all-reduce of S over m nodes with g members each:
//   1. reduce-scatter of S inside every node (m rings of g, concurrently)
//   2. all-reduce of the S/g shard across nodes (g rings of m: the k-th
//      member of every node, concurrently)
//   3. all-gather of S inside every node
// Phases are separated by a barrier over the whole group. Nodes are taken in
// order of first appearance in `gpus`, members of a node in the order given.
bool plan_hierarchical_all_reduce(std::span<const int> gpus, double bytes, const Topology& topology,
                                  PlanScratch& s, Plan& plan) {
  const int per_node = topology.gpus_per_node();
  if (per_node < 2) return false;
  const auto nodes = static_cast<std::size_t>(topology.gpus() / per_node);
  if (s.node_slot.size() < nodes) s.node_slot.resize(nodes, -1);  // invariant: all -1 between calls
  s.node_order.clear();
  s.node_count.clear();
  for (int gpu : gpus) {
    const auto node = static_cast<std::size_t>(gpu / per_node);
    if (s.node_slot[node] < 0) {
      s.node_slot[node] = static_cast<int>(s.node_order.size());
      s.node_order.push_back(static_cast<int>(node));
      s.node_count.push_back(0);
    }
    ++s.node_count[static_cast<std::size_t>(s.node_slot[node])];
  }
  const int m = static_cast<int>(s.node_order.size());
  const int g = s.node_count.front();
  const bool even = std::all_of(s.node_count.begin(), s.node_count.end(), [g](int c) { return c == g; });
  const bool applies = m >= 2 && g >= 2 && even;
  if (applies) {
    plan.members.resize(gpus.size());
    s.node_fill.assign(static_cast<std::size_t>(m), 0);
    for (int gpu : gpus) {
      const int slot = s.node_slot[static_cast<std::size_t>(gpu / per_node)];
      plan.members[static_cast<std::size_t>(slot * g + s.node_fill[static_cast<std::size_t>(slot)]++)] = gpu;
    }
  }
  for (int node : s.node_order) s.node_slot[static_cast<std::size_t>(node)] = -1;
  if (!applies) return false;

  plan.groups = m;
  plan.group_size = g;
  plan.phase_count = 3;
  const double intra = static_cast<double>(g - 1) / g * bytes;
  plan.phases[0] = Phase{RingLayout::within_groups, intra, g - 1};
  plan.phases[1] = Phase{RingLayout::across_groups, 2.0 * (m - 1) / m * (bytes / g), 2 * (m - 1)};
  plan.phases[2] = Phase{RingLayout::within_groups, intra, g - 1};
  return true;
}

}  // namespace orrery::collective_detail
