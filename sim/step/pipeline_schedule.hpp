#pragma once
// The order in which one pipeline stage runs its forward and backward passes.
// The step program expands this order into instructions, and the memory
// estimate counts the activations it keeps in flight, so the bubble and the
// memory of each schedule both follow from the same list.
//
//   gpipe        all m forwards, then all m backwards
//   1f1b         stage i: min(p - i - 1, m) warm-up forwards, then one
//                forward / one backward, then the remaining backwards
//   interleaved  Megatron's interleaved 1F1B: each rank holds v model
//                chunks; chunk j of stage i is virtual stage j p + i. Forwards
//                go in groups of p microbatches per chunk (chunk 0, 1, ...,
//                v-1, then the next p microbatches); backwards likewise from
//                chunk v-1 down. Warm-up: 2 (p - i - 1) + (v - 1) p forwards.
//                Needs m to be a multiple of p.
#include <cstdint>
#include <string>
#include <vector>

namespace orrery {

struct PipelinePass {
  bool forward = true;
  std::uint32_t microbatch = 0;
  int chunk = 0;   // model chunk on this rank (0 unless interleaved)
};

// schedule: "gpipe", "1f1b" or "interleaved"; vpp: chunks per rank (1 unless interleaved).
std::vector<PipelinePass> pipeline_order(const std::string& schedule, int pp, int vpp, int microbatches, int stage);

// How a stage's `layers` split over its `vpp` model chunks: as evenly as
// possible, the shorter chunks at the ends of the model (stage 0's first
// chunks, the last stage's last ones), where the embedding and the output
// layer sit: Llama 3 405B's 126 layers on 16 stages are 8 per stage with one
// fewer on the first and the last (Dubey et al. 2024, section 3.3.2), so with
// vpp 2 stage 0 holds chunks of 3 and 4 layers. Every chunk holds >= 1 layer
// (plan checks). vpp 1: {layers}.
std::vector<int> chunk_sizes(int layers, int vpp, bool first_stage);

// The most microbatch-chunks whose forward has run and whose backward has not,
// over the order: each holds one chunk's activations.
int peak_chunks_in_flight(const std::vector<PipelinePass>& order);

}  // namespace orrery
