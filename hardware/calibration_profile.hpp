#pragma once
// CalibrationProfile: what `orrery-calib run` measured on one GPU, as plain
// data. The JSON form ("orrery-calibration-profile/1", docs/calibration.md)
// is read and written by calib/profile_json; CalibratedDeviceModel turns the
// tables into kernel times. Every time is one kernel launch as CUDA events
// saw it, with the launch queue kept full: the median over the repetitions
// and the 10th / 90th percentiles as its spread.
#include <cstdint>
#include <string>
#include <vector>

#include "hardware/specs.hpp"

namespace orrery {

inline constexpr const char* kCalibrationProfileFormat = "orrery-calibration-profile/1";

struct MeasuredTime {
  double median_us = 0;
  double p10_us = 0;
  double p90_us = 0;
  int repetitions = 0;
};

// Where a GEMM point's shape came from. Grid points are the interpolation
// nodes; the others are lookups for exactly their shape and the held-out set
// of `orrery calib check`.
enum class GemmOrigin { grid, transformer, attention };
const char* to_string(GemmOrigin o);
bool parse_gemm_origin(const std::string& s, GemmOrigin& out);

// C (m x n) = A (m x k) B (k x n), `batch` times (strided batched when > 1).
struct GemmPoint {
  Precision precision = Precision::bf16;
  std::int64_t m = 0, n = 0, k = 0, batch = 1;
  GemmOrigin origin = GemmOrigin::grid;
  MeasuredTime time;
  double flops() const { return 2.0 * static_cast<double>(batch) * m * n * k; }
};

// A memory-bound kernel over `bytes` of HBM traffic (reads + writes).
// Kernels: read, write, copy (pure streams) and rmsnorm, layernorm, softmax,
// gelu, swiglu, residual_add (shaped like the transformer's elementwise work;
// `rows` x `cols` elements of bf16 input). The device model times every
// memory-bound op with the copy curve; the others check that choice.
struct MemoryPoint {
  std::string kernel;
  double bytes = 0;
  std::int64_t rows = 0, cols = 0;   // 0 for the pure streams
  MeasuredTime time;
};
const std::vector<std::string>& memory_kernel_names();

// Unfused attention (QK^T, softmax, PV as separate kernels; docs/calibration.md
// says why not a fused kernel yet), forward or backward, bf16.
struct AttentionPoint {
  std::string direction;      // "forward" | "backward"
  std::string method;         // "unfused"
  std::int64_t batch_heads = 0, seq = 0, head_dim = 0;
  MeasuredTime time;
};

struct HostTransferPoint {
  std::string direction;      // "h2d" | "d2h" (pinned host memory)
  double bytes = 0;
  MeasuredTime time;
};

// One NCCL collective over `ranks` GPUs of one process. bytes: the buffer
// size as nccl-tests counts it (all-reduce: the buffer; all-gather: the
// gathered output; reduce-scatter: the input; all-to-all: each rank's send
// buffer; send/recv: the message). bus_gb_per_s: nccl-tests' bus bandwidth.
struct CollectivePoint {
  std::string op;             // all_reduce, all_gather, reduce_scatter, all_to_all, send_recv
  int ranks = 0;
  double bytes = 0;
  MeasuredTime time;
  double bus_gb_per_s = 0;
};

struct CollectiveSection {
  bool measured = false;
  std::string reason;         // why not, when not measured
  std::vector<CollectivePoint> points;
};

struct CalibrationDevice {
  std::string name;                  // as the driver names it
  std::string compute_capability;    // "9.0"
  int sm_count = 0;
  double max_sm_clock_mhz = 0;
  double measured_sm_clock_mhz = 0;  // from a clock64() spin timed by events, before the run
  double memory_clock_mhz = 0;
  int memory_bus_width_bits = 0;
  double memory_gib = 0;
  std::string pci_bus_id;
  std::string driver_version;        // CUDA driver API version ("13.0")
  std::string runtime_version;
  std::string cublaslt_version;
  std::string nccl_version;          // "" when not built with NCCL
  int visible_gpus = 1;
};

// What `orrery-calib` checked before and after measuring.
struct CalibrationConditions {
  bool nvml = false;                 // NVML was loadable (else the memory-use fallback)
  int other_processes = 0;           // compute processes on the GPU before we started
  double memory_used_gib_at_start = 0;
  std::vector<std::string> clock_events;   // NVML clock-event reasons seen during the run
  std::vector<std::string> warnings;
};

struct CalibrationProfile {
  std::string format = kCalibrationProfileFormat;
  std::string tool;                  // "orrery-calib 0.1.0"
  std::string grid;                  // "quick" | "full"
  std::string date_utc;              // ISO 8601, "2026-05-01T12:00:00Z"
  std::string host;
  std::string notes;
  CalibrationDevice device;
  CalibrationConditions conditions;
  MeasuredTime launch_overhead;      // an empty kernel, timed like every other point
  std::vector<GemmPoint> gemm;
  std::vector<MemoryPoint> memory;
  std::vector<AttentionPoint> attention;
  std::vector<HostTransferPoint> host_transfers;
  CollectiveSection collectives;
};

// "" when `profile` was measured on `accelerator` (same SM count; an
// accelerator without one matches anything), else why not, with both names:
// a profile describes one GPU model.
std::string accelerator_mismatch(const CalibrationProfile& profile, const AcceleratorSpec& accelerator);

}  // namespace orrery
