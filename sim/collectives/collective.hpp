#pragma once
// Collectives expanded into flows on the FlowNetwork.
//
// `bytes` follows NCCL's convention: the size of each rank's full buffer
// (all-reduce: the buffer reduced; all-gather / reduce-scatter: the full,
// gathered buffer; send_recv: the message).
//
// Ring algorithms are represented as long-lived flows, one per ring edge,
// each carrying the whole step sequence's bytes (all-reduce: 2(n-1)/n x S),
// plus per-step latency terms (all-reduce: 2(n-1) steps). Uncontended, a ring
// all-reduce of S bytes over n ranks with per-rank link bandwidth B takes
//   2(n-1)/n x S/B + 2(n-1) x alpha,
// alpha = the path latency between ring neighbours + the per-step protocol overhead.
// A test shows this agrees with the chunk-by-chunk step simulation.
//
// Hierarchical all-reduce (GPUs spread over several nodes): reduce-scatter
// inside each node, all-reduce of the 1/g shard across nodes among GPUs of
// the same local index, all-gather inside each node (reduce-scatter and
// all-gather alike, with two phases). Double binary tree, NVLS (in-switch
// reduction), all-to-all direct and pairwise: docs/network-model.md, whose
// table gives every algorithm's flows and closed form.
#include <cstdint>
#include <span>
#include <string>

#include "sim/collectives/collective_params.hpp"
#include "sim/engine/engine.hpp"
#include "sim/network/flow_network.hpp"
#include "sim/network/topology.hpp"

namespace orrery {

class CollectiveListener {
public:
  virtual ~CollectiveListener() = default;
  virtual void on_collective_done(Engine& engine, std::uint64_t token) = 0;
};

class CollectiveRunner final : public FlowListener, public EventHandler {
public:
  CollectiveRunner(Engine& engine, FlowNetwork& network, const Topology& topology,
                   CollectiveParams params = {});
  ~CollectiveRunner() override;
  CollectiveRunner(const CollectiveRunner&) = delete;
  CollectiveRunner& operator=(const CollectiveRunner&) = delete;

  // Starts `op` over the GPUs in `gpus` (ring order = the order given; for
  // send_recv exactly two: sender, receiver). `automatic` means
  // params.algorithm[op], and when that is automatic too, the runner's
  // choice (docs/network-model.md). An algorithm that is no way to run `op`
  // (direct for an all-reduce) throws std::invalid_argument; one that does not
  // fit the group's shape (hierarchical on one node) falls back to a ring. When every member is done,
  // calls listener->on_collective_done(token). A group of one completes at once
  // (after zero time, through the engine).
  void start(CollectiveOp op, std::span<const int> gpus, double bytes,
             CollectiveAlgorithm algorithm, CollectiveListener* listener, std::uint64_t token);

  // Closed-form time of the same collective with no other traffic (for tests,
  // the plan's estimates and `orrery collective`).
  double uncontended_seconds(CollectiveOp op, std::span<const int> gpus, double bytes,
                             CollectiveAlgorithm algorithm) const;
  // The algorithm that start() would run for this call (never automatic).
  CollectiveAlgorithm resolved_algorithm(CollectiveOp op, std::span<const int> gpus, double bytes,
                                         CollectiveAlgorithm algorithm) const;

  void on_flow_done(Engine& engine, std::uint64_t token) override;
  void on_event(Engine& engine, std::uint32_t tag, std::uint64_t arg) override;

private:
  struct Impl;
  Impl* impl_;
};

}  // namespace orrery
