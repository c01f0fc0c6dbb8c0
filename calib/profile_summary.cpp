#include "calib/profile_summary.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include <fmt/format.h>

namespace orrery {
namespace {

std::string bytes_label(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return b == std::floor(b) ? fmt::format("{:.0f} {}", b, units[u]) : fmt::format("{:.1f} {}", b, units[u]);
}

double tflops(double flops, const MeasuredTime& t) { return flops / (t.median_us * 1e-6) / 1e12; }
double gb_per_s(double bytes, const MeasuredTime& t) { return bytes / (t.median_us * 1e-6) / 1e9; }

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double rank = q * static_cast<double>(v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(rank));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (rank - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

const Precision kOrder[] = {Precision::fp8, Precision::bf16, Precision::fp16, Precision::tf32, Precision::fp32};

void header(std::string& out, const CalibrationProfile& p) {
  const CalibrationDevice& d = p.device;
  out += fmt::format("Calibration profile: {}\n", d.name);
  out += fmt::format("  device       compute capability {}, {} SMs, {:.1f} GiB, {} visible GPU(s)\n",
                     d.compute_capability.empty() ? "?" : d.compute_capability, d.sm_count, d.memory_gib,
                     d.visible_gpus);
  out += fmt::format("  clocks       SM {:.0f} MHz max, {:.0f} MHz measured before the run; memory {:.0f} MHz, {}-bit\n",
                     d.max_sm_clock_mhz, d.measured_sm_clock_mhz, d.memory_clock_mhz, d.memory_bus_width_bits);
  out += fmt::format("  software     driver {}, runtime {}, cuBLASLt {}, NCCL {}\n", d.driver_version,
                     d.runtime_version, d.cublaslt_version, d.nccl_version.empty() ? "-" : d.nccl_version);
  out += fmt::format("  measured     {} on {} by {}, grid {}\n", p.date_utc.empty() ? "?" : p.date_utc,
                     p.host.empty() ? "?" : p.host, p.tool.empty() ? "?" : p.tool, p.grid.empty() ? "?" : p.grid);
  const CalibrationConditions& c = p.conditions;
  std::string events;
  for (const auto& e : c.clock_events) {
    if (!events.empty()) events += ", ";
    events += e;
  }
  out += fmt::format("  conditions   NVML {}, {} other process(es), {:.2f} GiB in use at start, clock events: {}\n",
                     c.nvml ? "yes" : "no", c.other_processes, c.memory_used_gib_at_start,
                     events.empty() ? "none" : events);
  for (const auto& w : c.warnings) out += "  warning      " + w + "\n";
  if (!p.notes.empty()) out += "  notes        " + p.notes + "\n";
  const MeasuredTime& l = p.launch_overhead;
  out += fmt::format("  launch       {:.2f} us per empty kernel (p10 {:.2f}, p90 {:.2f}, {} repetitions)\n\n",
                     l.median_us, l.p10_us, l.p90_us, l.repetitions);
}

void gemm_cubes(std::string& out, const CalibrationProfile& p, const AcceleratorSpec* peak) {
  std::map<std::int64_t, std::map<Precision, const GemmPoint*>> cubes;
  std::set<Precision> precisions;
  for (const GemmPoint& g : p.gemm)
    if (g.origin == GemmOrigin::grid && g.batch == 1 && g.m == g.n && g.n == g.k) {
      cubes[g.m][g.precision] = &g;
      precisions.insert(g.precision);
    }
  if (cubes.empty()) return;
  out += "GEMM throughput, square m = n = k, TFLOP/s achieved";
  out += peak ? fmt::format(" (% of {} dense peak)\n", peak->name) : std::string(" (give --accelerator for % of peak)\n");
  out += fmt::format("  {:>8}", "size");
  for (Precision q : kOrder)
    if (precisions.count(q)) out += fmt::format(" {:>16}", to_string(q));
  out += "\n";
  for (const auto& [size, row] : cubes) {
    out += fmt::format("  {:>8}", size);
    for (Precision q : kOrder) {
      if (!precisions.count(q)) continue;
      const auto it = row.find(q);
      if (it == row.end()) {
        out += fmt::format(" {:>16}", "-");
        continue;
      }
      const double t = tflops(it->second->flops(), it->second->time);
      const double pk = peak ? peak->peak_tflops(q) : 0;
      out += pk > 0 ? fmt::format(" {:>9.1f} ({:>3.0f}%)", t, 100 * t / pk) : fmt::format(" {:>16.1f}", t);
    }
    out += "\n";
  }
  out += "\n";
}

void gemm_shapes(std::string& out, const CalibrationProfile& p) {
  std::map<std::pair<Precision, GemmOrigin>, std::vector<double>> groups;
  for (const GemmPoint& g : p.gemm)
    if (g.origin != GemmOrigin::grid) groups[{g.precision, g.origin}].push_back(tflops(g.flops(), g.time));
  if (groups.empty()) return;
  out += "GEMMs at model shapes, TFLOP/s achieved\n";
  out += fmt::format("  {:<24} {:>6} {:>8} {:>8} {:>8}\n", "shapes", "points", "p10", "median", "p90");
  for (const auto& [key, values] : groups)
    out += fmt::format("  {:<24} {:>6} {:>8.1f} {:>8.1f} {:>8.1f}\n",
                       fmt::format("{} {}", to_string(key.first), to_string(key.second)), values.size(),
                       quantile(values, 0.1), quantile(values, 0.5), quantile(values, 0.9));
  out += "\n";
}

void memory(std::string& out, const CalibrationProfile& p, const AcceleratorSpec* peak) {
  std::map<double, std::map<std::string, double>> streams;
  std::map<std::pair<std::int64_t, std::int64_t>, std::map<std::string, double>> shaped;
  std::vector<std::string> shaped_kernels;
  for (const MemoryPoint& m : p.memory) {
    const double bw = gb_per_s(m.bytes, m.time);
    if (m.rows == 0) {
      streams[m.bytes][m.kernel] = bw;
    } else {
      shaped[{m.rows, m.cols}][m.kernel] = bw;
      if (std::find(shaped_kernels.begin(), shaped_kernels.end(), m.kernel) == shaped_kernels.end())
        shaped_kernels.push_back(m.kernel);
    }
  }
  if (!streams.empty()) {
    out += "HBM bandwidth, GB/s (bytes moved: read + written)";
    out += peak ? fmt::format("; {} datasheet: {:.0f} GB/s\n", peak->name, peak->hbm_bandwidth_gb_per_s)
                : std::string("\n");
    out += fmt::format("  {:>10} {:>8} {:>8} {:>8}\n", "bytes", "read", "write", "copy");
    for (const auto& [bytes, row] : streams) {
      out += fmt::format("  {:>10}", bytes_label(bytes));
      for (const char* k : {"read", "write", "copy"}) {
        const auto it = row.find(k);
        out += it == row.end() ? fmt::format(" {:>8}", "-") : fmt::format(" {:>8.0f}", it->second);
      }
      out += "\n";
    }
    out += "\n";
  }
  if (!shaped.empty()) {
    out += "Elementwise kernels (bf16), GB/s\n";
    out += fmt::format("  {:>12}", "rows x cols");
    for (const auto& k : shaped_kernels) out += fmt::format(" {:>12}", k);
    out += "\n";
    for (const auto& [shape, row] : shaped) {
      out += fmt::format("  {:>12}", fmt::format("{}x{}", shape.first, shape.second));
      for (const auto& k : shaped_kernels) {
        const auto it = row.find(k);
        out += it == row.end() ? fmt::format(" {:>12}", "-") : fmt::format(" {:>12.0f}", it->second);
      }
      out += "\n";
    }
    out += "\n";
  }
}

void transfers(std::string& out, const CalibrationProfile& p) {
  if (p.host_transfers.empty()) return;
  std::map<double, std::map<std::string, double>> rows;
  for (const HostTransferPoint& h : p.host_transfers) rows[h.bytes][h.direction] = gb_per_s(h.bytes, h.time);
  out += "Host transfers (pinned), GB/s\n";
  out += fmt::format("  {:>10} {:>8} {:>8}\n", "size", "h2d", "d2h");
  for (const auto& [bytes, row] : rows) {
    out += fmt::format("  {:>10}", bytes_label(bytes));
    for (const char* d : {"h2d", "d2h"}) {
      const auto it = row.find(d);
      out += it == row.end() ? fmt::format(" {:>8}", "-") : fmt::format(" {:>8.1f}", it->second);
    }
    out += "\n";
  }
  out += "\n";
}

void attention(std::string& out, const CalibrationProfile& p) {
  if (p.attention.empty()) return;
  out += "Attention (unfused: batched GEMMs + softmax), TFLOP/s of its matmuls\n";
  out += fmt::format("  {:>12} {:>6} {:>6} {:>10} {:>10}\n", "batch x head", "seq", "dim", "forward", "backward");
  std::map<std::tuple<std::int64_t, std::int64_t, std::int64_t>, std::map<std::string, double>> rows;
  for (const AttentionPoint& a : p.attention) {
    const double fwd = 4.0 * static_cast<double>(a.batch_heads) * static_cast<double>(a.seq) *
                       static_cast<double>(a.seq) * static_cast<double>(a.head_dim);
    rows[{a.batch_heads, a.seq, a.head_dim}][a.direction] = tflops(a.direction == "forward" ? fwd : 2 * fwd, a.time);
  }
  for (const auto& [shape, row] : rows) {
    const auto& [bh, s, d] = shape;
    out += fmt::format("  {:>12} {:>6} {:>6}", bh, s, d);
    for (const char* dir : {"forward", "backward"}) {
      const auto it = row.find(dir);
      out += it == row.end() ? fmt::format(" {:>10}", "-") : fmt::format(" {:>10.1f}", it->second);
    }
    out += "\n";
  }
  out += "\n";
}

void collectives(std::string& out, const CalibrationProfile& p) {
  const CollectiveSection& c = p.collectives;
  if (!c.measured) {
    out += "Collectives: not measured (" + c.reason + ")\n";
    return;
  }
  out += "Collectives (NCCL), bus bandwidth GB/s\n";
  std::map<std::pair<std::string, int>, std::map<double, double>> rows;
  std::set<double> sizes;
  for (const CollectivePoint& pt : c.points) {
    rows[{pt.op, pt.ranks}][pt.bytes] = pt.bus_gb_per_s;
    sizes.insert(pt.bytes);
  }
  out += fmt::format("  {:<22}", "op (ranks)");
  for (double b : sizes) out += fmt::format(" {:>9}", bytes_label(b));
  out += "\n";
  for (const auto& [key, row] : rows) {
    out += fmt::format("  {:<22}", fmt::format("{} ({})", key.first, key.second));
    for (double b : sizes) {
      const auto it = row.find(b);
      out += it == row.end() ? fmt::format(" {:>9}", "-") : fmt::format(" {:>9.1f}", it->second);
    }
    out += "\n";
  }
}

}  // namespace

std::string render_profile_summary(const CalibrationProfile& profile, const AcceleratorSpec* peak) {
  std::string out;
  header(out, profile);
  gemm_cubes(out, profile, peak);
  gemm_shapes(out, profile);
  memory(out, profile, peak);
  transfers(out, profile);
  attention(out, profile);
  collectives(out, profile);
  return out;
}

}  // namespace orrery
