#include "sim/collectives/collective_plan.hpp"

#include <algorithm>

namespace orrery::collective_detail {

// Nodes are taken in order of first appearance in `gpus`, members of a node
// in the order given.
NodeShape node_shape(std::span<const int> gpus, const Topology& topology, PlanScratch& s, Plan* arrange) {
  const int per_node = topology.gpus_per_node();
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
  NodeShape shape;
  shape.nodes = static_cast<int>(s.node_order.size());
  shape.per_node = s.node_count.front();
  shape.even = std::all_of(s.node_count.begin(), s.node_count.end(), [&](int c) { return c == shape.per_node; });
  if (arrange != nullptr && shape.even) {
    const int g = shape.per_node;
    arrange->members.resize(gpus.size());
    s.node_fill.assign(static_cast<std::size_t>(shape.nodes), 0);
    for (int gpu : gpus) {
      const int slot = s.node_slot[static_cast<std::size_t>(gpu / per_node)];
      arrange->members[static_cast<std::size_t>(slot * g + s.node_fill[static_cast<std::size_t>(slot)]++)] = gpu;
    }
  }
  for (int node : s.node_order) s.node_slot[static_cast<std::size_t>(node)] = -1;
  return shape;
}

// Over m nodes with g members each (intra: rings of g inside every node,
// concurrently; inter: g rings of m, the k-th member of every node):
//   all-reduce:     RS(S) intra -> AR(S/g) inter -> AG(S) intra
//   reduce-scatter: RS(S) intra -> RS(S/g) inter
//   all-gather:     AG(S/g) inter -> AG(S) intra
// Phases are separated by a barrier over the whole group.
bool plan_hierarchical(CollectiveOp op, std::span<const int> gpus, double bytes, const Topology& topology,
                       PlanScratch& s, Plan& plan) {
  if (topology.gpus_per_node() < 2) return false;
  const NodeShape shape = node_shape(gpus, topology, s, &plan);
  const int m = shape.nodes, g = shape.per_node;
  if (!(m >= 2 && g >= 2 && shape.even)) return false;

  plan.algorithm = CollectiveAlgorithm::hierarchical;
  plan.groups = m;
  plan.group_size = g;
  const Phase intra{FlowLayout::within_groups, static_cast<double>(g - 1) / g * bytes, g - 1};
  const double shard = bytes / g, across = static_cast<double>(m - 1) / m;
  plan.phases.clear();
  switch (op) {
    case CollectiveOp::all_reduce:
      plan.phases = {intra, Phase{FlowLayout::across_groups, 2 * across * shard, 2 * (m - 1)}, intra};
      break;
    case CollectiveOp::reduce_scatter:
      plan.phases = {intra, Phase{FlowLayout::across_groups, across * shard, m - 1}};
      break;
    case CollectiveOp::all_gather:
      plan.phases = {Phase{FlowLayout::across_groups, across * shard, m - 1}, intra};
      break;
    default:
      return false;  // callers pass the three ops above only
  }
  return true;
}

}  // namespace orrery::collective_detail
