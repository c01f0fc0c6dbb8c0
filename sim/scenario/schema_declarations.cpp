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
          {.key = "cost", .type = FT::section, .doc = "prices, power and carbon", .target = "cost"},
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
              {.key = "topology", .type = FT::choice, .doc = "fat_tree: a leaf/spine(/core) Clos network",
               .default_value = d.topology, .choices = {"fat_tree"}},
              {.key = "tiers", .type = FT::integer, .unit = "levels",
               .doc = "switch levels: 1 one switch, 2 leaf + spine, 3 leaf + spine + core",
               .default_value = d.tiers, .min = 1, .max = 3},
              {.key = "oversubscription", .type = FT::number, .unit = "ratio",
               .doc = "downlink:uplink bandwidth ratio at the leaf tier (1: non-blocking)",
               .default_value = d.oversubscription, .min = 1, .max = 64},
              {.key = "switch_radix", .type = FT::integer, .unit = "ports", .doc = "ports per switch",
               .default_value = d.switch_radix, .min = 4, .max = 1024},
              {.key = "rail_optimized", .type = FT::boolean,
               .doc = "NIC i of every node connects to rail i's leaf switch", .default_value = d.rail_optimized},
              {.key = "link", .type = FT::entry, .doc = "switch-to-switch link: a catalog name or an object",
               .target = "links", .default_note = "the node's `nic_link`"},
              {.key = "switch_latency_us", .type = FT::number, .unit = "us", .doc = "latency added per switch hop",
               .default_value = d.switch_latency_us, .min = 0, .max = 100},
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
          }};
}

Section parallelism_section() {
  const ParallelismSpec d;
  return {.id = "parallelism",
          .title = "Parallelism",
          .doc = "How the model and the batch are split over the GPUs: tp x pp x dp = GPUs.",
          .fields = {
              {.key = "tp", .type = FT::integer, .doc = "tensor-parallel degree: must divide heads and kv_heads",
               .default_value = d.tp, .min = 1, .max = 1024},
              {.key = "pp", .type = FT::integer, .doc = "pipeline stages: at most the model's layers",
               .default_value = d.pp, .min = 1, .max = 1024},
              {.key = "dp", .type = FT::integer, .doc = "data-parallel replicas; if given, tp x pp x dp must equal the GPUs",
               .min = 1, .max = kMaxGpus, .default_note = "GPUs / (tp x pp)"},
              {.key = "micro_batch", .type = FT::integer, .unit = "sequences",
               .doc = "sequences per microbatch; global_batch must be a multiple of dp x micro_batch",
               .default_value = d.micro_batch, .min = 1, .max = 65536},
              {.key = "schedule", .type = FT::choice, .doc = "pipeline schedule: one forward, one backward",
               .default_value = d.schedule, .choices = {"1f1b"},
               .planned = {{"gpipe", "GPipe (all forwards, then all backwards) arrives in a later version"},
                           {"interleaved", "interleaved 1F1B (virtual stages) arrives in a later version"}}},
              {.key = "recompute", .type = FT::choice,
               .doc = "activation recomputation: none keeps activations, full recomputes each layer's forward",
               .default_value = d.recompute, .choices = {"none", "full"},
               .planned = {{"selective", "selective recomputation (attention only) arrives in a later version"}}},
              {.key = "grad_bucket_mib", .type = FT::number, .unit = "MiB",
               .doc = "gradient all-reduce bucket size (overlaps communication with the backward pass)",
               .default_value = d.grad_bucket_mib, .min = 0.1, .max = 16384},
          },
          .planned_keys = {
              {"zero", "ZeRO / FSDP sharding arrives in a later version; optimizer states are replicated for now"},
              {"cp", "context parallelism arrives in a later version"},
              {"ep", "expert parallelism arrives with MoE models in a later version"},
              {"sp", "sequence parallelism arrives in a later version"},
              {"vpp", "virtual pipeline stages (interleaved 1F1B) arrive in a later version"},
              {"virtual_stages", "virtual pipeline stages (interleaved 1F1B) arrive in a later version"},
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
              {.key = "price_usd_per_gpu_hour", .type = FT::number, .unit = "USD/GPU-hour",
               .doc = "all-in rental (or amortized) price of one GPU for one hour",
               .default_value = d.price_usd_per_gpu_hour, .min = 0, .max = 1000},
              {.key = "pue", .type = FT::number, .unit = "ratio",
               .doc = "power usage effectiveness: facility power / IT power", .default_value = d.pue, .min = 1,
               .max = 3},
              {.key = "electricity_usd_per_kwh", .type = FT::number, .unit = "USD/kWh",
               .doc = "electricity price", .default_value = d.electricity_usd_per_kwh, .min = 0, .max = 10},
              {.key = "grid_gco2_per_kwh", .type = FT::number, .unit = "gCO2e/kWh",
               .doc = "carbon intensity of the electricity", .default_value = d.grid_gco2_per_kwh, .min = 0,
               .max = 2000},
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
              source_field(),
          }};
}

Section model_entry() {
  return {.id = "models",
          .title = "Model",
          .doc = "A dense decoder-only transformer. hidden must be a multiple of heads, heads of kv_heads.",
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
              {.key = "activation", .type = FT::choice, .doc = "gelu: 2 MLP matrices; swiglu: 3",
               .required = true, .choices = {"gelu", "swiglu"}},
              {.key = "norm", .type = FT::choice, .doc = "layernorm: weight + bias; rmsnorm: weight",
               .required = true, .choices = {"layernorm", "rmsnorm"}},
              {.key = "position", .type = FT::choice,
               .doc = "learned: a max_seq_len x h table; rope and alibi: no parameters", .required = true,
               .choices = {"learned", "rope", "alibi"}},
              {.key = "tied_embeddings", .type = FT::boolean, .doc = "the output layer shares the input embedding",
               .default_value = false},
              {.key = "linear_bias", .type = FT::boolean, .doc = "GEMMs carry a bias vector (GPT) or not (Llama)",
               .default_value = false},
              {.key = "published_params_billion", .type = FT::number, .unit = "billion",
               .doc = "parameter count the authors state (a cross-check of the formulas; 0: unknown)",
               .default_value = 0.0, .min = 0, .max = 100000},
              source_field(),
          }};
}

}  // namespace

Schema make_schema() {
  return {{root_section(), cluster_section(), fabric_section(), training_section(), parallelism_section(),
           efficiency_section(), cost_section(), accelerator_entry(), link_entry(), node_entry(), model_entry()}};
}

}  // namespace orrery
