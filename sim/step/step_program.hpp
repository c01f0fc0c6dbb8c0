#pragma once
// StepProgram: what every rank executes in one training step, as one
// instruction list per pipeline stage. All ranks of a stage run the same
// list; their coordinates (rank_layout.hpp) name the peers and groups, so
// the program stays small at any data-parallel width while every rank is
// still simulated.
//
// The list is the 1F1B schedule (warm-up forwards, one-forward-one-backward,
// cool-down backwards) expanded to the points where ranks communicate:
// Megatron tensor parallelism all-reduces after the attention and the MLP
// blocks (forward, recompute and backward), pipeline sends/receives between
// stages, and the gradient all-reduce launched bucket by bucket during the
// last microbatch's backward, overlapped with the rest of it.
#include <cstdint>
#include <string>
#include <vector>

#include "hardware/device_model.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/step/rank_layout.hpp"

namespace orrery {

enum class InstrKind : std::uint8_t {
  compute,        // value = duration in ns
  tp_all_reduce,  // blocking; value = bytes
  send_forward,   // to the next stage, non-blocking; value = bytes
  send_backward,  // to the previous stage, non-blocking; value = bytes
  recv_forward,   // from the previous stage, blocking
  recv_backward,  // from the next stage, blocking
  dp_launch,      // queue gradient bucket `aux` on the data-parallel stream; value = bytes
  dp_wait,        // block until every bucket of this step is reduced
};

struct Instr {
  InstrKind kind = InstrKind::compute;
  std::uint8_t label = 0;     // index into StepProgram::labels (trace names)
  std::uint32_t aux = 0;      // microbatch (sends/receives) or bucket index
  std::int64_t value = 0;     // ns for compute, bytes for communication
};

struct StageProgram {
  int stage = 0;
  std::vector<Instr> instrs;
  std::vector<double> dp_bucket_bytes;   // gradient buckets, in launch order
  double hardware_flops = 0;  // executed per rank per step (recompute included)
  double compute_s = 0;       // sum of compute durations per rank
};

struct StepProgram {
  std::vector<std::string> labels;
  std::vector<StageProgram> stages;
  int microbatches = 0;
};

StepProgram build_step_program(const Scenario& s, const RankLayout& layout, const KernelTimer& timer);

// Human-readable listing of one stage's instructions (for debugging and tests).
std::string describe_stage(const StepProgram& p, int stage, std::size_t max_lines = 200);

}  // namespace orrery
