#include "sim/scenario/plan_checks.hpp"

#include <cstdint>
#include <numeric>

#include <fmt/format.h>

#include "sim/scenario/input_error.hpp"
#include "sim/scenario/limits.hpp"
#include "sim/scenario/suggest.hpp"

namespace orrery {

namespace {

using i64 = std::int64_t;

void check_precision(const Scenario& s) {
  const AcceleratorSpec& acc = s.cluster.accelerator;
  if (acc.peak_tflops(s.training.precision) > 0) return;
  std::vector<std::string> ok;
  for (Precision p : {Precision::fp32, Precision::tf32, Precision::bf16, Precision::fp16, Precision::fp8})
    if (acc.peak_tflops(p) > 0) ok.emplace_back(to_string(p));
  throw InputError("training.precision", fmt::format("\"{}\"", to_string(s.training.precision)),
                   fmt::format("{} has no {} throughput (its peak_tflops_{} is 0)", acc.name,
                               to_string(s.training.precision), to_string(s.training.precision)),
                   "supported on it: " + join_or(ok));
}

void check_tp(const Scenario& s, i64 gpus) {
  const ModelSpec& m = s.model;
  const i64 tp = s.parallelism.tp;
  if (m.heads % tp == 0 && m.kv_heads % tp == 0) return;
  std::vector<i64> valid;
  for (i64 d : divisors(std::gcd(m.heads, m.kv_heads)))
    if (d <= gpus) valid.push_back(d);
  const std::string heads =
      m.kv_heads == m.heads ? fmt::format("the {} attention heads of {}", m.heads, m.name)
                            : fmt::format("the {} attention heads and {} key/value heads of {}", m.heads,
                                          m.kv_heads, m.name);
  throw InputError("parallelism.tp", std::to_string(tp), "does not divide " + heads,
                   "try " + join_or(to_strings(valid)));
}

void check_pp(const Scenario& s) {
  const int pp = s.parallelism.pp, layers = s.model.layers;
  if (pp <= layers) return;
  throw InputError("parallelism.pp", std::to_string(pp),
                   fmt::format("more stages than the {} layers of {} (a stage holds at least one layer)", layers,
                               s.model.name),
                   fmt::format("try a divisor of {} for equal stages: {}", layers, join_or(to_strings(divisors(layers)))));
}

std::string cluster_gpus(const Scenario& s, i64 gpus) {
  return fmt::format("the cluster has {} GPUs ({} nodes x {})", gpus, s.cluster.nodes, s.cluster.node.gpus_per_node);
}

// World size = tp x cp x pp x dp (Megatron; expert parallelism lives inside
// dp). With cp 1 the messages name tp, pp and dp only.
void check_or_derive_dp(Scenario& s, bool dp_given, i64 gpus) {
  ParallelismSpec& p = s.parallelism;
  const bool cp = p.cp > 1;
  const i64 tp_cp = static_cast<i64>(p.tp) * p.cp;
  const i64 model_parallel = tp_cp * p.pp;
  const std::string mp_names = cp ? "tp x cp x pp" : "tp x pp";
  const std::string mp_values = cp ? fmt::format("tp {} x cp {} x pp {}", p.tp, p.cp, p.pp)
                                   : fmt::format("tp {} x pp {}", p.tp, p.pp);
  if (dp_given) {
    const i64 product = model_parallel * p.dp;
    if (product == gpus) return;
    std::string hint = gpus % model_parallel == 0
                           ? fmt::format("try dp {}", gpus / model_parallel)
                           : fmt::format("{} = {} does not divide {}; change {}", mp_names, model_parallel, gpus,
                                         cp ? "tp, cp or pp" : "tp or pp");
    throw InputError("parallelism", fmt::format("{} x dp {} = {}", mp_values, p.dp, product),
                     "but " + cluster_gpus(s, gpus) + "; " + mp_names + " x dp must equal it", hint);
  }
  if (gpus % model_parallel != 0) {
    // Suggest the pipeline depths that would work with this tp (and cp).
    std::vector<i64> pps;
    if (gpus % tp_cp == 0)
      for (i64 d : divisors(gpus / tp_cp))
        if (d <= s.model.layers) pps.push_back(d);
    throw InputError("parallelism", fmt::format("{} = {}", mp_values, model_parallel),
                     "does not divide the GPUs: " + cluster_gpus(s, gpus) + ", and dp = GPUs / (" + mp_names + ")",
                     pps.empty() ? fmt::format("{} {} does not divide {}; change {}", cp ? "tp x cp" : "tp",
                                               tp_cp, gpus, cp ? "tp or cp" : "tp")
                                 : "try pp " + join_or(to_strings(pps)));
  }
  p.dp = static_cast<int>(gpus / model_parallel);
}

// Context parallelism (Megatron's load-balanced ring attention): every
// sequence is cut into 2 cp equal chunks, rank i keeping chunks i and
// 2 cp - 1 - i, and the K/V blocks go through a fused attention kernel.
void check_cp(const Scenario& s) {
  const ParallelismSpec& p = s.parallelism;
  if (p.cp == 1) return;
  const i64 seq = s.training.seq_len, unit = 2 * static_cast<i64>(p.cp);
  if (seq % unit != 0) {
    std::vector<i64> valid;
    for (i64 d : divisors(seq))
      if (d % 2 == 0 && d / 2 <= 1024) valid.push_back(d / 2);
    const i64 lower = seq / unit * unit;
    throw InputError("parallelism.cp", std::to_string(p.cp),
                     fmt::format("training.seq_len {} is not a multiple of 2 x cp = {} (each rank holds two of the "
                                 "2 cp equal chunks of every sequence)",
                                 seq, unit),
                     lower > 0 ? fmt::format("try seq_len {} or {}, or cp {}", lower, lower + unit, join_or(to_strings(valid)))
                               : fmt::format("try seq_len {}", unit));
  }
  if (!s.training.flash_attention)
    throw InputError("training.flash_attention", "false",
                     fmt::format("context parallelism (cp {}) passes K/V blocks through a fused attention kernel, "
                                 "never an s x s score matrix",
                                 p.cp),
                     "set flash_attention to true, or cp to 1");
}

// Expert parallelism (Megatron): EP groups are carved out of the
// data-parallel ranks of a stage, so ep divides dp, and each rank holds a
// whole number of the routed experts, so ep divides experts.
void check_ep(const Scenario& s) {
  const ParallelismSpec& p = s.parallelism;
  const ModelSpec& m = s.model;
  if (p.ep == 1) return;
  if (!m.moe())
    throw InputError("parallelism.ep", std::to_string(p.ep),
                     fmt::format("{} is a dense model (experts 0): there are no experts to spread", m.name),
                     "set ep to 1, or pick a mixture-of-experts model (mixtral-8x7b, deepseek-v3)");
  if (m.experts % p.ep != 0 || p.dp % p.ep != 0) {
    std::vector<i64> valid;
    for (i64 d : divisors(std::gcd(m.experts, p.dp))) valid.push_back(d);
    const std::string why =
        m.experts % p.ep != 0
            ? fmt::format("does not divide the {} experts of {} (each rank holds experts / ep whole experts)",
                          m.experts, m.name)
            : fmt::format("does not divide dp {} (expert-parallel groups are carved out of the data-parallel "
                          "ranks, ep consecutive replicas each)",
                          p.dp);
    throw InputError("parallelism.ep", std::to_string(p.ep), why,
                     fmt::format("try ep {} (divisors of gcd(experts {}, dp {}))", join_or(to_strings(valid)),
                                 m.experts, p.dp));
  }
  // Megatron's alltoall dispatcher routes each TP rank's sequence shard.
  if (p.tp > 1 && !p.sp)
    throw InputError("parallelism.sp", "false",
                     fmt::format("expert parallelism (ep {}) with tensor parallelism (tp {}) needs sequence "
                                 "parallelism: each TP rank routes its 1/tp of the tokens (as Megatron requires)",
                                 p.ep, p.tp),
                     "set sp to true, or tp to 1");
}

// An all-reduce hands every rank all the gradients: the optimizer states
// may be sharded (ZeRO 1), the gradients may not (ZeRO 2 and 3 keep a shard).
// cast_add is DeepSpeed's BF16_Optimizer, which exists for ZeRO 0 and 1 only
// (its pipeline engine: "PP+BF16 only work for ZeRO Stage 1").
void check_grad_reduce(const Scenario& s) {
  const ParallelismSpec& p = s.parallelism;
  if (p.zero <= 1) return;
  if (p.grad_reduce == "all_reduce")
    throw InputError("parallelism.grad_reduce", "\"all_reduce\"",
                     fmt::format("ZeRO {} shards the gradients, so each rank reduces only its shard "
                                 "(a reduce-scatter)",
                                 p.zero),
                     "set grad_reduce to \"auto\", or zero to 0 or 1");
  if (p.grad_accumulation == "cast_add")
    throw InputError("parallelism.grad_accumulation", "\"cast_add\"",
                     fmt::format("cast_add is DeepSpeed's BF16_Optimizer, which keeps whole fp32 gradients and "
                                 "shards only the optimizer states (ZeRO 0 or 1), not ZeRO {}",
                                 p.zero),
                     "use \"add\" (or \"fused\"), or zero 0 or 1");
}

void check_batch(const Scenario& s) {
  const ParallelismSpec& p = s.parallelism;
  const i64 batch = s.training.global_batch;
  const i64 unit = static_cast<i64>(p.dp) * p.micro_batch;
  if (batch % unit == 0) return;
  const i64 lower = batch / unit * unit, upper = lower + unit;
  const std::string hint = lower > 0 ? fmt::format("try {} or {}", lower, upper) : fmt::format("try {}", upper);
  throw InputError("training.global_batch", std::to_string(batch),
                   fmt::format("must be a multiple of dp {} x micro_batch {} = {} (every replica runs whole "
                               "microbatches)",
                               p.dp, p.micro_batch, unit),
                   hint);
}

// Interleaved 1F1B (Megatron): every rank holds vpp chunks of equal size,
// and microbatches go round the pipeline in groups of pp.
void check_schedule(const Scenario& s) {
  const ParallelismSpec& p = s.parallelism;
  if (p.schedule != "interleaved") {
    if (p.vpp == 1) return;
    throw InputError("parallelism.vpp", std::to_string(p.vpp),
                     fmt::format("virtual stages need schedule \"interleaved\" (the schedule is \"{}\")", p.schedule),
                     "set schedule to \"interleaved\", or vpp to 1");
  }
  if (p.pp < 2)
    throw InputError("parallelism.schedule", "\"interleaved\"", "needs at least 2 pipeline stages (pp is 1)",
                     "use pp >= 2, or schedule \"1f1b\"");
  // Each stage's layers split over vpp chunks as evenly as possible (the
  // short ones at the model's ends, pipeline_schedule.hpp): every chunk
  // needs a layer. The fewest layers a stage gets is layers / pp (rounded down).
  const int layers = s.model.layers;
  const int fewest = layers / p.pp;
  if (p.vpp < 2 || p.vpp > fewest) {
    const std::string why =
        p.vpp < 2 ? "interleaved needs vpp >= 2 model chunks per rank"
                  : fmt::format("the {} layers of {} give some stage only {} layers over pp {}: fewer than the "
                                "vpp {} model chunks it would hold (each chunk needs a layer)",
                                layers, s.model.name, fewest, p.pp, p.vpp);
    throw InputError("parallelism.vpp", std::to_string(p.vpp), why,
                     fewest >= 2 ? fmt::format("try vpp 2 to {} (vpp dividing {} keeps every chunk the same size)",
                                               fewest, fewest)
                                 : fmt::format("with pp {} no vpp works: lower pp to at most {}", p.pp, layers / 2));
  }
  const i64 m = p.microbatches(s.training.global_batch);
  if (m % p.pp != 0) {
    const i64 unit = static_cast<i64>(p.dp) * p.micro_batch * p.pp;
    const i64 lower = s.training.global_batch / unit * unit, upper = lower + unit;
    throw InputError("training.global_batch", std::to_string(s.training.global_batch),
                     fmt::format("gives {} microbatches per replica (global_batch / (dp {} x micro_batch {})); the "
                                 "interleaved schedule needs a multiple of pp {}",
                                 m, p.dp, p.micro_batch, p.pp),
                     lower > 0 ? fmt::format("try global_batch {} or {}", lower, upper)
                               : fmt::format("try global_batch {}", upper));
  }
}

// Every batch of the ramp must run whole microbatches on every replica (and,
// interleaved, whole groups of pp), as Megatron's ramp calculator requires.
void check_batch_ramp(const Scenario& s) {
  const TrainingSpec& t = s.training;
  if (t.batch_ramp_start == 0) {
    if (t.batch_ramp_increment == 0 && t.batch_ramp_samples == 0) return;
    throw InputError("training.batch_ramp_start", "0",
                     "batch_ramp_increment or batch_ramp_samples is set but the ramp has no start",
                     "set batch_ramp_start (sequences of the first steps), or remove the ramp keys");
  }
  const ParallelismSpec& p = s.parallelism;
  const i64 unit = static_cast<i64>(p.dp) * p.micro_batch * (p.schedule == "interleaved" ? p.pp : 1);
  const std::string unit_why = p.schedule == "interleaved"
                                   ? fmt::format("dp {} x micro_batch {} x pp {} = {}", p.dp, p.micro_batch, p.pp, unit)
                                   : fmt::format("dp {} x micro_batch {} = {}", p.dp, p.micro_batch, unit);
  if (t.batch_ramp_start >= t.global_batch)
    throw InputError("training.batch_ramp_start", std::to_string(t.batch_ramp_start),
                     fmt::format("must be below global_batch {} (the ramp grows towards it)", t.global_batch),
                     "lower batch_ramp_start, or set it to 0 for no ramp");
  if (t.batch_ramp_start % unit != 0)
    throw InputError("training.batch_ramp_start", std::to_string(t.batch_ramp_start),
                     "must be a multiple of " + unit_why + " (every replica runs whole microbatches)",
                     fmt::format("try {}", std::max<i64>(unit, t.batch_ramp_start / unit * unit)));
  const i64 grow = t.global_batch - t.batch_ramp_start;
  if (t.batch_ramp_increment <= 0 || t.batch_ramp_increment % unit != 0 || grow % t.batch_ramp_increment != 0)
    throw InputError("training.batch_ramp_increment", std::to_string(t.batch_ramp_increment),
                     fmt::format("must be a positive multiple of {} that divides global_batch - batch_ramp_start = {}",
                                 unit_why, grow),
                     fmt::format("try {}", unit));
  if (!(t.batch_ramp_samples > 0))
    throw InputError("training.batch_ramp_samples", fmt::format("{}", t.batch_ramp_samples),
                     "the ramp needs the number of sequences it lasts", "BLOOM's: 9765625 (about 20B tokens)");
}

}  // namespace

void check_plan(Scenario& s, bool dp_given) {
  const i64 gpus = static_cast<i64>(s.cluster.nodes) * s.cluster.node.gpus_per_node;
  if (gpus > kMaxGpus)
    throw InputError("cluster.nodes",
                     fmt::format("{} nodes x {} GPUs = {} GPUs", s.cluster.nodes, s.cluster.node.gpus_per_node, gpus),
                     fmt::format("at most {} GPUs", kMaxGpus),
                     "every rank is simulated, so memory and time grow with the GPU count");
  check_precision(s);
  check_tp(s, gpus);
  check_pp(s);
  check_cp(s);
  check_or_derive_dp(s, dp_given, gpus);
  check_ep(s);
  check_grad_reduce(s);
  check_batch(s);
  check_schedule(s);
  check_batch_ramp(s);
}

}  // namespace orrery
