#include "sim/step/simulate_step.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "hardware/calibrated_device_model.hpp"
#include "hardware/device_model.hpp"
#include "models/parameters.hpp"
#include "sim/collectives/collective.hpp"
#include "sim/engine/engine.hpp"
#include "sim/network/flow_network.hpp"
#include "sim/network/topology.hpp"
#include "sim/step/memory_estimate.hpp"
#include "sim/step/micro_batch_search.hpp"
#include "sim/step/rank_layout.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_program.hpp"

namespace orrery {

StepResult simulate_step(const Scenario& s, const StepOptions& options) {
  if (s.parallelism.micro_batch_auto) return search_micro_batch(s, options);
  const auto& par = s.parallelism;
  const RankLayout layout(par, s.model.layers);
  if (layout.ranks() != s.cluster.gpus())
    throw std::logic_error("simulate_step: tp x cp x pp x dp != GPUs (the scenario validator should have caught it)");

  StepResult result;
  result.micro_batch = s.parallelism.micro_batch;
  result.memory = estimate_memory(s, layout);
  result.fits = std::all_of(result.memory.begin(), result.memory.end(), [](const StageMemory& m) { return m.fits(); });
  if (!result.fits) return result;

  // Measured kernel times when the scenario names a calibration profile.
  std::unique_ptr<const KernelTimer> device;
  if (s.calibration)
    device = std::make_unique<const CalibratedDeviceModel>(s.cluster.accelerator, s.efficiency, s.calibration);
  else
    device = std::make_unique<const DeviceModel>(s.cluster.accelerator, s.efficiency);
  const StepProgram program = build_step_program(s, layout, *device, options.forward_only);
  const Topology topology(s.cluster);
  Engine engine;
  FlowNetwork network(engine, topology);
  CollectiveRunner collectives(engine, network, topology, s.collectives);
  StepExecutor executor(engine, program, layout, collectives, options.trace_ranks);
  executor.start();
  result.events = engine.run();
  if (!executor.finished())
    throw std::logic_error("simulate_step: the step deadlocked (a rank never finished); this is a bug");

  const auto& accounts = executor.accounts();
  auto slowest = std::max_element(accounts.begin(), accounts.end(),
                                  [](const RankAccount& a, const RankAccount& b) { return a.finish_ns < b.finish_ns; });
  result.time_s = static_cast<double>(slowest->finish_ns) * 1e-9;
  const RankAccount& a = *slowest;
  result.breakdown.compute_s = a.compute_s;
  result.breakdown.exposed_tp_comm_s = a.tp_wait_s;
  result.breakdown.exposed_pp_comm_s = a.pp_comm_s;
  result.breakdown.exposed_dp_comm_s = a.dp_wait_s;
  result.breakdown.exposed_ep_comm_s = a.ep_wait_s;
  result.breakdown.exposed_cp_comm_s = a.cp_wait_s;
  result.breakdown.bubble_s = a.bubble_s;
  result.breakdown.idle_s = std::max(0.0, result.time_s - a.compute_s - a.tp_wait_s - a.pp_comm_s - a.dp_wait_s -
                                              a.bubble_s - a.ep_wait_s - a.cp_wait_s);
  // The clock ticks in nanoseconds: less than one is the rounding of the sums above.
  if (result.breakdown.idle_s < 1e-9) result.breakdown.idle_s = 0;
  double busy = 0;
  for (const auto& acc : accounts) busy += acc.compute_s;
  result.compute_fraction = busy / (static_cast<double>(accounts.size()) * result.time_s);

  const double tokens = static_cast<double>(s.training.global_batch) * s.training.seq_len;
  const double gpus = s.cluster.gpus();
  result.tokens_per_s = tokens / result.time_s;
  // Training counts forward + backward (3 x forward); an evaluation batch the forward.
  result.model_flops = model_flops_per_token(s.model, s.training.seq_len) * tokens / (options.forward_only ? 3 : 1);
  for (const auto& sp : program.stages) result.hardware_flops += sp.hardware_flops * par.tp * par.cp * par.dp;
  double peak = s.cluster.accelerator.peak_tflops(s.training.precision);
  if (peak <= 0) peak = s.cluster.accelerator.peak_tflops_bf16;
  result.tflops_per_gpu = result.model_flops / result.time_s / gpus / 1e12;
  result.mfu = result.tflops_per_gpu / peak;
  result.hfu = result.hardware_flops / result.time_s / gpus / 1e12 / peak;
  result.timeline = executor.take_timeline();
  return result;
}

}  // namespace orrery
