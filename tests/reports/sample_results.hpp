#pragma once
// One hand-built set of results shared by the reports tests: Llama-2-7B on
// 16 DGX H100 nodes (its whole run: sample_run_report.hpp). The numbers are
// chosen by hand (not simulated) and mutually consistent, so each expected
// figure in the tests follows from the comments here.
#include "sim/scenario/scenario.hpp"
#include "sim/step/step_result.hpp"

namespace orrery::test {

inline Scenario sample_scenario() {
  Scenario s;
  s.name = "llama2-7b-128gpu";
  s.description = "Llama-2-7B on 16 DGX H100 nodes";
  s.seed = 7;

  // Llama-2-7B dims. Parameters, by hand (untied, RMSNorm, RoPE, no biases,
  // SwiGLU, MHA):
  //   embedding + output  2 V h            = 2 x 32000 x 4096      =   262,144,000
  //   per layer           4h^2 + 3 h f + 2h = 67,108,864 + 135,266,304 + 8,192 = 202,383,360
  //   32 layers                                                     = 6,476,267,520
  //   final norm          h                                         =         4,096
  //   total                                                         = 6,738,415,616
  // (Meta's published count for Llama-2-7B.)
  s.model.name = "llama2-7b";
  s.model.family = "llama";
  s.model.layers = 32;
  s.model.hidden = 4096;
  s.model.heads = 32;
  s.model.kv_heads = 32;
  s.model.ffn_hidden = 11008;
  s.model.vocab = 32000;
  s.model.max_seq_len = 4096;
  s.model.activation = "swiglu";
  s.model.norm = "rmsnorm";
  s.model.position = "rope";
  s.model.tied_embeddings = false;
  s.model.linear_bias = false;

  s.cluster.nodes = 16;
  s.cluster.node.name = "dgx-h100";
  s.cluster.node.accelerator = "h100-sxm";
  s.cluster.node.gpus_per_node = 8;       // 16 x 8 = 128 GPUs
  s.cluster.node.host_power_w = 2000;
  s.cluster.accelerator.name = "h100-sxm";
  s.cluster.accelerator.peak_tflops_bf16 = 989;
  s.cluster.accelerator.hbm_gib = 80;

  s.training.seq_len = 4096;
  s.training.global_batch = 1024;         // 4,194,304 tokens per step
  s.training.precision = Precision::bf16;
  s.training.optimizer = "adam";
  s.training.total_tokens = 1e12;

  s.parallelism.tp = 2;
  s.parallelism.pp = 2;
  s.parallelism.dp = 32;                  // 2 x 2 x 32 = 128 GPUs
  s.parallelism.micro_batch = 1;          // 1024 / (32 x 1) = 32 microbatches
  s.parallelism.schedule = "1f1b";
  s.parallelism.recompute = "none";

  s.cost.price_usd_per_gpu_hour = 2.5;
  s.cost.pue = 1.2;
  s.cost.electricity_usd_per_kwh = 0.08;
  s.cost.grid_gco2_per_kwh = 400;
  return s;
}

inline StepResult sample_step() {
  StepResult r;
  r.time_s = 3.4;
  r.tokens_per_s = 4194304 / 3.4;         // 1,233,618.82...
  r.mfu = 0.413;
  r.tflops_per_gpu = 0.413 * 989;         // 408.457
  r.hfu = 0.55;
  r.model_flops = 408.457e12 * 3.4 * 128; // 1.777604864e17 = TFLOP/s x time x GPUs
  r.hardware_flops = 0.55 * 989e12 * 3.4 * 128;
  // Parts sum to 3.4 s; compute is 78.1% of the step.
  r.breakdown.compute_s = 2.6554;
  r.breakdown.exposed_tp_comm_s = 0.2;
  r.breakdown.exposed_pp_comm_s = 0.1;
  r.breakdown.exposed_dp_comm_s = 0.15;
  r.breakdown.bubble_s = 0.25;
  r.breakdown.idle_s = 0.0446;
  r.compute_fraction = 0.77;              // mean over ranks, a little under the slowest rank's 0.781
  // Stage 0: 6.5 + 6.5 + 26 + 30.05 + 2.25 = 71.3 GiB, fits in 80.
  // Stage 1: 6.5 + 6.5 + 26 + 41.25 + 2.25 = 82.5 GiB, over 80 by 2.5.
  r.memory.push_back({0, 16, 6.5, 6.5, 26.0, 30.05, 2.25, 71.3, 80.0});
  r.memory.push_back({1, 16, 6.5, 6.5, 26.0, 41.25, 2.25, 82.5, 80.0});
  r.fits = false;
  r.events = 123456;
  return r;
}

}  // namespace orrery::test
