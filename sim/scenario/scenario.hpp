#pragma once
// Scenario: the typed, validated, catalog-resolved form of a scenario file.
// Everything downstream reads this; nothing downstream reads JSON.
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "hardware/calibration_profile.hpp"
#include "hardware/cluster.hpp"
#include "hardware/device_model.hpp"
#include "models/model_spec.hpp"
#include "sim/collectives/collective_params.hpp"

namespace orrery {

struct TrainingSpec {
  int seq_len = 2048;
  int global_batch = 512;               // sequences per step
  Precision precision = Precision::bf16;
  std::string optimizer = "adam";       // "adam" (fp32 master + 2 moments) or "sgd" (fp32 master + momentum)
  double total_tokens = 0;              // tokens to train on (for the run estimate)
  bool flash_attention = true;          // fused attention (no s x s matrix in HBM)
  bool fused_cross_entropy = false;     // a one-pass loss kernel (Megatron-Core's cross_entropy_loss_fusion)
  // Batch-size ramp (Megatron's --rampup-batch-size START INCREMENT SAMPLES):
  // the run starts at batch_ramp_start sequences per step and grows by
  // batch_ramp_increment every SAMPLES / ((global_batch - start) / increment)
  // sequences until global_batch. batch_ramp_start 0: no ramp.
  int batch_ramp_start = 0;
  int batch_ramp_increment = 0;
  double batch_ramp_samples = 0;
  // Evaluation (Megatron's --eval-interval, --eval-iters): every
  // eval_interval_steps steps the job runs eval_batches global batches
  // forward only (one per validation set and eval iteration). 0: none.
  int eval_interval_steps = 0;
  int eval_batches = 100;
};

struct ParallelismSpec {
  int tp = 1;
  int pp = 1;
  int dp = 1;
  int cp = 1;                           // context-parallel degree (ring attention over seq_len / cp chunks)
  int ep = 1;                           // expert-parallel degree (carved out of dp)
  int micro_batch = 1;                  // sequences per microbatch
  std::string schedule = "1f1b";        // "1f1b", "gpipe" or "interleaved"
  int vpp = 1;                          // virtual stages per rank (interleaved only)
  std::string recompute = "none";       // "none", "selective" or "full"
  bool sp = false;                      // Megatron sequence parallelism (with tp > 1)
  int zero = 0;                         // ZeRO stage: 0 none, 1 optimizer, 2 + gradients, 3 + weights
  double grad_bucket_mib = 25;          // gradient all-reduce bucket size
  bool blocking_p2p = false;            // pipeline sends block the sender until delivered (Megatron-LM 2021, DeepSpeed)
  bool overlap_grad_reduce = true;      // gradient buckets overlap the last backward (else one collective after it)
  // How each microbatch's weight gradients join the step's gradient buffer:
  // "fused" (the wgrad GEMM accumulates into it), "add" (a separate in-place
  // add per microbatch) or "cast_add" (cast to the buffer's precision, then add).
  std::string grad_accumulation = "fused";
  // Precision of that buffer, which is also what data parallelism reduces:
  // "auto" (fp32 for bf16 and fp8 training, else the training precision),
  // "fp32" or "param" (the training precision).
  std::string main_grad = "auto";
  // "auto": reduce-scatter under ZeRO >= 1, all-reduce without; "all_reduce":
  // all-reduce under ZeRO 1 too (DeepSpeed's BF16_Optimizer).
  std::string grad_reduce = "auto";
  bool micro_batch_auto = false;        // micro_batch "auto": simulate_step picks the fastest (micro_batch_search.hpp)
  int microbatches(int global_batch) const { return global_batch / (dp * micro_batch); }
};

struct CostSpec {
  std::string pricing = "on_demand";    // "on_demand", "reserved", "spot" or "owned" (sim/cost)
  double price_usd_per_gpu_hour = 2.0;
  double price_usd_per_node_hour = 0;   // > 0: price per node-hour instead of per GPU-hour
  double spot_preemptions_per_million_node_hours = 300;   // pricing "spot" only
  double capex_usd_per_gpu = 0;         // pricing "owned": purchase price per GPU, all-in
  double lifetime_years = 5;            // amortization (owned) and embodied carbon
  double operations_fraction_per_year = 0.1;   // owned: yearly operations cost / capex
  double pue = 1.2;
  double electricity_usd_per_kwh = 0.08;
  std::string grid_region = "custom";   // "custom": grid_gco2_per_kwh; else a preset (sim/cost)
  double grid_gco2_per_kwh = 400;
  double embodied_kgco2e_per_gpu = 0;
  double average_power_w_per_gpu = 0;   // > 0: all-in power per GPU, replaces the power model
  double switch_power_w = 1000;         // per fabric switch
};

// The whole-run simulation's inputs (sim/run). Failure rates are per million
// component-hours; the preset is resolved in sim/run (failure_presets.hpp).
struct FailureSpec {
  std::string preset = "default";       // "default", "llama3", "meta-rsc1", "meta-rsc2", "none"
  std::map<std::string, double> rate_overrides;   // cause -> failures per million component-hours
  std::string distribution = "exponential";       // or "weibull" (time between failures of a cause)
  double weibull_shape = 0.7;
  int trials = 100;                     // Monte Carlo trials
  std::uint64_t seed = 1;               // the scenario's seed unless failures.seed is given
};

struct RecoverySpec {
  double detection_s = 300;             // failure to the job noticing (watchdog timeouts)
  std::map<std::string, double> detection_overrides;   // cause -> seconds, replacing detection_s
  double restart_s = 600;               // rescheduling, process start, communicator setup
  int spare_nodes = 0;                  // hot spares, allocated (and paid for) all the time
  double repair_hours = 24;             // a failed node (or switch) back in service
  double maintenance_interval_hours = 0;   // planned stops; 0: none
  double maintenance_duration_hours = 1;
  double job_time_limit_hours = 0;      // a batch scheduler's limit per job (SLURM --time); 0: none
};

struct CheckpointSpec {
  std::string interval = "auto";        // "fixed", "young", "daly", "auto" (= daly), "search"
  double interval_s = 3600;             // compute time between checkpoints when "fixed"
  std::string mode = "sync";            // "sync" or "async" (stall = copy to host memory)
  double write_gb_per_s = 100;          // storage write bandwidth available to the job
  double read_gb_per_s = 200;           // storage read bandwidth (reload after a restart)
  double host_copy_gb_per_s = 25;       // per GPU, device to host memory (async)
};

struct StragglerSpec {
  double jitter_fraction = 0;           // mean extra time per node per step, fraction of the step
  double slow_step_probability = 0;     // chance that a node's step is a slow one
  double slow_step_extra_fraction = 0;  // what a slow step adds, fraction of the step
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
  // A measured calibration profile ("calibration": docs/calibration.md), or
  // null: the device model then uses `efficiency`. Immutable, shared by copies.
  std::string calibration_path;          // resolved against the scenario file's folder
  std::shared_ptr<const CalibrationProfile> calibration;
  CostSpec cost;
  FailureSpec failures;
  RecoverySpec recovery;
  CheckpointSpec checkpoint;
  StragglerSpec stragglers;
  CollectiveParams collectives;          // "collectives": algorithms and step overhead
};

}  // namespace orrery
