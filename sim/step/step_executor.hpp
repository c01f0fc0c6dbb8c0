#pragma once
// StepExecutor: runs one training step of every rank on the event engine.
//
// Each rank walks its stage's instruction list with its own program counter.
// Compute instructions occupy the rank's compute stream for their duration.
// A tensor-parallel all-reduce starts when the last member of the TP group
// reaches it (ranks block until it completes: Megatron's TP collectives sit
// on the critical path). Pipeline sends start a transfer and return at once;
// a receive blocks until the message has arrived. Gradient buckets go to the
// data-parallel stream: a group's bucket all-reduce starts once every member
// has launched it and the group's previous bucket is done (one NCCL
// communicator runs its collectives in order), overlapping the rest of the
// backward. Network transfers share links through the FlowNetwork.
//
// Accounting, per rank: compute time; time blocked on TP collectives; time
// blocked on receives, split into bubble (the sender had not sent yet) and
// exposed pipeline communication (the bytes were on the wire); time blocked
// on the gradient all-reduce. What is left of the step is idle.
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
    std::uint32_t fwd_arrived = 0, fwd_consumed = 0;
    std::uint32_t bwd_arrived = 0, bwd_consumed = 0;
  };
  struct TpGroup {
    int arrived = 0;
  };
  struct DpGroup {
    std::vector<int> launches;   // per bucket: members that launched it
    int next = 0;                // next bucket to start
    bool in_flight = false;
    int done = 0;
    std::int64_t started_ns = 0;
  };
  struct Message {
    int dst = 0;
    bool forward = true;
    std::int64_t sent_at = 0;
  };

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
  std::vector<Message> messages_;
  std::vector<std::uint32_t> free_messages_;

  std::vector<char> traced_;
  StepTimeline timeline_;
};

}  // namespace orrery
