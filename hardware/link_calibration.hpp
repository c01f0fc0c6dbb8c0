#pragma once
// The scale-up link's efficiency from a calibration profile's NCCL
// measurements (docs/calibration.md, "Network").
//
// orrery-calib measures collectives over the GPUs of one node, so what a
// profile can calibrate is the scale-up link (NVLink into the node's
// switch); NICs and the fabric keep their catalog efficiencies. The network
// model runs all-gather and reduce-scatter inside a node as rings over the
// GPUs' switch ports, and a ring's bus bandwidth is what one port achieves:
// so the measured bus bandwidth of those rings at a bandwidth-bound size,
// over the link's data rate, is the link's efficiency as the model defines
// it (LinkSpec::efficiency). All-reduce is used only on a node without NVLS,
// where NCCL runs it as a ring too; with NVLS the switch reduces and its bus
// bandwidth says nothing about one port.
#include <string>

#include "hardware/calibration_profile.hpp"
#include "hardware/specs.hpp"

namespace orrery {

// Below this buffer size a collective's time is mostly its per-step
// latencies, and what is left of it too uncertain to measure a link by.
inline constexpr double kLinkCalibrationMinBytes = 64.0 * 1024 * 1024;

struct LinkCalibration {
  bool measured = false;      // false: keep the catalog efficiency (reason says why)
  double efficiency = 0;      // the rings' bus bandwidth / data rate, at most 1
  double bus_gb_per_s = 0;    // mean bus bandwidth of the rings used, their per-step latency taken out
  std::string basis;          // e.g. "all_gather and reduce_scatter over 8 GPUs at up to 1 GiB: 270.0 GB/s ..."
  std::string reason;         // when not measured
};

// The scale-up link's measured efficiency from `profile` (link: the node's
// scale-up link as the catalog gives it; nvls: the node reduces in its
// switch; step_overhead_s: the scenario's per-step collective overhead).
// The model times a ring of n GPUs as its bus bytes over the link plus one
// latency per step (GPU -> switch -> GPU: twice the link's, and the step
// overhead; n - 1 steps, 2(n - 1) for all-reduce), so that latency is taken
// out of each measured time first: the model then reproduces the measured
// time at that size.
LinkCalibration calibrate_scale_up_link(const CalibrationProfile& profile, const LinkSpec& link, bool nvls,
                                        double step_overhead_s);

}  // namespace orrery
