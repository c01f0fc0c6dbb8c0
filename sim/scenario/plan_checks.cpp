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

void check_or_derive_dp(Scenario& s, bool dp_given, i64 gpus) {
  ParallelismSpec& p = s.parallelism;
  const i64 model_parallel = static_cast<i64>(p.tp) * p.pp;
  if (dp_given) {
    const i64 product = model_parallel * p.dp;
    if (product == gpus) return;
    std::string hint = gpus % model_parallel == 0
                           ? fmt::format("try dp {}", gpus / model_parallel)
                           : fmt::format("tp x pp = {} does not divide {}; change tp or pp", model_parallel, gpus);
    throw InputError("parallelism", fmt::format("tp {} x pp {} x dp {} = {}", p.tp, p.pp, p.dp, product),
                     "but " + cluster_gpus(s, gpus) + "; tp x pp x dp must equal it", hint);
  }
  if (gpus % model_parallel != 0) {
    // Suggest the pipeline depths that would work with this tp.
    std::vector<i64> pps;
    if (gpus % p.tp == 0)
      for (i64 d : divisors(gpus / p.tp))
        if (d <= s.model.layers) pps.push_back(d);
    throw InputError("parallelism", fmt::format("tp {} x pp {} = {}", p.tp, p.pp, model_parallel),
                     "does not divide the GPUs: " + cluster_gpus(s, gpus) + ", and dp = GPUs / (tp x pp)",
                     pps.empty() ? fmt::format("tp {} does not divide {}; change tp", p.tp, gpus)
                                 : "try pp " + join_or(to_strings(pps)));
  }
  p.dp = static_cast<int>(gpus / model_parallel);
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
  const int layers = s.model.layers;
  if (p.vpp < 2 || layers % (p.pp * p.vpp) != 0) {
    std::vector<i64> valid;
    if (layers % p.pp == 0)
      for (i64 v : divisors(layers / p.pp))
        if (v >= 2) valid.push_back(v);
    const std::string why =
        p.vpp < 2 ? "interleaved needs vpp >= 2 model chunks per rank"
                  : fmt::format("pp {} x vpp {} = {} does not divide the {} layers of {} (every chunk holds the "
                                "same number of layers)",
                                p.pp, p.vpp, p.pp * p.vpp, layers, s.model.name);
    throw InputError("parallelism.vpp", std::to_string(p.vpp), why,
                     valid.empty() ? fmt::format("with pp {} no vpp works: pick pp dividing {} with {} / pp >= 2",
                                                 p.pp, layers, layers)
                                   : "try vpp " + join_or(to_strings(valid)));
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
  check_or_derive_dp(s, dp_given, gpus);
  check_batch(s);
  check_schedule(s);
}

}  // namespace orrery
