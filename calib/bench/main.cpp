// orrery-calib: measures this machine's GPU and writes a calibration profile
// (docs/calibration.md).
//
//   orrery-calib run -o profile.json [--full] [--device N] [--notes TEXT]
//   orrery-calib plan [--full]        what `run` would measure (no GPU needed)
//
// Exit codes: 0 profile written; 2 bad arguments; 3 refused: the GPU is in a
// state that makes the numbers meaningless (the message says why; nothing is
// written); 1 a CUDA / library error.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <cuda_runtime.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "calib/bench/bench_families.hpp"
#include "calib/bench/device_state.hpp"
#include "calib/bench_plan.hpp"
#include "calib/profile_json.hpp"
#include "reports/output_file.hpp"
#include "sim/scenario/catalog.hpp"

namespace {

using namespace orrery;
using namespace orrery::calib;

constexpr int kRefused = 3;
// Below this fraction of its maximum, the SM clock is taken as held down.
constexpr double kMinClockFraction = 0.70;
// Memory in use before we start that suggests another user (our own context
// takes about half a GiB).
constexpr double kBusyMemoryGib = 2.0;

std::vector<ModelSpec> catalog_models() {
  const Catalog c = Catalog::builtin();
  std::vector<ModelSpec> out;
  for (const std::string& name : c.names("models")) out.push_back(c.model(name));
  return out;
}

void print_plan(const CalibrationPlan& plan) {
  std::printf("orrery-calib plan (%s grid)\n", to_string(plan.grid));
  for (Precision p : {Precision::bf16, Precision::fp16, Precision::tf32, Precision::fp8})
    std::printf("  gemm %-5s %6zu shapes\n", to_string(p), gemm_shapes_for(plan, p).size());
  std::printf("  grid axis  %zu values, %lld .. %lld (m, n, k)\n", plan.grid_axis.size(),
              static_cast<long long>(plan.grid_axis.front()), static_cast<long long>(plan.grid_axis.back()));
  std::printf("  transformer GEMM shapes %zu, batched attention GEMMs %zu, attention shapes %zu\n",
              plan.transformer_gemms.size(), plan.attention_gemms.size(), plan.attention.size());
  std::printf("  memory streams %zu sizes x 3, elementwise %zu shapes x 6, host transfers %zu sizes x 2, "
              "collective sizes %zu x 5\n",
              plan.stream_bytes.size(), plan.elementwise.size(), plan.host_bytes.size(), plan.collective_bytes.size());
  std::printf("  repetitions: %d warm-up, then %d to %d timed (about %.0f ms per point)\n", plan.warmup, plan.min_reps,
              plan.max_reps, plan.target_ms_per_point);
}

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

void check(cudaError_t status, const char* call) {
  if (status != cudaSuccess) throw std::runtime_error(std::string(call) + " failed: " + cudaGetErrorString(status));
}

int refuse(const std::vector<std::string>& reasons) {
  std::fprintf(stderr, "orrery-calib: refusing to measure or write a profile:\n");
  for (const auto& r : reasons) std::fprintf(stderr, "  - %s\n", r.c_str());
  return kRefused;
}

struct RunArgs {
  std::string out;
  bool full = false;
  int device = 0;
  std::string notes;
  bool verbose = false;
};

int run(const RunArgs& args, const std::string& command_line) {
  const CalibrationPlan plan =
      make_calibration_plan(args.full ? CalibrationGrid::full : CalibrationGrid::quick, catalog_models());
  int gpus = 0;
  check(cudaGetDeviceCount(&gpus), "cudaGetDeviceCount");
  if (args.device < 0 || args.device >= gpus) {
    std::fprintf(stderr, "orrery-calib: --device %d: there are %d visible GPU(s)\n", args.device, gpus);
    return 2;
  }
  // Identify every GPU and check them before this process creates a context.
  std::vector<std::string> bus_ids;
  for (int g = 0; g < gpus; ++g) {
    char pci[32] = {};
    check(cudaDeviceGetPCIBusId(pci, sizeof pci, g), "cudaDeviceGetPCIBusId");
    bus_ids.emplace_back(pci);
  }
  CalibrationProfile profile;
  DeviceWatch watch;
  if (auto reasons = watch.check_idle(bus_ids, profile.conditions); !reasons.empty()) return refuse(reasons);

  check(cudaSetDevice(args.device), "cudaSetDevice");
  check(cudaFree(nullptr), "cudaFree(0) (context creation)");
  std::size_t free_bytes = 0, total_bytes = 0;
  check(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
  const double used_gib = static_cast<double>(total_bytes - free_bytes) / (1u << 30);
  profile.conditions.memory_used_gib_at_start = used_gib;
  if (used_gib > kBusyMemoryGib) {
    const std::string msg = fmt::format("{:.1f} GiB of GPU memory was in use before the benchmarks started: another "
                                        "process may be using the GPU",
                                        used_gib);
    if (!watch.has_nvml()) profile.conditions.warnings.push_back(msg);
    std::fprintf(stderr, "orrery-calib: warning: %s\n", msg.c_str());
  }
  profile.device = describe_device(args.device, gpus);
  const double clock = measure_sm_clock_mhz();
  profile.device.measured_sm_clock_mhz = clock;
  if (clock < kMinClockFraction * profile.device.max_sm_clock_mhz)
    return refuse({fmt::format("the SM clock runs at {:.0f} MHz, below {:.0f}% of its {:.0f} MHz maximum: clocks look "
                               "throttled (check nvidia-smi -q -d PERFORMANCE)",
                               clock, 100 * kMinClockFraction, profile.device.max_sm_clock_mhz)});

  BenchEnv env;
  env.plan = &plan;
  // Leave room for cuBLASLt workspaces, NCCL and the driver.
  env.memory_budget_bytes = 0.85 * static_cast<double>(free_bytes) - (1u << 30);
  env.warnings = &profile.conditions.warnings;
  env.verbose = args.verbose;
  std::fprintf(stderr, "orrery-calib: %s (%s), %d SMs, %.0f MHz; %s grid\n", profile.device.name.c_str(),
               profile.device.pci_bus_id.c_str(), profile.device.sm_count, clock, to_string(plan.grid));

  watch.start_polling(profile.device.pci_bus_id);
  std::fprintf(stderr, "launch overhead\n");
  profile.launch_overhead = measure_launch_overhead(env);
  for (Precision p : {Precision::bf16, Precision::fp16, Precision::tf32, Precision::fp8}) {
    std::string why;
    if (p == Precision::fp8 && !fp8_supported(&why)) {
      profile.conditions.warnings.push_back(why);
      continue;
    }
    std::fprintf(stderr, "gemm %s\n", to_string(p));
    for (GemmPoint& g : measure_gemms(env, p)) profile.gemm.push_back(g);
  }
  std::fprintf(stderr, "memory\n");
  profile.memory = measure_memory(env);
  std::fprintf(stderr, "attention\n");
  profile.attention = measure_attention(env);
  std::fprintf(stderr, "host transfers\n");
  profile.host_transfers = measure_host_transfers(env);
  std::fprintf(stderr, "collectives\n");
  profile.collectives = measure_collectives(env, gpus);
  check(cudaSetDevice(args.device), "cudaSetDevice");
  std::vector<std::string> refusals = watch.stop_polling(profile.conditions);
  const double clock_after = measure_sm_clock_mhz();
  if (clock_after < kMinClockFraction * profile.device.max_sm_clock_mhz)
    refusals.push_back(fmt::format("after the run the SM clock runs at {:.0f} MHz, below {:.0f}% of its {:.0f} MHz "
                                   "maximum: the GPU throttled",
                                   clock_after, 100 * kMinClockFraction, profile.device.max_sm_clock_mhz));
  if (!refusals.empty()) return refuse(refusals);

  profile.tool = std::string("orrery-calib ") + ORRERY_VERSION;
  profile.grid = to_string(plan.grid);
  profile.date_utc = utc_now();
  profile.host = host_name();
  profile.notes = args.notes.empty() ? command_line : args.notes + " (" + command_line + ")";
  const std::string text = profile_json_text(profile);
  // Never write what orrery cannot read back.
  profile_from_json(nlohmann::json::parse(text), args.out);
  write_file_atomically(args.out, text);
  std::fprintf(stderr, "orrery-calib: wrote %s (%zu GEMM, %zu memory, %zu attention points); %zu warning(s)\n",
               args.out.c_str(), profile.gemm.size(), profile.memory.size(), profile.attention.size(),
               profile.conditions.warnings.size());
  for (const auto& w : profile.conditions.warnings) std::fprintf(stderr, "  warning: %s\n", w.c_str());
  return 0;
}

int dispatch(int argc, char** argv) {
  CLI::App app{"orrery-calib: CUDA microbenchmarks that write an Orrery calibration profile"};
  app.set_version_flag("--version", std::string("orrery-calib ") + ORRERY_VERSION);
  app.require_subcommand(1);
  RunArgs args;
  auto* run_cmd = app.add_subcommand("run", "Measure this GPU and write a profile");
  run_cmd->add_option("-o,--output", args.out, "Profile file to write (atomically)")->required();
  run_cmd->add_flag("--full", args.full, "The dense grid (default: the quick one)");
  run_cmd->add_option("--device", args.device, "CUDA device index to measure (default 0)");
  run_cmd->add_option("--notes", args.notes, "Free text stored in the profile (e.g. the machine's setup)");
  run_cmd->add_flag("-v,--verbose", args.verbose, "Report every GEMM point");
  bool plan_full = false;
  auto* plan_cmd = app.add_subcommand("plan", "Print what run would measure (no GPU needed)");
  plan_cmd->add_flag("--full", plan_full, "The dense grid");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (*plan_cmd) {
    print_plan(make_calibration_plan(plan_full ? CalibrationGrid::full : CalibrationGrid::quick, catalog_models()));
    return 0;
  }
  std::string command_line;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) command_line += ' ';
    command_line += argv[i];
  }
  return run(args, command_line);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "orrery-calib: error: %s\n", e.what());
    return 1;
  }
}
