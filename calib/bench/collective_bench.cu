// NCCL collectives over every visible GPU of this process (one communicator
// per GPU, ncclCommInitAll), bf16, across sizes. Times are host wall-clock
// from the grouped launch to the end of every GPU's stream, per repetition
// (as nccl-tests times them); bus bandwidth by nccl-tests' formulas:
//   all_reduce  busbw = S/t . 2(n-1)/n      (S: the buffer)
//   all_gather, reduce_scatter, all_to_all  busbw = S/t . (n-1)/n
//                (S: gathered output / scattered input / each rank's send buffer)
//   send_recv   busbw = S/t                 (a ring: every rank sends S to the next)
// With fewer than two GPUs, or without NCCL, the section says why and holds
// no points.
#include <chrono>
#include <cstdio>

#include "calib/bench/bench_families.hpp"
#include "calib/bench/cuda_util.cuh"

#if ORRERY_CALIB_NCCL
#include <nccl.h>
#endif

namespace orrery::calib {

#if ORRERY_CALIB_NCCL

#define ORRERY_NCCL(call)                                                                       \
  do {                                                                                          \
    const ncclResult_t orrery_status_ = (call);                                                 \
    if (orrery_status_ != ncclSuccess)                                                          \
      ::orrery::calib::cuda_failure(#call, __FILE__, __LINE__, ncclGetErrorString(orrery_status_)); \
  } while (0)

std::string nccl_version() {
  int v = 0;
  ORRERY_NCCL(ncclGetVersion(&v));
  // NCCL >= 2.9: major * 10000 + minor * 100 + patch.
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

CollectiveSection measure_collectives(const BenchEnv& env, int gpus) {
  CollectiveSection section;
  if (gpus < 2) {
    section.reason = "one visible GPU: collectives need two or more";
    return section;
  }
  const CalibrationPlan& plan = *env.plan;
  int original = 0;
  ORRERY_CUDA(cudaGetDevice(&original));
  std::vector<ncclComm_t> comms(gpus);
  ORRERY_NCCL(ncclCommInitAll(comms.data(), gpus, nullptr));
  double largest = 0;
  for (double b : plan.collective_bytes)
    if (2 * b <= env.memory_budget_bytes) largest = std::max(largest, b);
  const std::size_t size = static_cast<std::size_t>(largest);
  std::vector<void*> send(gpus, nullptr), recv(gpus, nullptr);
  std::vector<cudaStream_t> streams(gpus, nullptr);
  for (int g = 0; g < gpus; ++g) {
    ORRERY_CUDA(cudaSetDevice(g));
    ORRERY_CUDA(cudaMalloc(&send[g], size));
    ORRERY_CUDA(cudaMalloc(&recv[g], size));
    ORRERY_CUDA(cudaStreamCreateWithFlags(&streams[g], cudaStreamNonBlocking));
    fill_random(send[g], size / 2, FillType::bf16, 0x6e63636cu + static_cast<unsigned>(g), streams[g]);
  }
  const double n = gpus;
  const auto run = [&](const std::string& op, double bytes) {
    const std::size_t count = static_cast<std::size_t>(bytes) / 2;   // bf16 elements in S
    const std::size_t share = count / static_cast<std::size_t>(gpus);
    ORRERY_NCCL(ncclGroupStart());
    for (int g = 0; g < gpus; ++g) {
      if (op == "all_reduce") {
        ORRERY_NCCL(ncclAllReduce(send[g], recv[g], count, ncclBfloat16, ncclSum, comms[g], streams[g]));
      } else if (op == "all_gather") {
        ORRERY_NCCL(ncclAllGather(send[g], recv[g], share, ncclBfloat16, comms[g], streams[g]));
      } else if (op == "reduce_scatter") {
        ORRERY_NCCL(ncclReduceScatter(send[g], recv[g], share, ncclBfloat16, ncclSum, comms[g], streams[g]));
      } else if (op == "all_to_all") {
        for (int peer = 0; peer < gpus; ++peer) {
          ORRERY_NCCL(ncclSend(static_cast<char*>(send[g]) + peer * share * 2, share, ncclBfloat16, peer, comms[g], streams[g]));
          ORRERY_NCCL(ncclRecv(static_cast<char*>(recv[g]) + peer * share * 2, share, ncclBfloat16, peer, comms[g], streams[g]));
        }
      } else {   // send_recv ring
        ORRERY_NCCL(ncclSend(send[g], count, ncclBfloat16, (g + 1) % gpus, comms[g], streams[g]));
        ORRERY_NCCL(ncclRecv(recv[g], count, ncclBfloat16, (g + gpus - 1) % gpus, comms[g], streams[g]));
      }
    }
    ORRERY_NCCL(ncclGroupEnd());
  };
  const auto sync_all = [&] {
    for (int g = 0; g < gpus; ++g) ORRERY_CUDA(cudaStreamSynchronize(streams[g]));
  };
  for (const char* op : {"all_reduce", "all_gather", "reduce_scatter", "all_to_all", "send_recv"}) {
    for (double bytes : plan.collective_bytes) {
      if (bytes > largest || static_cast<std::size_t>(bytes) / 2 < static_cast<std::size_t>(gpus)) continue;
      const auto timed = [&] {
        const auto t0 = std::chrono::steady_clock::now();
        run(op, bytes);
        sync_all();
        return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      };
      for (int i = 0; i < plan.warmup; ++i) timed();
      const int reps = repetitions_for(plan, timed());
      std::vector<double> samples;
      for (int i = 0; i < reps; ++i) samples.push_back(timed());
      CollectivePoint p;
      p.op = op;
      p.ranks = gpus;
      p.bytes = bytes;
      p.time = summarize_samples(std::move(samples));
      const double algbw = bytes / (p.time.median_us * 1e-6) / 1e9;
      const std::string o = op;
      p.bus_gb_per_s = o == "all_reduce" ? algbw * 2 * (n - 1) / n : o == "send_recv" ? algbw : algbw * (n - 1) / n;
      section.points.push_back(p);
    }
    std::fprintf(stderr, "  nccl %s: %zu sizes\n", op, plan.collective_bytes.size());
  }
  for (int g = 0; g < gpus; ++g) {
    ORRERY_CUDA(cudaSetDevice(g));
    ORRERY_CUDA(cudaStreamDestroy(streams[g]));
    ORRERY_CUDA(cudaFree(send[g]));
    ORRERY_CUDA(cudaFree(recv[g]));
    ncclCommDestroy(comms[g]);
  }
  ORRERY_CUDA(cudaSetDevice(original));
  section.measured = !section.points.empty();
  if (!section.measured) section.reason = "no collective size fitted the memory budget";
  return section;
}

#else

std::string nccl_version() { return {}; }

CollectiveSection measure_collectives(const BenchEnv&, int gpus) {
  CollectiveSection section;
  section.reason = gpus < 2 ? "one visible GPU: collectives need two or more"
                            : "orrery-calib was built without NCCL (nccl.h and libnccl not found)";
  return section;
}

#endif

}  // namespace orrery::calib
