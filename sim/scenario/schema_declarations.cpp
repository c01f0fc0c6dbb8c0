// Every parameter of a scenario file and of a catalog entry, declared once.
// Defaults come from the structs' own initializers, so they cannot drift.
#include <fmt/format.h>

#include "hardware/cluster.hpp"
#include "hardware/device_model.hpp"
#include "sim/scenario/limits.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/scenario/schema.hpp"

namespace orrery {

namespace {

using FT = FieldType;

std::vector<std::string> precision_names() {
  std::vector<std::string> out;
  for (Precision p : {Precision::fp32, Precision::tf32, Precision::bf16, Precision::fp16, Precision::fp8})
    out.emplace_back(to_string(p));
  return out;
}

Field source_field() {
  return {.key = "source", .type = FT::string, .doc = "where the numbers come from (datasheet, paper, date)",
          .default_value = "", .max = 2000};
}

Section root_section() {
  return {
      .id = "",
      .title = "Scenario (top level)",
      .doc = "One training job on one cluster. Only `name`, `model` and `cluster.node` are required.",
      .fields = {
          {.key = "name", .type = FT::string, .doc = "the scenario's name, shown in every report",
           .required = true, .min = 1, .max = 200},
          {.key = "description", .type = FT::string,
           .doc = "free text: what the scenario is and where its numbers come from", .default_value = "",
           .max = 10000},
          {.key = "seed", .type = FT::integer,
           .doc = "seed of every random stream (failures, ECMP hashing): same seed, same output",
           .default_value = Scenario{}.seed, .min = 0, .max = 9007199254740991.0,
           .note = "at most 2^53 - 1: larger integers do not survive most JSON tools"},
          {.key = "model", .type = FT::entry,
           .doc = "the model: a catalog name, or an object (`base` + overrides, or a whole entry)",
           .required = true, .target = "models"},
          {.key = "cluster", .type = FT::section, .doc = "the hardware", .required = true, .target = "cluster"},
          {.key = "training", .type = FT::section, .doc = "what one step computes", .target = "training"},
          {.key = "parallelism", .type = FT::section, .doc = "how the model is split over the GPUs",
           .target = "parallelism"},
          {.key = "efficiency", .type = FT::section, .doc = "device efficiency assumed without a calibration profile",
           .target = "efficiency"},
          {.key = "calibration", .type = FT::string,
           .doc = "a calibration profile written by `orrery-calib run` on this accelerator (a path, relative to "
                  "the scenario file's folder): kernel times then come from its measured GEMM, bandwidth and "
                  "launch tables instead of `efficiency`, and the scale-up link's efficiency from its NCCL rings "
                  "over the node's GPUs (docs/calibration.md); \"\": none",
           .default_value = "", .max = 4096,
           .note = "read and validated when the scenario is loaded; its SM count must match the accelerator's"},
          {.key = "cost", .type = FT::section, .doc = "prices, power and carbon", .target = "cost"},
          {.key = "failures", .type = FT::section,
           .doc = "failure rates and the Monte Carlo over the whole run (docs/run-model.md)", .target = "failures"},
          {.key = "recovery", .type = FT::section, .doc = "detection, restart, spare nodes, repair, maintenance",
           .target = "recovery"},
          {.key = "checkpoint", .type = FT::section, .doc = "checkpoint interval, mode and storage bandwidth",
           .target = "checkpoint"},
          {.key = "stragglers", .type = FT::section, .doc = "per-step delays of the slowest node",
           .target = "stragglers"},
          {.key = "collectives", .type = FT::section, .doc = "collective algorithms and their step cost",
           .target = "collectives"},
      }};
}

Section cluster_section() {
  const std::string cap =
      fmt::format("at most {} nodes ({} GPUs at 8 per node): every rank is simulated, so memory and time "
                  "grow with the GPU count",
                  kMaxNodes, kMaxGpus);
  return {.id = "cluster",
          .title = "Cluster",
          .doc = "Identical nodes joined by a fabric.",
          .fields = {
              {.key = "node", .type = FT::entry,
               .doc = "node type: a catalog name or an object (`base` + overrides); inside it `accelerator` and "
                      "the links may be names or objects too",
               .required = true, .target = "nodes"},
              {.key = "nodes", .type = FT::integer, .unit = "nodes", .doc = "how many nodes",
               .default_value = ClusterSpec{}.nodes, .min = 1, .max = kMaxNodes, .note = cap},
              {.key = "fabric", .type = FT::section, .doc = "the network between nodes", .target = "cluster.fabric"},
          }};
}

Section fabric_section() {
  const FabricSpec d;
  return {.id = "cluster.fabric",
          .title = "Fabric",
          .doc = "The scale-out network: NICs, switches and the links between them.",
          .fields = {
              {.key = "topology", .type = FT::choice,
               .doc = "fat_tree: a leaf/spine(/core) Clos network; torus: chips joined directly by their "
                      "scale-up links in a 1-3D torus (TPU ICI), dimension-order routing",
               .default_value = d.topology, .choices = {"fat_tree", "torus"}},
              {.key = "torus_dims", .type = FT::string, .unit = "chips",
               .doc = "torus only: chips per dimension, e.g. \"4x4x4\" (each 1 to 32; their product = all GPUs); "
                      "each chip's scale_up_link bandwidth is split over its 2 x dims links",
               .default_value = "", .max = 20},
              {.key = "tiers", .type = FT::integer, .unit = "levels",
               .doc = "switch levels: 1 one switch, 2 leaf + spine, 3 leaf + spine + core",
               .default_value = d.tiers, .min = 1, .max = 3},
              {.key = "oversubscription", .type = FT::number, .unit = "ratio",
               .doc = "downlink:uplink bandwidth ratio at the leaf tier (1: non-blocking)",
               .default_value = d.oversubscription, .min = 1, .max = 64},
              {.key = "spine_oversubscription", .type = FT::number, .unit = "ratio",
               .doc = "downlink:uplink bandwidth ratio at the spine tier, towards the cores (3 tiers; Llama 3's "
                      "aggregation layer: 7)",
               .default_value = d.spine_oversubscription, .min = 1, .max = 64},
              {.key = "switch_radix", .type = FT::integer, .unit = "ports", .doc = "ports per switch",
               .default_value = d.switch_radix, .min = 4, .max = 1024},
              {.key = "rail_optimized", .type = FT::boolean,
               .doc = "NIC i of every node connects to rail i's leaf switch", .default_value = d.rail_optimized},
              {.key = "link", .type = FT::entry, .doc = "leaf-to-spine link: a catalog name or an object",
               .target = "links", .default_note = "the node's `nic_link`"},
              {.key = "spine_link", .type = FT::entry,
               .doc = "spine-to-core link (3 tiers), when it differs from `link`: a catalog name or an object",
               .target = "links", .default_note = "`link`"},
              {.key = "switch_latency_us", .type = FT::number, .unit = "us", .doc = "latency added per switch hop",
               .default_value = d.switch_latency_us, .min = 0, .max = 100},
              {.key = "routing", .type = FT::choice,
               .doc = "path choice among equal-cost paths: ecmp (hash of the flow), d_mod_k (static, by "
                      "destination: InfiniBand's fat-tree routing), auto (the fabric link's `routing`)",
               .default_value = d.routing, .choices = {"auto", "ecmp", "d_mod_k"}},
          }};
}

Section collectives_section() {
  const CollectiveParams d;
  const auto name = [&](CollectiveOp op) {
    return std::string(to_string(d.algorithm[static_cast<std::size_t>(op)]));
  };
  return {.id = "collectives",
          .title = "Collectives",
          .doc = "How collectives run (docs/network-model.md). `automatic` costs every algorithm that fits the "
                 "group with its closed form and runs the fastest, as NCCL's tuner does; naming one forces it "
                 "wherever it fits the group's shape (elsewhere: a ring, or direct for all_to_all).",
          .fields = {
              {.key = "all_reduce", .type = FT::choice, .doc = "all-reduce algorithm",
               .default_value = name(CollectiveOp::all_reduce),
               .choices = {"automatic", "ring", "hierarchical", "tree", "nvls"}},
              {.key = "reduce_scatter", .type = FT::choice, .doc = "reduce-scatter algorithm",
               .default_value = name(CollectiveOp::reduce_scatter), .choices = {"automatic", "ring", "hierarchical"}},
              {.key = "all_gather", .type = FT::choice, .doc = "all-gather algorithm",
               .default_value = name(CollectiveOp::all_gather), .choices = {"automatic", "ring", "hierarchical"}},
              {.key = "all_to_all", .type = FT::choice, .doc = "all-to-all algorithm (expert parallelism)",
               .default_value = name(CollectiveOp::all_to_all), .choices = {"automatic", "direct", "pairwise"}},
              {.key = "step_overhead_us", .type = FT::number, .unit = "us",
               .doc = "protocol and launch cost of every algorithm step, on top of the path latency",
               .default_value = d.step_overhead_s * 1e6, .min = 0, .max = 10000},
          }};
}

Section training_section() {
  const TrainingSpec d;
  return {.id = "training",
          .title = "Training",
          .doc = "What one optimizer step computes, and how many tokens the whole run sees.",
          .fields = {
              {.key = "seq_len", .type = FT::integer, .unit = "tokens",
               .doc = "sequence length (may exceed the model's max_seq_len: not enforced)",
               .default_value = d.seq_len, .min = 1, .max = 1048576},
              {.key = "global_batch", .type = FT::integer, .unit = "sequences",
               .doc = "sequences per optimizer step, over all data-parallel replicas",
               .default_value = d.global_batch, .min = 1, .max = 1048576},
              {.key = "precision", .type = FT::choice,
               .doc = "arithmetic precision of the matrix math (the accelerator must support it)",
               .default_value = to_string(d.precision), .choices = precision_names()},
              {.key = "optimizer", .type = FT::choice,
               .doc = "adam: fp32 master weights + 2 moments; sgd: fp32 master weights + momentum",
               .default_value = d.optimizer, .choices = {"adam", "sgd"}},
              {.key = "total_tokens", .type = FT::number, .unit = "tokens",
               .doc = "tokens of the whole run, for the time and cost estimate (0: no run estimate)",
               .default_value = d.total_tokens, .min = 0, .max = 1e15,
               .note = "the cap, 1e15, is about 67 times the 15e12 tokens of Llama 3"},
              {.key = "flash_attention", .type = FT::boolean,
               .doc = "fused attention: no s x s score matrix in HBM", .default_value = d.flash_attention},
              {.key = "fused_cross_entropy", .type = FT::boolean,
               .doc = "a one-pass cross-entropy kernel (Megatron-Core's cross_entropy_loss_fusion, Liger); false: "
                      "Megatron's default eager vocab-parallel loss on an fp32 copy of the logits (max, subtract, "
                      "exp, sum, divide, then the backward's multiply and cast: 52 bytes per bf16 logit, 13 fp32 passes)",
               .default_value = d.fused_cross_entropy},
              {.key = "batch_ramp_start", .type = FT::integer, .unit = "sequences",
               .doc = "batch-size ramp-up (Megatron's --rampup-batch-size START INCREMENT SAMPLES): the run's first "
                      "steps take this many sequences; 0: no ramp, every step takes global_batch",
               .default_value = d.batch_ramp_start, .min = 0, .max = 1048576,
               .note = "below global_batch, and global_batch - start a multiple of batch_ramp_increment; every "
                       "batch of the ramp is a multiple of dp x micro_batch"},
              {.key = "batch_ramp_increment", .type = FT::integer, .unit = "sequences",
               .doc = "how much the batch grows at each stage of the ramp", .default_value = d.batch_ramp_increment,
               .min = 0, .max = 1048576},
              {.key = "batch_ramp_samples", .type = FT::number, .unit = "sequences",
               .doc = "sequences over which the batch grows from batch_ramp_start to global_batch (BLOOM: 9765625)",
               .default_value = d.batch_ramp_samples, .min = 0, .max = 1e13},
              {.key = "eval_interval_steps", .type = FT::integer, .unit = "steps",
               .doc = "steps between evaluations (Megatron's --eval-interval); 0: no evaluation. Each evaluation "
                      "stalls training for eval_batches forward-only global batches, simulated like the step",
               .default_value = d.eval_interval_steps, .min = 0, .max = 100000000},
              {.key = "eval_batches", .type = FT::integer, .unit = "batches",
               .doc = "global batches run forward only at each evaluation: --eval-iters x the number of validation "
                      "sets (Megatron's default --eval-iters is 100; BLOOM: 1 x 29 sets)",
               .default_value = d.eval_batches, .min = 1, .max = 1000000},
          }};
}

Section parallelism_section() {
  const ParallelismSpec d;
  return {.id = "parallelism",
          .title = "Parallelism",
          .doc = "How the model and the batch are split over the GPUs: tp x cp x pp x dp = GPUs (expert "
                 "parallelism is carved out of dp).",
          .fields = {
              {.key = "tp", .type = FT::integer, .doc = "tensor-parallel degree: must divide heads and kv_heads",
               .default_value = d.tp, .min = 1, .max = 1024},
              {.key = "pp", .type = FT::integer, .doc = "pipeline stages: at most the model's layers",
               .default_value = d.pp, .min = 1, .max = 1024},
              {.key = "dp", .type = FT::integer,
               .doc = "data-parallel replicas; if given, tp x cp x pp x dp must equal the GPUs",
               .min = 1, .max = kMaxGpus, .default_note = "GPUs / (tp x cp x pp)"},
              {.key = "micro_batch", .type = FT::integer, .unit = "sequences",
               .doc = "sequences per microbatch; global_batch must be a multiple of dp x micro_batch. Or \"auto\": "
                      "the fastest of 1, 2, 4 and 8 that divides global_batch / dp and fits in memory (each is "
                      "simulated; the step result reports the choice)",
               .default_value = d.micro_batch, .min = 1, .max = 65536},
              {.key = "schedule", .type = FT::choice,
               .doc = "pipeline schedule: gpipe (all forwards, then all backwards), 1f1b (one forward, one "
                      "backward), interleaved (Megatron's interleaved 1F1B over vpp model chunks per rank)",
               .default_value = d.schedule, .choices = {"1f1b", "gpipe", "interleaved"}},
              {.key = "vpp", .type = FT::integer,
               .doc = "virtual pipeline stages (model chunks) per rank; schedule interleaved needs vpp >= 2, "
                      "at least one layer per chunk and microbatches a multiple of pp; a stage's layers split "
                      "over its chunks as evenly as possible, the shorter chunks at the model's ends",
               .default_value = d.vpp, .min = 1, .max = 1024},
              {.key = "recompute", .type = FT::choice,
               .doc = "activation recomputation: none keeps activations, selective recomputes the attention "
                      "core (scores, softmax, dropout, attention over V) in the backward, full recomputes each "
                      "layer's forward",
               .default_value = d.recompute, .choices = {"none", "selective", "full"}},
              {.key = "sp", .type = FT::boolean,
               .doc = "Megatron sequence parallelism: each TP all-reduce becomes a reduce-scatter and an "
                      "all-gather, and the norm and dropout activations are split over tp (no effect with tp 1)",
               .default_value = d.sp},
              {.key = "zero", .type = FT::integer,
               .doc = "ZeRO sharding over the data-parallel group (dp x cp ranks; routed experts over dp x cp / ep): "
                      "0 none, 1 optimizer states (Megatron's distributed optimizer), 2 also gradients, 3 also "
                      "parameters (FSDP full shard)",
               .default_value = d.zero, .min = 0, .max = 3},
              {.key = "grad_bucket_mib", .type = FT::number, .unit = "MiB",
               .doc = "gradient all-reduce bucket size (overlaps communication with the backward pass)",
               .default_value = d.grad_bucket_mib, .min = 0.1, .max = 16384},
              {.key = "blocking_p2p", .type = FT::boolean,
               .doc = "pipeline sends block the sender until the activation (or gradient) is delivered, as "
                      "Megatron-LM up to 2021 (batch_isend_irecv, wait, cuda synchronize) and DeepSpeed's pipeline "
                      "engine (blocking send) ran them; false: sends overlap the next compute (Megatron-Core)",
               .default_value = d.blocking_p2p},
              {.key = "overlap_grad_reduce", .type = FT::boolean,
               .doc = "gradient buckets are reduced during the last microbatch's backward (PyTorch DDP, Megatron "
                      "--overlap-grad-reduce); false: one collective over all gradients after the whole backward, "
                      "as Megatron-LM did up to 2022 (DDP_impl local: train_step all-reduces the contiguous "
                      "gradient buffer after forward_backward_func returns)",
               .default_value = d.overlap_grad_reduce},
              {.key = "grad_accumulation", .type = FT::choice,
               .doc = "how each microbatch's weight gradients join the step's gradient buffer (main_grad): fused "
                      "(the weight-gradient GEMM accumulates into it: Megatron-Core's gradient_accumulation_fusion; "
                      "no extra pass), add (a separate in-place add per parameter and microbatch, reading the "
                      "gradient and reading and writing the buffer: Megatron-LM 2021's local DDP hooks, "
                      "main_grad.add_(grad), and PyTorch's AccumulateGrad), cast_add (the gradient is first cast "
                      "to an fp32 copy, then added: DeepSpeed's BF16_Optimizer.update_hp_grads after every "
                      "microbatch's backward, with the 16-bit gradients held until then; zero 0 or 1 only). "
                      "Under zero 3 the pass covers the rank's shard only",
               .default_value = d.grad_accumulation, .choices = {"fused", "add", "cast_add"}},
              {.key = "main_grad", .type = FT::choice,
               .doc = "precision of the gradient buffer, which is also the precision data parallelism reduces "
                      "in: auto is fp32 for bf16 and fp8 training (Megatron-LM forces "
                      "accumulate_allreduce_grads_in_fp32 with bf16; DeepSpeed's BF16_Optimizer reduces its fp32 "
                      "gradients) and the training precision otherwise (Megatron-LM's fp16 default); fp32; or "
                      "param (the training precision)",
               .default_value = d.main_grad, .choices = {"auto", "fp32", "param"}},
              {.key = "grad_reduce", .type = FT::choice,
               .doc = "the data-parallel gradient collective: auto is a reduce-scatter under ZeRO 1 to 3 (each "
                      "rank keeps the shard it updates) and an all-reduce without ZeRO; all_reduce all-reduces "
                      "under ZeRO 1 too, as DeepSpeed's BF16_Optimizer does (every rank receives all the "
                      "gradients, updates its shard of the fp32 master weights, then all-gathers the parameters); "
                      "only with zero 0 or 1",
               .default_value = d.grad_reduce, .choices = {"auto", "all_reduce"}},
              {.key = "cp", .type = FT::integer,
               .doc = "context-parallel degree (Megatron order tp, cp, dp, pp): each rank holds seq_len / cp tokens "
                      "of every sequence (2 cp load-balanced chunks, so seq_len must divide by 2 cp) and passes "
                      "K/V blocks round a ring overlapped with its attention; gradients are reduced over dp x cp; "
                      "needs flash_attention",
               .default_value = d.cp, .min = 1, .max = 1024},
              {.key = "ep", .type = FT::integer,
               .doc = "expert-parallel degree for mixture-of-experts models: each group of ep consecutive "
                      "data-parallel ranks splits the routed experts (experts / ep each) and exchanges tokens by "
                      "two all-to-alls per MoE layer each way; must divide dp and the experts; expert gradients "
                      "are reduced over dp x cp / ep ranks",
               .default_value = d.ep, .min = 1, .max = 1024},
          }};
}

Section efficiency_section() {
  const DeviceEfficiency d;
  return {.id = "efficiency",
          .title = "Efficiency",
          .doc = "Roofline efficiencies used when no calibration profile is given.",
          .fields = {
              {.key = "gemm", .type = FT::number, .unit = "fraction",
               .doc = "best fraction of peak FLOP/s reached by large GEMMs (before wave quantization)",
               .default_value = d.gemm, .min = 0.01, .max = 1},
              {.key = "memory", .type = FT::number, .unit = "fraction",
               .doc = "fraction of HBM bandwidth reached by streaming kernels", .default_value = d.memory,
               .min = 0.01, .max = 1},
              {.key = "launch_overhead_us", .type = FT::number, .unit = "us",
               .doc = "fixed time added to every kernel (launch + tail)", .default_value = d.launch_overhead_us,
               .min = 0, .max = 1000},
          }};
}

Section cost_section() {
  const CostSpec d;
  return {.id = "cost",
          .title = "Cost",
          .doc = "Prices, power and carbon for the whole-run estimate.",
          .fields = {
              {.key = "pricing", .type = FT::choice,
               .doc = "on_demand, reserved or spot: the price per GPU-hour (or node-hour) for every allocated GPU "
                      "all the wall-clock time; spot adds preemptions as a failure cause; owned: total cost of "
                      "ownership (capex over the lifetime + operations + electricity)",
               .default_value = d.pricing, .choices = {"on_demand", "reserved", "spot", "owned"}},
          {.key = "price_usd_per_gpu_hour", .type = FT::number, .unit = "USD/GPU-hour",
               .doc = "all-in rental price of one GPU for one hour (on_demand, reserved, spot)",
               .default_value = d.price_usd_per_gpu_hour, .min = 0, .max = 1000},
          {.key = "price_usd_per_node_hour", .type = FT::number, .unit = "USD/node-hour",
               .doc = "rental price of one node for one hour; above 0 it replaces price_usd_per_gpu_hour",
               .default_value = d.price_usd_per_node_hour, .min = 0, .max = 100000},
          {.key = "spot_preemptions_per_million_node_hours", .type = FT::number, .unit = "per 10^6 node-hours",
               .doc = "spot only: preemptions per node (a failure cause, \"preemption\"; the node is replaced like "
                      "a failed one)",
               .default_value = d.spot_preemptions_per_million_node_hours, .min = 0, .max = 1e6,
               .note = "the default, 300, is about one preemption per node every 140 days (AWS's Spot advisor puts "
                       "GPU instances mostly in its top band, over 20% a month: an estimate)"},
          {.key = "capex_usd_per_gpu", .type = FT::number, .unit = "USD/GPU",
               .doc = "owned only (required there): purchase price per GPU with its share of the server, network "
                      "and installation",
               .default_value = d.capex_usd_per_gpu, .min = 0, .max = 1e7},
          {.key = "lifetime_years", .type = FT::number, .unit = "years",
               .doc = "service life: owned hardware is amortized over it; embodied carbon is shared over it",
               .default_value = d.lifetime_years, .min = 0.1, .max = 50},
          {.key = "operations_fraction_per_year", .type = FT::number, .unit = "fraction of capex per year",
               .doc = "owned only: staff, space, support and repairs per year, as a share of the capex",
               .default_value = d.operations_fraction_per_year, .min = 0, .max = 10},
              {.key = "pue", .type = FT::number, .unit = "ratio",
               .doc = "power usage effectiveness: facility power / IT power", .default_value = d.pue, .min = 1,
               .max = 3},
              {.key = "electricity_usd_per_kwh", .type = FT::number, .unit = "USD/kWh",
               .doc = "electricity price", .default_value = d.electricity_usd_per_kwh, .min = 0, .max = 10},
              {.key = "grid_region", .type = FT::choice,
               .doc = "grid carbon intensity preset (2023 figures, docs/run-model.md); custom: use grid_gco2_per_kwh",
               .default_value = d.grid_region,
               .choices = {"custom", "world", "us", "china", "india", "germany", "canada", "brazil", "france",
                           "norway"}},
          {.key = "grid_gco2_per_kwh", .type = FT::number, .unit = "gCO2e/kWh",
               .doc = "carbon intensity of the electricity (only with grid_region \"custom\")",
               .default_value = d.grid_gco2_per_kwh, .min = 0, .max = 2000},
          {.key = "embodied_kgco2e_per_gpu", .type = FT::number, .unit = "kgCO2e/GPU",
               .doc = "manufacturing carbon per GPU with its share of the server; the run is charged its share of "
                      "the lifetime (0: not counted)",
               .default_value = d.embodied_kgco2e_per_gpu, .min = 0, .max = 1e6},
          {.key = "average_power_w_per_gpu", .type = FT::number, .unit = "W",
               .doc = "above 0: measured all-in power per GPU (host and network share included, as Patterson et "
                      "al. 2021 report it), replacing the power model for the whole run",
               .default_value = d.average_power_w_per_gpu, .min = 0, .max = 100000},
          {.key = "switch_power_w", .type = FT::number, .unit = "W",
               .doc = "power of one fabric switch with its optics (NICs are in the node's host_power_w)",
               .default_value = d.switch_power_w, .min = 0, .max = 100000,
               .note = "the default, 1000 W, is an estimate for a 64-port 400G switch with transceivers"},
          }};
}

Section failures_section() {
  const FailureSpec d;
  return {.id = "failures",
          .title = "Failures",
          .doc = "What interrupts the run, and how many seeded Monte Carlo trials simulate it (docs/run-model.md).",
          .fields = {
              {.key = "preset", .type = FT::choice,
               .doc = "failure rates per cause: llama3 (Llama 3 405B's 54-day interruption table), meta-rsc1 / "
                      "meta-rsc2 (Meta's research clusters, 6.50 and 2.34 failures per 1000 node-days), default "
                      "(= llama3), none",
               .default_value = d.preset, .choices = {"default", "llama3", "meta-rsc1", "meta-rsc2", "none"}},
              {.key = "rates_per_million_hours", .type = FT::section,
               .doc = "per-cause rates that replace the preset's", .target = "failures.rates_per_million_hours"},
              {.key = "distribution", .type = FT::choice,
               .doc = "time between two failures of one cause in the job: exponential (constant rate) or weibull "
                      "(same mean, shape weibull_shape)",
               .default_value = d.distribution, .choices = {"exponential", "weibull"}},
              {.key = "weibull_shape", .type = FT::number,
               .doc = "Weibull shape k: below 1 failures cluster (infant mortality), 1 is exponential",
               .default_value = d.weibull_shape, .min = 0.2, .max = 5},
              {.key = "trials", .type = FT::integer, .doc = "Monte Carlo trials of the whole run",
               .default_value = d.trials, .min = 1, .max = 100000},
              {.key = "seed", .type = FT::integer,
               .doc = "seed of the failure streams (trial t, cause c: stream t x 16 + c)",
               .min = 0, .max = 9007199254740991.0, .default_note = "the scenario's `seed`"},
          }};
}

Section failure_rates_section() {
  const auto rate = [](const char* key, const char* unit, const char* doc) {
    return Field{.key = key, .type = FT::number, .unit = unit, .doc = doc, .min = 0, .max = 1e6,
                 .default_note = "from `preset`"};
  };
  return {.id = "failures.rates_per_million_hours",
          .title = "Failure rates",
          .doc = "Failures per million component-hours, by cause; each replaces the preset's rate for its cause. "
                 "What a failure takes out of the job is in docs/run-model.md.",
          .fields = {
              rate("gpu", "per 10^6 GPU-hours", "GPU failures (faulty GPU, NVLink, GPU system processor, thermal)"),
              rate("hbm", "per 10^6 GPU-hours", "HBM memory errors"),
              rate("sram", "per 10^6 GPU-hours", "GPU SRAM errors"),
              rate("sdc", "per 10^6 GPU-hours", "silent data corruption (found, then the GPU removed)"),
              rate("nic", "per 10^6 NIC-hours", "NIC failures"),
              rate("switch", "per 10^6 NIC-hours",
                   "network switch and cable failures, per NIC port (cables and ports grow with the NICs); one "
                   "takes out every node on its leaf switch"),
              rate("host", "per 10^6 node-hours", "host failures and unplanned maintenance (CPU, memory, SSD, "
                   "chassis, boards)"),
              rate("power", "per 10^6 node-hours", "power supply failures"),
              rate("software", "per 10^6 node-hours",
                   "software bugs, dependencies and collective timeouts (restart only, no node replaced)"),
          }};
}

Section detection_by_cause_section() {
  std::vector<Field> fields;
  auto add = [&](const char* cause) {
    fields.push_back(Field{.key = cause, .type = FT::number, .unit = "s",
                           .doc = "from such a failure to the job noticing it", .min = 0, .max = 1e6,
                           .default_note = "`recovery.detection_s`"});
  };
  // The causes of sim/run/failure_model.hpp (a test checks the two lists agree).
  for (const char* cause : {"gpu", "hbm", "sram", "sdc", "nic", "switch", "host", "power", "software", "preemption"})
    add(cause);
  return {.id = "recovery.detection_s_by_cause",
          .title = "Detection time by cause",
          .doc = "Seconds from a failure of a cause to the job noticing it, where it differs from "
                 "`recovery.detection_s`: a crash that kills a process is seen at once, a hang only when a "
                 "collective times out or a watchdog (or a person) notices, a silent data corruption when a "
                 "check or the loss shows it. The cause names are those of `failures.rates_per_million_hours`, "
                 "and `preemption`.",
          .fields = std::move(fields)};
}

Section recovery_section() {
  const RecoverySpec d;
  return {.id = "recovery",
          .title = "Recovery",
          .doc = "What happens after a failure: detect, (wait for a replacement), restart, reload the checkpoint.",
          .fields = {
              {.key = "detection_s", .type = FT::number, .unit = "s",
               .doc = "from the failure to the job noticing it (heartbeats, collective timeouts)",
               .default_value = d.detection_s, .min = 0, .max = 1e6},
              {.key = "detection_s_by_cause", .type = FT::section,
               .doc = "per-cause detection times that replace detection_s for their cause",
               .target = "recovery.detection_s_by_cause"},
              {.key = "restart_s", .type = FT::number, .unit = "s",
               .doc = "rescheduling, process start and communicator setup, before the checkpoint reload",
               .default_value = d.restart_s, .min = 0, .max = 1e6},
              {.key = "spare_nodes", .type = FT::integer, .unit = "nodes",
               .doc = "hot spares that replace failed nodes at once; they are allocated (and paid for) all the time",
               .default_value = d.spare_nodes, .min = 0, .max = kMaxNodes},
              {.key = "repair_hours", .type = FT::number, .unit = "hours",
               .doc = "until a failed node (or switch) is back; with too few spares the job waits for it",
               .default_value = d.repair_hours, .min = 0, .max = 10000},
              {.key = "maintenance_interval_hours", .type = FT::number, .unit = "hours",
               .doc = "planned stops (firmware, configuration) every so often, each after a final checkpoint; 0: none",
               .default_value = d.maintenance_interval_hours, .min = 0, .max = 1e6,
               .note = "Llama 3's run had 47 planned interruptions in 54 days, one every 27.6 hours"},
              {.key = "maintenance_duration_hours", .type = FT::number, .unit = "hours",
               .doc = "how long a planned stop lasts (before the restart and reload)",
               .default_value = d.maintenance_duration_hours, .min = 0, .max = 10000},
              {.key = "job_time_limit_hours", .type = FT::number, .unit = "hours",
               .doc = "a batch scheduler's limit on one job (SLURM --time; Megatron's --exit-duration-in-mins): at it "
                      "the job saves a checkpoint and exits, and the next job restarts and reloads at once; every "
                      "restart after a failure starts a new job and a new limit; 0: none",
               .default_value = d.job_time_limit_hours, .min = 0, .max = 1e6,
               .note = "Jean Zay's qos_gpu-gc: 100 hours (BLOOM exited after 5,990 minutes)"},
          }};
}

Section checkpoint_section() {
  const CheckpointSpec d;
  return {.id = "checkpoint",
          .title = "Checkpoint",
          .doc = "Checkpoints hold the weights and optimizer state (as the memory model counts them: 14 bytes per "
                 "parameter with bf16 weights and Adam); the interval is rounded to whole steps.",
          .fields = {
              {.key = "interval", .type = FT::choice,
               .doc = "fixed: interval_s; young: sqrt(2 x stall x MTBF); daly: Daly's higher-order optimum; auto: "
                      "daly; search: simulate a grid around daly and take the fastest",
               .default_value = d.interval, .choices = {"fixed", "young", "daly", "auto", "search"}},
              {.key = "interval_s", .type = FT::number, .unit = "s",
               .doc = "compute time between two checkpoints when interval is \"fixed\"",
               .default_value = d.interval_s, .min = 1, .max = 1e9},
              {.key = "mode", .type = FT::choice,
               .doc = "sync: training stops while the checkpoint is written; async: it stops only for the copy to "
                      "host memory, and the write finishes in the background",
               .default_value = d.mode, .choices = {"sync", "async"}},
              {.key = "write_gb_per_s", .type = FT::number, .unit = "GB/s",
               .doc = "storage write bandwidth available to the whole job", .default_value = d.write_gb_per_s,
               .min = 0.001, .max = 1e6},
              {.key = "read_gb_per_s", .type = FT::number, .unit = "GB/s",
               .doc = "storage read bandwidth available to the whole job (the reload after a restart)",
               .default_value = d.read_gb_per_s, .min = 0.001, .max = 1e6},
              {.key = "host_copy_gb_per_s", .type = FT::number, .unit = "GB/s",
               .doc = "per GPU, device-to-host copy bandwidth (async mode: every GPU copies its share)",
               .default_value = d.host_copy_gb_per_s, .min = 0.001, .max = 1e4},
          }};
}

Section stragglers_section() {
  const StragglerSpec d;
  return {.id = "stragglers",
          .title = "Stragglers",
          .doc = "Per-step delays: each node's step takes an extra time, exponential jitter plus, now and then, a "
                 "slow step; the synchronous step waits for the slowest node (the run uses the expected step: "
                 "jitter alone gives jitter_fraction x H(nodes), slow steps alone slow_step_extra_fraction x "
                 "(1 - (1 - slow_step_probability)^nodes)).",
          .fields = {
              {.key = "jitter_fraction", .type = FT::number, .unit = "fraction of the step",
               .doc = "mean extra time of one node in one step; 0: no jitter", .default_value = d.jitter_fraction,
               .min = 0, .max = 10},
              {.key = "slow_step_probability", .type = FT::number, .unit = "probability",
               .doc = "chance that one node's step is a slow one; 0: none", .default_value = d.slow_step_probability,
               .min = 0, .max = 1},
              {.key = "slow_step_extra_fraction", .type = FT::number, .unit = "fraction of the step",
               .doc = "what a slow step adds to that node's step", .default_value = d.slow_step_extra_fraction,
               .min = 0, .max = 100},
          }};
}

Section accelerator_entry() {
  std::vector<Field> f = {
      {.key = "vendor", .type = FT::string, .doc = "maker (documentation only)", .default_value = "", .max = 100}};
  for (const auto& p : precision_names())
    f.push_back({.key = "peak_tflops_" + p, .type = FT::number, .unit = "TFLOP/s",
                 .doc = "dense peak matrix throughput in " + p + " (0: not supported)", .default_value = 0.0,
                 .min = 0, .max = 100000});
  f.push_back({.key = "hbm_gib", .type = FT::number, .unit = "GiB", .doc = "HBM capacity", .required = true,
               .min = 0.001, .max = 100000});
  f.push_back({.key = "hbm_bandwidth_gb_per_s", .type = FT::number, .unit = "GB/s", .doc = "peak HBM bandwidth",
               .required = true, .min = 1, .max = 1e6});
  f.push_back({.key = "sm_count", .type = FT::integer, .unit = "SMs",
               .doc = "streaming multiprocessors / compute units (for wave quantization)", .required = true,
               .min = 1, .max = 100000});
  f.push_back({.key = "tdp_w", .type = FT::number, .unit = "W", .doc = "board power at full load",
               .required = true, .min = 1, .max = 100000});
  f.push_back({.key = "idle_w", .type = FT::number, .unit = "W", .doc = "power when idle (at most tdp_w)",
               .default_value = 0.0, .min = 0, .max = 100000});
  f.push_back(source_field());
  return {.id = "accelerators", .title = "Accelerator",
          .doc = "One GPU or TPU chip. At least one peak_tflops_* must be above 0.", .fields = f};
}

Section link_entry() {
  return {.id = "links",
          .title = "Link",
          .doc = "A full-duplex link; bandwidth is per direction.",
          .fields = {
              {.key = "bandwidth_gb_per_s", .type = FT::number, .unit = "GB/s", .doc = "bandwidth per direction",
               .required = true, .min = 0.001, .max = 1e6},
              {.key = "latency_us", .type = FT::number, .unit = "us", .doc = "one-way latency", .required = true,
               .min = 0, .max = 1e6},
              {.key = "routing", .type = FT::choice,
               .doc = "how a fabric of this link picks among equal-cost paths (its `fabric.routing: auto`): "
                      "ecmp hashes each flow (Ethernet), d_mod_k routes by destination (InfiniBand subnet manager)",
               .default_value = LinkSpec{}.routing, .choices = {"ecmp", "d_mod_k"}},
              {.key = "efficiency", .type = FT::number, .unit = "fraction",
               .doc = "the fraction of the bandwidth transfers achieve (link-layer and protocol overhead, from "
                      "measured bandwidth such as nccl-tests' bus bandwidth); every flow over the link gets "
                      "bandwidth x efficiency",
               .default_value = LinkSpec{}.efficiency, .min = 0.05, .max = 1},
              source_field(),
          }};
}

Section node_entry() {
  const NodeSpec d;
  return {.id = "nodes",
          .title = "Node",
          .doc = "A server: accelerators joined by a scale-up switch, with NICs into the fabric.",
          .fields = {
              {.key = "accelerator", .type = FT::entry, .doc = "the accelerator", .required = true,
               .target = "accelerators"},
              {.key = "gpus_per_node", .type = FT::integer, .unit = "GPUs", .doc = "accelerators per node",
               .default_value = d.gpus_per_node, .min = 1, .max = 1024},
              {.key = "scale_up_link", .type = FT::entry,
               .doc = "one GPU's aggregate port into the node's switch (NVSwitch)", .required = true,
               .target = "links"},
              {.key = "gpu_nic_link", .type = FT::entry, .doc = "link between a GPU and its NIC (PCIe)",
               .required = true, .target = "links"},
              {.key = "nic_link", .type = FT::entry, .doc = "one NIC's port into the fabric", .required = true,
               .target = "links"},
              {.key = "nics_per_node", .type = FT::integer, .unit = "NICs", .doc = "fabric NICs per node",
               .default_value = d.nics_per_node, .min = 1, .max = 1024},
              {.key = "host_power_w", .type = FT::number, .unit = "W",
               .doc = "CPUs, memory, fans, NICs: everything but the accelerators", .default_value = d.host_power_w,
               .min = 0, .max = 1e6},
              {.key = "nvls", .type = FT::boolean,
               .doc = "the scale-up switch reduces in-network (NVLink SHARP, NVSwitch gen3+): enables the `nvls` "
                      "all-reduce inside a node",
               .default_value = d.nvls},
              source_field(),
          }};
}

Section model_entry() {
  const ModelSpec dm;
  return {.id = "models",
          .title = "Model",
          .doc = "A decoder-only transformer, dense or mixture-of-experts (experts > 0). heads must be a multiple of "
                 "kv_heads, and (gqa) hidden of heads.",
          .fields = {
              {.key = "family", .type = FT::string, .doc = "gpt, llama, ... (documentation only)",
               .default_value = "", .max = 100},
              {.key = "layers", .type = FT::integer, .doc = "transformer blocks", .required = true, .min = 1,
               .max = 1024},
              {.key = "hidden", .type = FT::integer, .doc = "model width h", .required = true, .min = 1,
               .max = 262144},
              {.key = "heads", .type = FT::integer, .doc = "attention heads a", .required = true, .min = 1,
               .max = 4096},
              {.key = "kv_heads", .type = FT::integer, .doc = "key/value heads (GQA); equal to heads for MHA",
               .required = true, .min = 1, .max = 4096},
              {.key = "ffn_hidden", .type = FT::integer, .doc = "MLP inner width (4h for GPT)", .required = true,
               .min = 1, .max = 1048576},
              {.key = "vocab", .type = FT::integer, .unit = "tokens", .doc = "vocabulary size", .required = true,
               .min = 1, .max = 4194304},
              {.key = "max_seq_len", .type = FT::integer, .unit = "tokens",
               .doc = "context length the model was trained for (sizes a learned position table)",
               .required = true, .min = 1, .max = 16777216},
              {.key = "activation", .type = FT::choice,
               .doc = "gelu or relu: 2 MLP matrices and one elementwise pass; swiglu: 3 matrices",
               .required = true, .choices = {"gelu", "relu", "swiglu"}},
              {.key = "norm", .type = FT::choice, .doc = "layernorm: weight + bias; rmsnorm: weight",
               .required = true, .choices = {"layernorm", "rmsnorm"}},
              {.key = "position", .type = FT::choice,
               .doc = "learned: a max_seq_len x h table; rope and alibi: no parameters", .required = true,
               .choices = {"learned", "rope", "alibi"}},
              {.key = "tied_embeddings", .type = FT::boolean, .doc = "the output layer shares the input embedding",
               .default_value = false},
              {.key = "linear_bias", .type = FT::boolean, .doc = "GEMMs carry a bias vector (GPT) or not (Llama)",
               .default_value = false},
              {.key = "attention", .type = FT::choice,
               .doc = "gqa: Q/K/V projections of heads/kv_heads x hidden/heads (MHA, GQA, MQA); mla: DeepSeek's "
                      "multi-head latent attention (needs kv_lora_rank, qk_nope_head_dim, v_head_dim; kv_heads = heads)",
               .default_value = dm.attention, .choices = {"gqa", "mla"}},
              {.key = "q_lora_rank", .type = FT::integer, .doc = "mla: width of the query latent (0: queries projected directly)",
               .default_value = dm.q_lora_rank, .min = 0, .max = 262144},
              {.key = "kv_lora_rank", .type = FT::integer, .doc = "mla: width of the joint key/value latent",
               .default_value = dm.kv_lora_rank, .min = 0, .max = 262144},
              {.key = "qk_nope_head_dim", .type = FT::integer,
               .doc = "mla: per-head query/key width without rotary position", .default_value = dm.qk_nope_head_dim,
               .min = 0, .max = 65536},
              {.key = "qk_rope_head_dim", .type = FT::integer,
               .doc = "mla: per-head query/key width with rotary position (the key's is one head shared by all)",
               .default_value = dm.qk_rope_head_dim, .min = 0, .max = 65536},
              {.key = "v_head_dim", .type = FT::integer, .doc = "mla: per-head value width",
               .default_value = dm.v_head_dim, .min = 0, .max = 65536},
              {.key = "experts", .type = FT::integer,
               .doc = "routed experts per MoE layer (0: a dense model); ep must divide it",
               .default_value = dm.experts, .min = 0, .max = 65536},
              {.key = "experts_per_token", .type = FT::integer,
               .doc = "routed experts each token goes to (top-k): from 1 to experts; 0 for dense models",
               .default_value = dm.experts_per_token, .min = 0, .max = 65536},
              {.key = "moe_ffn_hidden", .type = FT::integer, .doc = "each expert's MLP inner width (0: ffn_hidden)",
               .default_value = dm.moe_ffn_hidden, .min = 0, .max = 1048576},
              {.key = "shared_experts", .type = FT::integer,
               .doc = "always-on experts per MoE layer (DeepSeek), each moe_ffn_hidden wide",
               .default_value = dm.shared_experts, .min = 0, .max = 1024},
              {.key = "dense_layers", .type = FT::integer,
               .doc = "the first dense_layers layers keep the dense MLP (ffn_hidden); the rest are MoE",
               .default_value = dm.dense_layers, .min = 0, .max = 1023},
              {.key = "capacity_factor", .type = FT::number,
               .doc = "rows each expert is sized for over the balanced share tokens x top-k / experts: 1 is dropless, "
                      "perfectly balanced routing; more models padded buffers or imbalance (MoE only)",
               .default_value = dm.capacity_factor, .min = 1, .max = 64},
              {.key = "published_params_billion", .type = FT::number, .unit = "billion",
               .doc = "parameter count the authors state (a cross-check of the formulas; 0: unknown)",
               .default_value = 0.0, .min = 0, .max = 100000},
              source_field(),
          }};
}

}  // namespace

Schema make_schema() {
  return {{root_section(), cluster_section(), fabric_section(), collectives_section(), training_section(),
           parallelism_section(),
           efficiency_section(), cost_section(), failures_section(), failure_rates_section(), recovery_section(),
           detection_by_cause_section(),
           checkpoint_section(), stragglers_section(), accelerator_entry(), link_entry(), node_entry(), model_entry()}};
}

}  // namespace orrery
