#pragma once
// The GPU's identity and whether it is fit to measure. NVML is loaded at run
// time (dlopen of the driver's libnvidia-ml.so.1, no header needed); without
// it the checks fall back to cudaMemGetInfo and a measured SM clock, and say
// so in the profile's warnings.
//
// Refusals (orrery-calib writes no profile, and says why):
//   - another process has a compute context on a GPU we will use (NVML),
//     checked before this process creates its own;
//   - the GPU is busy (NVML utilization above 5% while we are idle);
//   - clocks held down by a thermal limit, a hardware slowdown or the power
//     brake, before or at any time during the run (NVML, polled);
//   - the SM clock, measured with a clock64() spin, below 70% of its maximum.
#include <memory>
#include <string>
#include <vector>

#include "hardware/calibration_profile.hpp"

namespace orrery::calib {

// The identity of the current CUDA device and the software versions.
CalibrationDevice describe_device(int device, int visible_gpus);

class Nvml;   // the dlopen'ed library, when there is one

class DeviceWatch {
public:
  // Loads NVML if it can. Call before any CUDA context exists.
  DeviceWatch();
  ~DeviceWatch();
  DeviceWatch(const DeviceWatch&) = delete;
  DeviceWatch& operator=(const DeviceWatch&) = delete;

  bool has_nvml() const;
  // Reasons the GPUs (PCI bus ids) are not fit to measure; empty when fit.
  // Also fills `conditions`.
  std::vector<std::string> check_idle(const std::vector<std::string>& bus_ids, CalibrationConditions& conditions);
  // Polls the clock-event reasons of `bus_id` every 100 ms until stop().
  void start_polling(const std::string& bus_id);
  // Stops polling; returns refusals for what was seen, records every reason.
  std::vector<std::string> stop_polling(CalibrationConditions& conditions);

private:
  std::unique_ptr<Nvml> nvml_;
};

}  // namespace orrery::calib
