#pragma once
// Plain data of the collectives: the operations, the algorithms, and the
// parameters a scenario sets (its "collectives" section). Header-only and
// free of the network, so sim/scenario can hold a CollectiveParams without
// linking the simulator.
#include <array>
#include <cstddef>
#include <string_view>

namespace orrery {

enum class CollectiveOp { all_reduce, reduce_scatter, all_gather, send_recv, all_to_all };
inline constexpr std::size_t kCollectiveOps = 5;

// automatic: chosen per call by message size and group shape
// (docs/network-model.md, "Algorithm choice").
enum class CollectiveAlgorithm { automatic, ring, hierarchical, tree, nvls, direct, pairwise };

inline const char* to_string(CollectiveOp op) {
  switch (op) {
    case CollectiveOp::all_reduce: return "all_reduce";
    case CollectiveOp::reduce_scatter: return "reduce_scatter";
    case CollectiveOp::all_gather: return "all_gather";
    case CollectiveOp::send_recv: return "send_recv";
    case CollectiveOp::all_to_all: return "all_to_all";
  }
  return "unknown";
}

inline const char* to_string(CollectiveAlgorithm a) {
  switch (a) {
    case CollectiveAlgorithm::automatic: return "automatic";
    case CollectiveAlgorithm::ring: return "ring";
    case CollectiveAlgorithm::hierarchical: return "hierarchical";
    case CollectiveAlgorithm::tree: return "tree";
    case CollectiveAlgorithm::nvls: return "nvls";
    case CollectiveAlgorithm::direct: return "direct";
    case CollectiveAlgorithm::pairwise: return "pairwise";
  }
  return "unknown";
}

inline bool parse_collective_op(std::string_view name, CollectiveOp& out) {
  for (std::size_t i = 0; i < kCollectiveOps; ++i)
    if (name == to_string(static_cast<CollectiveOp>(i))) {
      out = static_cast<CollectiveOp>(i);
      return true;
    }
  return false;
}

inline bool parse_collective_algorithm(std::string_view name, CollectiveAlgorithm& out) {
  for (int i = 0; i <= static_cast<int>(CollectiveAlgorithm::pairwise); ++i)
    if (name == to_string(static_cast<CollectiveAlgorithm>(i))) {
      out = static_cast<CollectiveAlgorithm>(i);
      return true;
    }
  return false;
}

// Whether `algorithm` is a way to run `op` at all (shape aside: a
// hierarchical all-reduce on one node still falls back to a ring).
inline bool algorithm_fits_op(CollectiveOp op, CollectiveAlgorithm a) {
  using A = CollectiveAlgorithm;
  if (a == A::automatic) return true;
  switch (op) {
    case CollectiveOp::all_reduce: return a == A::ring || a == A::hierarchical || a == A::tree || a == A::nvls;
    case CollectiveOp::reduce_scatter:
    case CollectiveOp::all_gather: return a == A::ring || a == A::hierarchical;
    case CollectiveOp::send_recv: return a == A::ring;
    case CollectiveOp::all_to_all: return a == A::direct || a == A::pairwise;
  }
  return false;
}

struct CollectiveParams {
  double step_overhead_s = 5e-6;  // per algorithm step protocol/launch cost (NCCL Simple-like)
  // What a call asking for `automatic` runs, per op (indexed by CollectiveOp):
  // automatic leaves the choice to the runner (the scenario's "collectives").
  std::array<CollectiveAlgorithm, kCollectiveOps> algorithm{};
};

}  // namespace orrery
