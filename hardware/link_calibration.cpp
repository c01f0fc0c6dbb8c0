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

LinkCalibration calibrate_scale_up_link(const CalibrationProfile& profile, const LinkSpec& link, bool nvls) {
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
  // The rings the model runs over the switch ports (see the header).
  std::vector<std::string> ops = {"all_gather", "reduce_scatter"};
  if (!nvls) ops.push_back("all_reduce");

  // Over the most GPUs the profile measured, each op's largest buffer.
  int ranks = 0;
  for (const CollectivePoint& p : section.points)
    if (std::find(ops.begin(), ops.end(), p.op) != ops.end()) ranks = std::max(ranks, p.ranks);
  if (ranks < 2) {
    out.reason = nvls ? "no all_gather or reduce_scatter over two GPUs or more (all_reduce runs in the NVLS switch)"
                      : "no all_gather, reduce_scatter or all_reduce over two GPUs or more";
    return out;
  }
  std::vector<std::string> used;
  double sum = 0, bytes = 0;
  for (const std::string& op : ops) {
    const CollectivePoint* largest = nullptr;
    for (const CollectivePoint& p : section.points)
      if (p.op == op && p.ranks == ranks && (!largest || p.bytes > largest->bytes)) largest = &p;
    if (!largest || largest->bytes < kLinkCalibrationMinBytes || !(largest->bus_gb_per_s > 0)) continue;
    used.push_back(op);
    sum += largest->bus_gb_per_s;
    bytes = std::max(bytes, largest->bytes);
  }
  if (used.empty()) {
    out.reason = fmt::format("no ring collective over {} GPUs at {} or more (smaller buffers are latency-bound)",
                             ranks, size_text(kLinkCalibrationMinBytes));
    return out;
  }
  out.measured = true;
  out.bus_gb_per_s = sum / static_cast<double>(used.size());
  out.efficiency = std::min(1.0, out.bus_gb_per_s / link.bandwidth_gb_per_s);
  std::string names = used[0];
  for (std::size_t i = 1; i < used.size(); ++i) names += (i + 1 == used.size() ? " and " : ", ") + used[i];
  out.basis = fmt::format("{} over {} GPUs at up to {}: {:.1f} GB/s bus bandwidth of {:g} GB/s{}", names, ranks,
                          size_text(bytes), out.bus_gb_per_s, link.bandwidth_gb_per_s,
                          out.bus_gb_per_s > link.bandwidth_gb_per_s ? " (above the data rate: capped at 1)" : "");
  return out;
}

}  // namespace orrery
