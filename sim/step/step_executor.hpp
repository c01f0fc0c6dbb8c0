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
// overlapping compute; dp_wait blocks until a given item is done. With
// expert parallelism a second stream per expert-DP group runs the items
// marked `expert` the same way. An expert-parallel all-to-all starts when
// the last member of the EP group reaches it and blocks its members like a
// TP collective. A context-parallel send starts a transfer to the next rank
// of the CP ring and returns at once; cp_wait blocks until the rank's own
// sends are done and as many blocks have arrived from the previous rank.
// With tied embeddings over a pipeline, each first-stage rank and its
// last-stage peer all-reduce the embedding's gradients once both reach the
// instruction, blocking both.
// Network transfers share links through the FlowNetwork.
//
// Accounting, per rank: compute time; time blocked on TP collectives; time
// blocked on receives, split into bubble (the sender had not sent yet) and
// exposed pipeline communication (the bytes were on the wire); time blocked
// on the data-parallel streams and in the tied embedding's all-reduce (its
// wait for the other end counts as bubble); on EP all-to-alls; on the CP
// ring. What is left of the step is idle.
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
  double ep_wait_s = 0;
  double cp_wait_s = 0;
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
    bool sending = false;               // blocked in a blocking pipeline send
  };
  struct BlockingGroup {   // a TP, EP or tied-embedding group
    int arrived = 0;
    std::int64_t started_ns = 0;   // when the last member arrived and the collective began
  };
  // One data-parallel stream: a DP group (dense) or an expert-DP group.
  struct DpGroup {
    std::vector<int> launches;   // per slot of the stream: members that launched it
    std::vector<std::uint32_t> items;   // slot -> index into the stage's dp_items
    int next = 0;                // next slot to start
    bool in_flight = false;
    int done = 0;                // slots 0..done-1 are complete
    std::int64_t started_ns = 0;
    int stage = 0;
    std::size_t first_member = 0;   // into dp_members_
    int size = 0;
    bool expert = false;
  };
  struct CpCounts {
    std::uint32_t sent = 0, sent_done = 0, arrived = 0;
  };
  struct Message {
    int src = 0;
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
  void on_pp_arrival(const Message& msg, std::int64_t now);
  void try_start_dp(int group);
  int dp_stream_of(int rank, bool expert) const;
  void finish_group_collective(std::uint64_t kind, std::size_t base, int size, std::int64_t now);
  // A member reaches a blocking group collective; the last of the `size`
  // members (group g's run of `members`) starts it and records when.
  void arrive_at_group(BlockingGroup& grp, const std::vector<int>& members, int g, int size, CollectiveOp op,
                       double bytes, std::uint64_t tok, std::int64_t now);
  void on_cp_done(std::uint64_t index, std::int64_t now);
  bool cp_ready(int rank) const {
    const CpCounts& c = cp_counts_[static_cast<std::size_t>(rank)];
    return c.sent_done == c.sent && c.arrived >= c.sent;
  }
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
  std::vector<BlockingGroup> tp_groups_;
  std::vector<int> tp_members_;   // group * tp + i -> GPU
  std::vector<BlockingGroup> ep_groups_;
  std::vector<int> ep_members_;   // group * ep + i -> GPU
  std::vector<BlockingGroup> embedding_groups_;   // one per (tp, cp, dp) position of a stage
  std::vector<int> embedding_members_;      // group * 2 + {0, 1} -> first-stage, last-stage GPU
  int embedding_group_of(int rank) const;
  std::vector<DpGroup> dp_groups_;   // DP groups, then expert-DP groups (when a program uses them)
  std::vector<int> dp_members_;
  int expert_dp_base_ = 0;        // id of the first expert-DP stream
  std::vector<CpCounts> cp_counts_;
  std::vector<std::uint32_t> pp_counts_;
  std::vector<Message> messages_;
  std::vector<std::uint32_t> free_messages_;

  std::vector<char> traced_;
  StepTimeline timeline_;
};

}  // namespace orrery
