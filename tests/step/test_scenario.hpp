#pragma once
// A small hand-built scenario for step tests: a GPT-like model on one or more
// 8-GPU nodes whose links have no latency, so that closed forms hold exactly.
#include "sim/scenario/scenario.hpp"

namespace orrery::test {

inline Scenario tiny_scenario(int tp, int pp, int dp, int nodes = 1) {
  Scenario s;
  s.name = "tiny";
  ModelSpec& m = s.model;
  m.name = "tiny-gpt";
  m.family = "gpt";
  m.layers = 8;
  m.hidden = 256;
  m.heads = 8;
  m.kv_heads = 8;
  m.ffn_hidden = 1024;
  m.vocab = 512;
  m.max_seq_len = 256;
  m.activation = "gelu";
  m.norm = "layernorm";
  m.position = "learned";
  m.tied_embeddings = true;
  m.linear_bias = true;

  ClusterSpec& c = s.cluster;
  c.nodes = nodes;
  c.node.name = "test-node";
  c.node.gpus_per_node = 8;
  c.node.nics_per_node = 8;
  c.accelerator.name = "test-gpu";
  c.accelerator.peak_tflops_bf16 = 100;
  c.accelerator.peak_tflops_fp32 = 20;
  c.accelerator.hbm_gib = 80;
  c.accelerator.hbm_bandwidth_gb_per_s = 1000;
  c.accelerator.sm_count = 100;
  c.accelerator.tdp_w = 500;
  c.accelerator.idle_w = 100;
  c.scale_up = {"scale-up", 100, 0, ""};   // 100 GB/s per direction, no latency
  c.gpu_nic = {"pcie", 50, 0, ""};
  c.nic = {"nic", 25, 0, ""};
  c.fabric.tiers = 2;
  c.fabric.link = c.nic;
  c.fabric.switch_latency_us = 0;

  s.training.seq_len = 256;
  s.training.global_batch = 8 * dp;
  s.training.precision = Precision::bf16;
  s.training.total_tokens = 1e9;
  s.parallelism.tp = tp;
  s.parallelism.pp = pp;
  s.parallelism.dp = dp;
  s.parallelism.micro_batch = 1;
  s.parallelism.grad_bucket_mib = 1e6;   // one bucket: the whole gradient
  return s;
}

}  // namespace orrery::test
