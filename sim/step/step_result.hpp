#pragma once
// What one simulated training step produced. Plain data; reports/ reads it.
#include <cstdint>
#include <string>
#include <vector>

namespace orrery {

// Where one rank's step time went; the parts add up to the step time.
struct StepBreakdown {
  double compute_s = 0;            // compute stream busy (forward, backward, recompute, optimizer)
  double exposed_tp_comm_s = 0;    // compute stream waiting on tensor-parallel collectives
  double exposed_pp_comm_s = 0;    // waiting on pipeline sends/receives beyond the bubble
  double exposed_dp_comm_s = 0;    // waiting on gradient reduction (and the tied embedding's all-reduce) and ZeRO gathers
  double exposed_ep_comm_s = 0;    // waiting on expert-parallel all-to-alls (dispatch, combine)
  double exposed_cp_comm_s = 0;    // waiting on context-parallel K/V blocks beyond the attention they overlap
  double bubble_s = 0;             // pipeline fill and drain
  double idle_s = 0;               // anything else
};

struct StageMemory {
  int stage = 0;
  int layers = 0;
  double weights_gib = 0;
  double gradients_gib = 0;
  double optimizer_gib = 0;
  double activations_gib = 0;
  double buffers_gib = 0;          // communication buffers, workspace, framework overhead
  double peak_gib = 0;
  double capacity_gib = 0;
  bool fits() const { return peak_gib <= capacity_gib; }
};

// One span of the step's timeline (only collected when a trace is asked for).
struct TraceSpan {
  std::int32_t rank = 0;
  std::uint8_t stream = 0;         // index into StepTimeline::stream_names
  std::uint32_t name = 0;          // index into StepTimeline::names
  std::int64_t start_ns = 0;
  std::int64_t duration_ns = 0;
};

struct StepTimeline {
  std::vector<std::string> stream_names;   // "compute", "tp", "pp", "dp" (+ "ep", "cp" when used)
  std::vector<std::string> names;          // interned span names
  std::vector<TraceSpan> spans;
};

struct StepResult {
  double time_s = 0;
  int micro_batch = 0;             // sequences per microbatch simulated (the choice of micro_batch "auto")
  double tokens_per_s = 0;
  double model_flops = 0;          // per step, 6N-style plus attention (no recompute)
  double hardware_flops = 0;       // per step, what was executed (recompute included)
  double tflops_per_gpu = 0;       // model FLOPs / time / GPUs
  double mfu = 0;
  double hfu = 0;
  StepBreakdown breakdown;         // of the slowest rank (the one that sets the step time)
  double compute_fraction = 0;     // compute-stream busy time / step time, mean over ranks (power model)
  std::vector<StageMemory> memory; // per pipeline stage
  bool fits = true;
  std::uint64_t events = 0;        // engine events executed (for the benchmark)
  StepTimeline timeline;           // empty unless requested
};

}  // namespace orrery
