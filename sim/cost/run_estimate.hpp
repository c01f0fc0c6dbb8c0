#pragma once
// The naive (failure-free) whole-run estimate and its cost.
namespace orrery {

struct RunEstimate {
  double steps = 0;                 // steps to reach the training tokens
  double seconds = 0;               // steps x step time
  double days = 0;
  double gpu_hours = 0;             // every allocated GPU for the whole run
  double usd = 0;                   // gpu_hours x price
  double avg_power_w_per_gpu = 0;   // accelerator, averaged over the step
  double energy_mwh = 0;            // (accelerators + hosts) x time x PUE
  double energy_usd = 0;            // energy x electricity price (included in the rental price)
  double tco2e = 0;                 // energy x grid intensity
  double usd_per_million_tokens = 0;
};

}  // namespace orrery
