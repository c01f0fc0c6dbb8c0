#pragma once
// Internal to orrery_collectives: a collective expanded into phases of flows.
// The runner (collective.cpp) and the closed form (uncontended_seconds) walk
// the same plan, so the two cannot drift apart.
#include <cstdint>
#include <span>
#include <vector>

#include "sim/collectives/collective.hpp"
#include "sim/network/topology.hpp"

namespace orrery::collective_detail {

// Which flows a phase runs over plan.members, seen as m groups of g
// (group r = members[r * g .. r * g + g - 1]; for hierarchical, a group is a node).
enum class FlowLayout : std::uint8_t {
  within_groups,  // m rings of g: member i -> i + 1 inside each group
  across_groups,  // g rings of m: the k-th member of group r -> the k-th of group r + 1
  one_way,        // send_recv: members[0] -> members[1] only
  all_pairs,      // all-to-all direct: every member to every other, n(n - 1) flows
  shift,          // all-to-all pairwise round: member i -> member (i + shift) mod n
  double_tree,    // both binary trees, every edge up and down: 4(n - 1) flows
};

struct Phase {
  FlowLayout layout = FlowLayout::within_groups;
  double flow_bytes = 0;  // carried by every flow of the phase
  int steps = 0;          // algorithm steps, each costing one alpha
  int shift = 0;          // FlowLayout::shift only
};

struct Plan {
  CollectiveAlgorithm algorithm = CollectiveAlgorithm::ring;  // what runs (never automatic)
  std::vector<int> members;  // arranged group by group
  int groups = 1;            // m
  int group_size = 0;        // g
  std::vector<Phase> phases;  // empty: a group of one, done at once
};

// How a group sits on the nodes (hierarchical and the automatic choice).
struct NodeShape {
  int nodes = 0;         // distinct nodes, m
  int per_node = 0;      // members on the first node
  bool even = false;     // every node holds per_node members
};

// Scratch for validation and node grouping, reused between collectives.
struct PlanScratch {
  std::vector<std::uint8_t> seen;  // per GPU
  std::vector<int> node_slot;      // per node: its group, -1 when not in the collective
  std::vector<int> node_order, node_count, node_fill;
};

// Validates the group (throws std::invalid_argument on bad input) and fills
// `plan` for `algorithm`, which must not be automatic.
void plan_collective(CollectiveOp op, std::span<const int> gpus, double bytes, CollectiveAlgorithm algorithm,
                     const Topology& topology, PlanScratch& scratch, Plan& plan);
void validate_group(CollectiveOp op, std::span<const int> gpus, double bytes, CollectiveAlgorithm algorithm,
                    const Topology& topology, PlanScratch& scratch);

// ring.cpp: one ring over the members in the order given (or send_recv).
void plan_ring(CollectiveOp op, std::span<const int> gpus, double bytes, Plan& plan);
// hierarchical.cpp: the group's node shape; fills plan.members node by node
// when `arrange` and the shape is even.
NodeShape node_shape(std::span<const int> gpus, const Topology& topology, PlanScratch& scratch, Plan* arrange);
// false (plan untouched) unless the group spans >= 2 nodes with the same
// number (>= 2) of members on each. op: all_reduce, reduce_scatter or all_gather.
bool plan_hierarchical(CollectiveOp op, std::span<const int> gpus, double bytes, const Topology& topology,
                       PlanScratch& scratch, Plan& plan);
// tree.cpp: NCCL's double binary tree all-reduce over the members in order.
void plan_double_tree(std::span<const int> gpus, double bytes, Plan& plan);
// tree.cpp: in-switch (NVLS) all-reduce; false unless the node type has it,
// the group has >= 2 members and they all sit on one node.
bool plan_nvls(std::span<const int> gpus, double bytes, const Topology& topology, Plan& plan);
// all_to_all.cpp: direct (one phase) or pairwise (n - 1 rounds).
void plan_all_to_all(std::span<const int> gpus, double bytes, bool pairwise, Plan& plan);

// The parent of position p (>= 1) in NCCL's binary tree over n positions
// (in-order numbering, root 0 with one child): clear p's lowest set bit and
// set the next one up, or only clear it when that leaves the range.
inline int btree_parent(int p, int n) {
  const int bit = p & -p;
  const int up = (p ^ bit) | (bit << 1);
  return up < n ? up : (p ^ bit);
}
// Member index at position p of tree t (0 or 1): tree 1 is tree 0 shifted by
// one (n even) or mirrored (n odd), so no member is inside both trees (n even).
inline int tree_member(int t, int p, int n) {
  if (t == 0) return p;
  return n % 2 == 0 ? (p + 1) % n : n - 1 - p;
}

// Calls f(src_gpu, dst_gpu, flow_index) for every flow of `phase`, flow
// indices 0, 1, ... in a fixed order.
template <class F>
void for_each_flow(const Plan& plan, const Phase& phase, F&& f) {
  const int m = plan.groups, g = plan.group_size;
  const int n = static_cast<int>(plan.members.size());
  const auto at = [&](int i) { return plan.members[static_cast<std::size_t>(i)]; };
  std::uint32_t index = 0;
  switch (phase.layout) {
    case FlowLayout::one_way:
      f(at(0), at(1), index);
      break;
    case FlowLayout::within_groups:
      for (int r = 0; r < m; ++r)
        for (int i = 0; i < g; ++i) f(at(r * g + i), at(r * g + (i + 1) % g), index++);
      break;
    case FlowLayout::across_groups:
      for (int k = 0; k < g; ++k)
        for (int r = 0; r < m; ++r) f(at(r * g + k), at(((r + 1) % m) * g + k), index++);
      break;
    case FlowLayout::all_pairs:
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
          if (i != j) f(at(i), at(j), index++);
      break;
    case FlowLayout::shift:
      for (int i = 0; i < n; ++i) f(at(i), at((i + phase.shift) % n), index++);
      break;
    case FlowLayout::double_tree:
      for (int t = 0; t < 2; ++t)
        for (int p = 1; p < n; ++p) {
          const int child = at(tree_member(t, p, n)), parent = at(tree_member(t, btree_parent(p, n), n));
          f(child, parent, index++);  // reduce, up
          f(parent, child, index++);  // broadcast, down
        }
      break;
  }
}

}  // namespace orrery::collective_detail
