#pragma once
// Internal to orrery_collectives: a collective expanded into phases of rings.
// The runner (collective.cpp) and the closed form (uncontended_seconds) walk
// the same plan, so the two cannot drift apart.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/collectives/collective.hpp"
#include "sim/network/topology.hpp"

namespace orrery::collective_detail {

// Which rings a phase runs over plan.members, seen as m groups of g
// (group r = members[r * g .. r * g + g - 1]; for hierarchical, a group is a node).
enum class RingLayout : std::uint8_t {
  within_groups,  // m rings of g: member i -> i + 1 inside each group
  across_groups,  // g rings of m: the k-th member of group r -> the k-th of group r + 1
  one_way,        // send_recv: members[0] -> members[1] only
};

struct Phase {
  RingLayout layout = RingLayout::within_groups;
  double flow_bytes = 0;  // carried by every flow of the phase
  int steps = 0;          // ring steps, each costing one alpha
};

struct Plan {
  std::vector<int> members;  // arranged group by group
  int groups = 1;            // m
  int group_size = 0;        // g
  std::array<Phase, 3> phases{};
  int phase_count = 0;       // 0: a group of one, done at once
};

// Scratch for validation and node grouping, reused between collectives.
struct PlanScratch {
  std::vector<std::uint8_t> seen;  // per GPU
  std::vector<int> node_slot;      // per node: its group, -1 when not in the collective
  std::vector<int> node_order, node_count, node_fill;
};

// Validates the group and fills `plan`; throws std::invalid_argument on bad input.
void plan_collective(CollectiveOp op, std::span<const int> gpus, double bytes, CollectiveAlgorithm algorithm,
                     const Topology& topology, PlanScratch& scratch, Plan& plan);

// ring.cpp: one ring over the members in the order given (or send_recv).
void plan_ring(CollectiveOp op, std::span<const int> gpus, double bytes, Plan& plan);
// hierarchical.cpp: false (plan untouched) unless the group spans >= 2 nodes
// with the same number (>= 2) of members on each.
bool plan_hierarchical_all_reduce(std::span<const int> gpus, double bytes, const Topology& topology,
                                  PlanScratch& scratch, Plan& plan);

// Calls f(src_gpu, dst_gpu, flow_index) for every flow of `phase`, flow
// indices 0, 1, ... in a fixed order.
template <class F>
void for_each_flow(const Plan& plan, const Phase& phase, F&& f) {
  const int m = plan.groups, g = plan.group_size;
  const auto at = [&](int i) { return plan.members[static_cast<std::size_t>(i)]; };
  std::uint32_t index = 0;
  switch (phase.layout) {
    case RingLayout::one_way:
      f(at(0), at(1), index);
      break;
    case RingLayout::within_groups:
      for (int r = 0; r < m; ++r)
        for (int i = 0; i < g; ++i) f(at(r * g + i), at(r * g + (i + 1) % g), index++);
      break;
    case RingLayout::across_groups:
      for (int k = 0; k < g; ++k)
        for (int r = 0; r < m; ++r) f(at(r * g + k), at(((r + 1) % m) * g + k), index++);
      break;
  }
}

}  // namespace orrery::collective_detail
