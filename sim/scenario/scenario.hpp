#pragma once
// Scenario: the typed, validated, catalog-resolved form of a scenario file.
// Everything downstream reads this; nothing downstream reads JSON.
#include <cstdint>
#include <string>

#include "hardware/cluster.hpp"
#include "hardware/device_model.hpp"
#include "models/model_spec.hpp"

namespace orrery {

struct TrainingSpec {
  int seq_len = 2048;
  int global_batch = 512;               // sequences per step
  Precision precision = Precision::bf16;
  std::string optimizer = "adam";       // "adam" (fp32 master + 2 moments) or "sgd" (fp32 master + momentum)
  double total_tokens = 0;              // tokens to train on (for the run estimate)
  bool flash_attention = true;          // fused attention (no s x s matrix in HBM)
};

struct ParallelismSpec {
  int tp = 1;
  int pp = 1;
  int dp = 1;
  int micro_batch = 1;                  // sequences per microbatch
  std::string schedule = "1f1b";        // first light: "1f1b"
  std::string recompute = "none";       // "none" or "full"
  double grad_bucket_mib = 25;          // gradient all-reduce bucket size
  int microbatches(int global_batch) const { return global_batch / (dp * micro_batch); }
};

struct CostSpec {
  double price_usd_per_gpu_hour = 2.0;
  double pue = 1.2;
  double electricity_usd_per_kwh = 0.08;
  double grid_gco2_per_kwh = 400;
};

struct Scenario {
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  ModelSpec model;
  ClusterSpec cluster;
  TrainingSpec training;
  ParallelismSpec parallelism;
  DeviceEfficiency efficiency;
  CostSpec cost;
};

}  // namespace orrery
