#pragma once
// The run's dollars, energy and carbon, from the simulated run (mean over its
// trials), split by where the wall-clock time went (docs/run-model.md).
//
// Dollars: every allocated GPU (the job's and the hot spares') for the whole
// wall-clock time at an hourly price per GPU:
//   on_demand, reserved, spot:  price_usd_per_gpu_hour, or price_usd_per_node_hour / GPUs per node
//   owned:  capex / (lifetime hours) + capex x operations fraction / 8760 h, plus the electricity
// Energy (IT power x PUE):
//   job GPUs at the step power (power_model.hpp) while computing (productive,
//   evaluation and rework), at idle power otherwise; hosts at host_power_w all the time;
//   fabric switches (cluster_shape.hpp) at switch_power_w all the time;
//   hot spares at idle (GPU) and host power all the time, counted as idle.
//   accelerator_mwh: the GPUs' part alone, without PUE.
//   accelerator_tdp_mwh: every allocated GPU at its TDP for the whole wall
//   time, no PUE: the upper bound that published estimates often use in place
//   of a measurement (BLOOM's 433 MWh is GPU-hours x 400 W, Luccioni et al. 2022).
//   With cost.average_power_w_per_gpu: that all-in figure for every allocated
//   GPU all the time, and nothing else.
// Carbon: energy x grid intensity; embodied: GPUs x kgCO2e per GPU x
// wall time / lifetime (reported apart, not split by cause).
// By cause: productive, evaluation, rework, restart, checkpoint by the job's
// time in each; idle = repair waits + planned stops + the spares.
#include "sim/run/run_result.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/step/step_result.hpp"

namespace orrery {

RunCost estimate_cost(const Scenario& s, const StepResult& step, const RunSimulation& run);

}  // namespace orrery
