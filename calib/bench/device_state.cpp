#include "calib/bench/device_state.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <vector>
#include <thread>

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <fmt/format.h>

#include "calib/bench/bench_families.hpp"

namespace orrery::calib {
namespace {

void check(cudaError_t status, const char* call) {
  if (status != cudaSuccess) throw std::runtime_error(std::string(call) + " failed: " + cudaGetErrorString(status));
}

std::string version_string(int v) { return fmt::format("{}.{}", v / 1000, v % 1000 / 10); }

// NVML's clock-event reason bits (nvml.h, stable since the first release).
struct Reason {
  unsigned long long bit;
  const char* name;
  bool refuse;
};
constexpr Reason kReasons[] = {
    {0x1, "gpu_idle", false},
    {0x2, "applications_clocks_setting", false},
    {0x4, "sw_power_cap", false},
    {0x8, "hw_slowdown", true},
    {0x10, "sync_boost", false},
    {0x20, "sw_thermal_slowdown", true},
    {0x40, "hw_thermal_slowdown", true},
    {0x80, "hw_power_brake_slowdown", true},
    {0x100, "display_clock_setting", false},
};

constexpr int kNvmlSuccess = 0;
constexpr int kNvmlInsufficientSize = 7;

}  // namespace

// The few NVML entry points used, resolved by name.
class Nvml {
public:
  using Device = void*;
  struct Utilization {
    unsigned gpu = 0, memory = 0;
  };

  static std::unique_ptr<Nvml> load() {
    void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return nullptr;
    auto n = std::unique_ptr<Nvml>(new Nvml(lib));
    if (!n->init_ || !n->by_bus_ || !n->processes_ || !n->util_ || !n->reasons_ || n->init_() != kNvmlSuccess)
      return nullptr;
    n->initialized_ = true;
    return n;
  }
  ~Nvml() {
    if (initialized_ && shutdown_) shutdown_();
    dlclose(lib_);
  }
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  bool device(const std::string& bus_id, Device* out) const { return by_bus_(bus_id.c_str(), out) == kNvmlSuccess; }
  // Compute processes on the device other than this one, or -1 when NVML
  // cannot tell. (Checked before this process has a context, so it should
  // not be listed; its own pid is skipped in case the driver lists it.)
  int processes(Device d) const {
    unsigned count = 0;
    int r = processes_(d, &count, nullptr);
    if (r == kNvmlSuccess) return 0;
    if (r != kNvmlInsufficientSize) return -1;
    // nvmlProcessInfo_t of the _v2 / _v3 calls: pid, used memory, GPU and compute instance.
    struct ProcessInfo {
      unsigned pid;
      unsigned long long used_bytes;
      unsigned gpu_instance, compute_instance;
    };
    std::vector<ProcessInfo> infos(count + 8);
    unsigned n = static_cast<unsigned>(infos.size());
    r = processes_(d, &n, infos.data());
    if (r != kNvmlSuccess) return static_cast<int>(count);
    const unsigned self = static_cast<unsigned>(getpid());
    int others = 0;
    for (unsigned i = 0; i < n && i < infos.size(); ++i)
      if (infos[i].pid != self) ++others;
    return others;
  }
  bool utilization(Device d, Utilization* u) const { return util_(d, u) == kNvmlSuccess; }
  bool reasons(Device d, unsigned long long* bits) const { return reasons_(d, bits) == kNvmlSuccess; }

private:
  explicit Nvml(void* lib) : lib_(lib) {
    init_ = reinterpret_cast<int (*)()>(dlsym(lib, "nvmlInit_v2"));
    shutdown_ = reinterpret_cast<int (*)()>(dlsym(lib, "nvmlShutdown"));
    by_bus_ = reinterpret_cast<int (*)(const char*, Device*)>(dlsym(lib, "nvmlDeviceGetHandleByPciBusId_v2"));
    processes_ = reinterpret_cast<int (*)(Device, unsigned*, void*)>(
        dlsym(lib, "nvmlDeviceGetComputeRunningProcesses_v3"));
    if (!processes_)
      processes_ = reinterpret_cast<int (*)(Device, unsigned*, void*)>(
          dlsym(lib, "nvmlDeviceGetComputeRunningProcesses_v2"));
    util_ = reinterpret_cast<int (*)(Device, Utilization*)>(dlsym(lib, "nvmlDeviceGetUtilizationRates"));
    reasons_ = reinterpret_cast<int (*)(Device, unsigned long long*)>(
        dlsym(lib, "nvmlDeviceGetCurrentClocksEventReasons"));
    if (!reasons_)
      reasons_ = reinterpret_cast<int (*)(Device, unsigned long long*)>(
          dlsym(lib, "nvmlDeviceGetCurrentClocksThrottleReasons"));
  }

  void* lib_;
  bool initialized_ = false;
  int (*init_)() = nullptr;
  int (*shutdown_)() = nullptr;
  int (*by_bus_)(const char*, Device*) = nullptr;
  int (*processes_)(Device, unsigned*, void*) = nullptr;
  int (*util_)(Device, Utilization*) = nullptr;
  int (*reasons_)(Device, unsigned long long*) = nullptr;

  friend class DeviceWatch;
  // Polling state.
  std::thread poller_;
  std::atomic<bool> stop_{false};
  std::atomic<unsigned long long> seen_{0};
  std::atomic<int> refused_samples_{0};
  std::atomic<int> samples_{0};
};

CalibrationDevice describe_device(int device, int visible_gpus) {
  CalibrationDevice d;
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  d.name = prop.name;
  d.compute_capability = fmt::format("{}.{}", prop.major, prop.minor);
  d.sm_count = prop.multiProcessorCount;
  int khz = 0, bus = 0;
  check(cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, device), "cudaDeviceGetAttribute(ClockRate)");
  d.max_sm_clock_mhz = khz / 1000.0;
  check(cudaDeviceGetAttribute(&khz, cudaDevAttrMemoryClockRate, device), "cudaDeviceGetAttribute(MemoryClockRate)");
  d.memory_clock_mhz = khz / 1000.0;
  check(cudaDeviceGetAttribute(&bus, cudaDevAttrGlobalMemoryBusWidth, device), "cudaDeviceGetAttribute(BusWidth)");
  d.memory_bus_width_bits = bus;
  d.memory_gib = static_cast<double>(prop.totalGlobalMem) / (1u << 30);
  char pci[32] = {};
  check(cudaDeviceGetPCIBusId(pci, sizeof pci, device), "cudaDeviceGetPCIBusId");
  d.pci_bus_id = pci;
  int v = 0;
  check(cudaDriverGetVersion(&v), "cudaDriverGetVersion");
  d.driver_version = version_string(v);
  check(cudaRuntimeGetVersion(&v), "cudaRuntimeGetVersion");
  d.runtime_version = version_string(v);
  const std::size_t lt = cublasLtGetVersion();
  d.cublaslt_version = fmt::format("{}.{}.{}", lt / 10000, lt / 100 % 100, lt % 100);
  d.nccl_version = nccl_version();
  d.visible_gpus = visible_gpus;
  return d;
}

DeviceWatch::DeviceWatch() : nvml_(Nvml::load()) {}

DeviceWatch::~DeviceWatch() {
  if (nvml_ && nvml_->poller_.joinable()) {
    nvml_->stop_ = true;
    nvml_->poller_.join();
  }
}

bool DeviceWatch::has_nvml() const { return nvml_ != nullptr; }

std::vector<std::string> DeviceWatch::check_idle(const std::vector<std::string>& bus_ids,
                                                 CalibrationConditions& conditions) {
  std::vector<std::string> refusals;
  conditions.nvml = has_nvml();
  if (!nvml_) {
    conditions.warnings.push_back(
        "NVML (libnvidia-ml.so.1) could not be loaded: other processes and clock throttling were not checked; "
        "only the memory in use and a measured SM clock were");
    return refusals;
  }
  for (const std::string& bus : bus_ids) {
    Nvml::Device d = nullptr;
    if (!nvml_->device(bus, &d)) {
      conditions.warnings.push_back("NVML does not know the GPU at " + bus + ": it was not checked");
      continue;
    }
    const int procs = nvml_->processes(d);
    if (procs < 0) conditions.warnings.push_back("NVML could not list the processes on " + bus);
    if (procs > 0) {
      conditions.other_processes += procs;
      refusals.push_back(fmt::format("{} other process(es) have a CUDA context on the GPU at {}: their work would "
                                     "share the GPU with the benchmarks (see nvidia-smi)",
                                     procs, bus));
    }
    // Utilization over the last sample period, three times 200 ms apart.
    unsigned busiest = 0;
    for (int i = 0; i < 3; ++i) {
      Nvml::Utilization u;
      if (nvml_->utilization(d, &u)) busiest = std::max(busiest, u.gpu);
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (busiest > 5)
      refusals.push_back(fmt::format("the GPU at {} is busy ({}% utilization while orrery-calib is idle)", bus, busiest));
    unsigned long long bits = 0;
    if (nvml_->reasons(d, &bits))
      for (const Reason& r : kReasons)
        if ((bits & r.bit) && r.refuse)
          refusals.push_back(fmt::format("the GPU at {} has its clocks held down ({}) before the run", bus, r.name));
  }
  return refusals;
}

void DeviceWatch::start_polling(const std::string& bus_id) {
  if (!nvml_) return;
  Nvml::Device d = nullptr;
  if (!nvml_->device(bus_id, &d)) return;
  Nvml* n = nvml_.get();
  n->stop_ = false;
  n->poller_ = std::thread([n, d] {
    while (!n->stop_) {
      unsigned long long bits = 0;
      if (n->reasons(d, &bits)) {
        n->seen_ |= bits;
        ++n->samples_;
        for (const Reason& r : kReasons)
          if ((bits & r.bit) && r.refuse) {
            ++n->refused_samples_;
            break;
          }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
}

std::vector<std::string> DeviceWatch::stop_polling(CalibrationConditions& conditions) {
  std::vector<std::string> refusals;
  if (!nvml_ || !nvml_->poller_.joinable()) return refusals;
  nvml_->stop_ = true;
  nvml_->poller_.join();
  const unsigned long long seen = nvml_->seen_;
  std::string throttled;
  for (const Reason& r : kReasons) {
    if (!(seen & r.bit) || r.bit == 0x1) continue;   // idle between benchmarks is no event
    conditions.clock_events.push_back(r.name);
    if (!r.refuse) continue;
    if (!throttled.empty()) throttled += ", ";
    throttled += r.name;
  }
  if (!throttled.empty())
    refusals.push_back(fmt::format("clocks were held down during the run ({}) in {} of {} samples: the numbers "
                                   "describe a throttled GPU; cool it down or fix its power limit and run again",
                                   throttled, nvml_->refused_samples_.load(), nvml_->samples_.load()));
  return refusals;
}

}  // namespace orrery::calib
