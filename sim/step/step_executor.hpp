#pragma once
// StepExecutor: runs one training step of every rank on the event engine.
//
// Each rank walks its stage's instruction list with its own program counter.
// Compute instructions occupy the rank's compute stream for their duration.
// A tensor-parallel collective (all-reduce, or with sequence parallelism
// reduce-scatter / all-gather) starts when the last member of the TP group
// reaches it (ranks block until it completes: Megatron's TP collectives sit
// on the critical path). Pipeline sends start a transfer and return at once;
// a receive blocks until a message for its model chunk has arrived (counted
// per direction and chunk, so interleaved schedules match their receives).
// The data-parallel stream runs the stage's DP items (gradient buckets,
// ZeRO gathers) in order: an item starts once every member of the DP group
// has launched it and the previous item is done (one NCCL communicator),
// overlapping compute; dp_wait blocks until a given item is done. Network
// transfers share links through the FlowNetwork.
//
// Accounting, per rank: compute time; time blocked on TP collectives; time
// blocked on receives, split into bubble (the sender had not sent yet) and
// exposed pipeline communication (the bytes were on the wire); time blocked
// on the data-parallel stream. What is left of the step is idle.
#include <cstdint>
#include <vector>

#include "sim/collectives/collective.hpp"
#include "sim/engine/engine.hpp"
#include "sim/step/rank_layout.hpp"
#include "sim/step/step_program.hpp"
#include "sim/step/step_result.hpp"

namespace orrery {

struct RankAccount {
  double compute_s = 0;
  double tp_wait_s = 0;
  double pp_comm_s = 0;
  double bubble_s = 0;
  double dp_wait_s = 0;
  std::int64_t finish_ns = -1;
};

class StepExecutor final : public EventHandler, public CollectiveListener {
public:
  // trace_ranks: ranks whose timeline is recorded (empty: none).
  StepExecutor(Engine& engine, const StepProgram& program, const RankLayout& layout,
               CollectiveRunner& collectives, std::vector<int> trace_ranks = {});

  // Starts every rank at the engine's current time; then run the engine.
  void start();

  bool finished() const;
  const std::vector<RankAccount>& accounts() const { return accounts_; }
  StepTimeline take_timeline();

  void on_event(Engine& engine, std::uint32_t tag, std::uint64_t arg) override;
  void on_collective_done(Engine& engine, std::uint64_t token) override;

private:
  struct RankState {
    std::uint32_t pc = 0;
    std::int64_t blocked_since = -1;    // ns; -1 when running
  };
  struct TpGroup {
    int arrived = 0;
  };
  struct DpGroup {
    std::vector<int> launches;   // per DP item: members that launched it
    int next = 0;                // next item to start
    bool in_flight = false;
    int done = 0;                // items 0..done-1 are complete
    std::int64_t started_ns = 0;
  };
  struct Message {
    int dst = 0;
    bool forward = true;
    int chunk = 0;
    std::int64_t sent_at = 0;
  };
  // Pipeline messages per (rank, chunk, direction): arrived and consumed.
  enum Counter { kFwdArrived = 0, kFwdConsumed = 1, kBwdArrived = 2, kBwdConsumed = 3 };
  std::uint32_t& pp_count(int rank, int chunk, int counter) {
    return pp_counts_[(static_cast<std::size_t>(rank) * static_cast<std::size_t>(program_.chunks) +
                       static_cast<std::size_t>(chunk)) * 4 + static_cast<std::size_t>(counter)];
  }

  void run_rank(int rank);
  void try_start_dp(int group);
  void trace(int rank, int stream, std::uint8_t label, std::int64_t start, std::int64_t end);
  std::uint8_t label(const char* name);

  Engine& engine_;
  const StepProgram& program_;
  const RankLayout& layout_;
  CollectiveRunner& collectives_;
  std::uint32_t handler_id_;

  std::vector<RankState> ranks_;
  std::vector<RankAccount> accounts_;
  std::vector<const StageProgram*> stage_of_rank_;
  std::vector<TpGroup> tp_groups_;
  std::vector<int> tp_members_;   // group * tp + i -> GPU
  std::vector<DpGroup> dp_groups_;
  std::vector<int> dp_members_;   // group * dp + i -> GPU
  std::vector<std::uint32_t> pp_counts_;
  std::vector<Message> messages_;
  std::vector<std::uint32_t> free_messages_;

  std::vector<char> traced_;
  StepTimeline timeline_;
};

}  // namespace orrery
