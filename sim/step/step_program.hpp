#pragma once
// StepProgram: what every rank executes in one training step, as one
// instruction list per pipeline stage. All ranks of a stage run the same
// list; their coordinates (rank_layout.hpp) name the peers and groups, so
// the program stays small at any data-parallel width while every rank is
// still simulated.
//
// The list is the pipeline schedule (pipeline_schedule.hpp: GPipe, 1F1B or
// interleaved 1F1B) expanded to the points where ranks communicate:
// Megatron tensor parallelism all-reduces after the attention and the MLP
// blocks (forward, recompute and backward; with sequence parallelism a
// reduce-scatter after each block and an all-gather before it), pipeline
// sends/receives between (virtual) stages, and the data-parallel stream:
// gradient buckets launched during the last microbatch's backward and
// overlapped with the rest of it (or one collective after it:
// overlap_grad_reduce false), in main_grad's precision (all-reduce; ZeRO 1/2:
// reduce-scatter unless grad_reduce all_reduce, then an all-gather of the
// updated parameters after the optimizer; ZeRO 3: each layer's parameters
// all-gathered one layer ahead of its forward and backward, and its
// gradients reduce-scattered after its backward). With grad_accumulation
// add / cast_add each layer's backward (and the head's and embedding's) is
// followed by a memory-bound pass adding its gradients into the buffer.
// Tied embeddings over a pipeline: the first and last stages all-reduce the
// embedding's gradients after the DP stream, before the optimizer (Megatron's
// order; DeepSpeed reduces the tied weights before the DP gradients, which
// sums to the same time on the critical path).
//
// Expert parallelism (ep > 1): a MoE layer's MLP runs router (+ shared
// experts), an all-to-all dispatch over the EP group, the local experts and
// an all-to-all combine; its backward the same two all-to-alls in reverse
// (Megatron's alltoall token dispatcher; the shared experts are not
// overlapped with them, Megatron's default). With tp > 1 (and sequence
// parallelism, which Megatron requires there) each TP rank routes its 1/tp
// of the tokens, and the tokens reaching the tensor-parallel experts are
// all-gathered over the TP group before them and reduce-scattered after
// (in place of the TP collectives around a dense MLP). A MoE model's first
// dense_layers layers run the dense MLP. The routed experts' gradients go to
// their own buckets on a second data-parallel stream over the expert-DP
// group (dp x cp / ep ranks); the rest reduce over dp x cp.
// Context parallelism (cp > 1): the attention core runs in cp equal pieces,
// one per K/V block; before each of the first cp - 1 pieces the rank starts
// sending its current block to the next rank of its CP ring (forward: K and
// V; backward: K and V with their accumulated gradients, twice the bytes)
// and after the piece waits for its own send and the block from the
// previous rank: each step costs max(compute, transfer). Full and selective
// recompute re-run the ring with the attention core.
#include <cstdint>
#include <string>
#include <vector>

#include "hardware/device_model.hpp"
#include "sim/collectives/collective.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/step/rank_layout.hpp"

namespace orrery {

enum class InstrKind : std::uint8_t {
  compute,            // value = duration in ns
  tp_all_reduce,      // blocking, over the TP group; value = bytes
  tp_reduce_scatter,  // blocking (sequence parallelism); value = bytes of the full buffer
  tp_all_gather,      // blocking (sequence parallelism); value = bytes of the full buffer
  send_forward,       // to the next (virtual) stage; value = bytes; blocks until delivered with blocking_p2p
  send_backward,      // to the previous (virtual) stage; value = bytes; likewise
  recv_forward,       // from the previous (virtual) stage, blocking
  recv_backward,      // from the next (virtual) stage, blocking
  dp_launch,          // queue DP item `aux` on the data-parallel stream; value = bytes
  dp_wait,            // block until DP item aux (and the earlier items of its stream) is done
  ep_all_to_all,      // blocking, over the EP group; value = bytes each rank sends (its own share included)
  cp_send,            // to the next rank of the CP ring, non-blocking; value = bytes
  cp_wait,            // block until this rank's CP sends are done and as many blocks have arrived
  embedding_all_reduce,  // blocking, between the first and last stages' ranks of the same (tp, cp, dp)
                         // position: the tied embedding's gradients; value = bytes
};

struct Instr {
  InstrKind kind = InstrKind::compute;
  std::uint8_t label = 0;     // index into StepProgram::labels (trace names)
  std::uint16_t chunk = 0;    // sends: the receiver's model chunk; receives: this rank's
  std::uint32_t aux = 0;      // microbatch (TP, sends/receives) or DP item index
  std::int64_t value = 0;     // ns for compute, bytes for communication
};

// One collective on the data-parallel stream. A DP group runs its items one
// at a time in index order (one NCCL communicator), each once every member
// has launched it.
// Items run on one of two streams: the DP group's (dp x cp ranks), or with
// expert parallelism the expert-DP group's (`expert`); `slot` is the item's
// index among its stream's items.
struct DpItem {
  CollectiveOp op = CollectiveOp::all_reduce;
  double bytes = 0;
  bool expert = false;
  std::uint32_t slot = 0;
};

struct StageProgram {
  int stage = 0;
  std::vector<Instr> instrs;
  std::vector<DpItem> dp_items;   // in launch order
  double hardware_flops = 0;  // executed per rank per step (recompute included)
  double compute_s = 0;       // sum of compute durations per rank
};

struct StepProgram {
  std::vector<std::string> labels;
  std::vector<StageProgram> stages;
  int microbatches = 0;
  int chunks = 1;             // model chunks per rank (vpp when interleaved)
  bool blocking_p2p = false;  // a pipeline send blocks its sender until delivered
};

// forward_only: an evaluation batch (Megatron's evaluate(), DeepSpeed's
// eval_batch): the schedule's forwards in its order, loss included, and no
// backward, gradient reduction or optimizer step.
StepProgram build_step_program(const Scenario& s, const RankLayout& layout, const KernelTimer& timer,
                               bool forward_only = false);

// Human-readable listing of one stage's instructions (for debugging and tests).
std::string describe_stage(const StepProgram& p, int stage, std::size_t max_lines = 200);

}  // namespace orrery
