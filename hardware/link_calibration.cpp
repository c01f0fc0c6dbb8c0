#include "hardware/link_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

namespace orrery {
namespace {

std::string size_text(double bytes) {
  const double gib = bytes / (1024.0 * 1024 * 1024);
  return gib >= 1 ? fmt::format("{:g} GiB", gib) : fmt::format("{:g} MiB", bytes / (1024.0 * 1024));
}

}  // namespace

LinkCalibration calibrate_scale_up_link(const CalibrationProfile& profile, const LinkSpec& link, bool nvls,
                                        double step_overhead_s) {
  LinkCalibration out;
  const CollectiveSection& section = profile.collectives;
  if (!section.measured || section.points.empty()) {
    out.reason = section.reason.empty() ? "the profile has no collectives" : "no collectives: " + section.reason;
    return out;
  }
  if (link.bandwidth_gb_per_s <= 0) {
    out.reason = "the scale-up link has no data rate";
    return out;
  }
  // The rings the model runs over the switch ports (see the header), and
  // what is left of a measured time once the model's per-step latency is
  // taken out (n - 1 steps, all-reduce 2(n - 1)).
  std::vector<std::string> ops = {"all_gather", "reduce_scatter"};
  if (!nvls) ops.push_back("all_reduce");
  const double step_latency_s = 2 * link.latency_us * 1e-6 + step_overhead_s;
  const auto ring_op = [&](const CollectivePoint& p) {
    return std::find(ops.begin(), ops.end(), p.op) != ops.end() && p.ranks >= 2 &&
           p.bytes >= kLinkCalibrationMinBytes;
  };
  const auto ring_steps = [](const CollectivePoint& p) { return (p.op == "all_reduce" ? 2.0 : 1.0) * (p.ranks - 1); };
  const auto transfer_seconds = [&](const CollectivePoint& p) {
    return p.time.median_us * 1e-6 - ring_steps(p) * step_latency_s;
  };
  const auto usable = [&](const CollectivePoint& p) { return ring_op(p) && transfer_seconds(p) > 0; };

  // Over the most GPUs the profile measured, each op's largest usable buffer.
  int ranks = 0;
  bool too_fast = false;   // a ring point left nothing once its latency was taken out
  for (const CollectivePoint& p : section.points) {
    if (usable(p)) ranks = std::max(ranks, p.ranks);
    too_fast = too_fast || (ring_op(p) && !usable(p));
  }
  if (ranks == 0) {
    out.reason = too_fast
                     ? "every ring took less than the model's per-step latency alone: not a ring's time"
                     : fmt::format("no {} over two GPUs or more at {} or more (smaller buffers are latency-bound){}",
                                   nvls ? "all_gather or reduce_scatter" : "all_gather, reduce_scatter or all_reduce",
                                   size_text(kLinkCalibrationMinBytes),
                                   nvls ? "; all_reduce runs in the NVLS switch and does not measure a port" : "");
    return out;
  }
  std::vector<std::string> used;
  double sum = 0, bytes = 0;
  for (const std::string& op : ops) {
    const CollectivePoint* largest = nullptr;
    for (const CollectivePoint& p : section.points)
      if (p.op == op && p.ranks == ranks && usable(p) && (!largest || p.bytes > largest->bytes)) largest = &p;
    if (!largest) continue;
    used.push_back(op);   // a ring moves steps / n of the buffer over each port
    sum += largest->bytes * ring_steps(*largest) / ranks / transfer_seconds(*largest) / 1e9;
    bytes = std::max(bytes, largest->bytes);
  }
  out.measured = true;
  out.bus_gb_per_s = sum / static_cast<double>(used.size());
  out.efficiency = std::min(1.0, out.bus_gb_per_s / link.bandwidth_gb_per_s);
  std::string names = used[0];
  for (std::size_t i = 1; i < used.size(); ++i) names += (i + 1 == used.size() ? " and " : ", ") + used[i];
  out.basis = fmt::format("{} over {} GPUs at up to {}: {:.1f} GB/s bus bandwidth (per-step latency taken out) of "
                          "{:g} GB/s{}",
                          names, ranks, size_text(bytes), out.bus_gb_per_s, link.bandwidth_gb_per_s,
                          out.bus_gb_per_s > link.bandwidth_gb_per_s ? " (above the data rate: capped at 1)" : "");
  return out;
}

}  // namespace orrery
