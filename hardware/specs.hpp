#pragma once
// Hardware specifications: plain data, filled from hardware/catalog/*.json by
// sim/scenario (whose schema declares each field's unit, range and doc).
// Units are part of every name: tflops, gib, gb_per_s (1e9 bytes/s), us, w.
#include <string>

namespace orrery {

enum class Precision { fp32, tf32, bf16, fp16, fp8 };

inline int bytes_per_element(Precision p) {
  switch (p) {
    case Precision::fp32: case Precision::tf32: return 4;
    case Precision::bf16: case Precision::fp16: return 2;
    case Precision::fp8: return 1;
  }
  return 2;
}
// Bytes of a weight (and of an activation) as training at `p` stores it: 4
// for 32-bit training, else 2 (fp8 training keeps 16-bit weights and
// activations and runs its matrix products in fp8).
inline int training_bytes(Precision p) { return p == Precision::fp32 || p == Precision::tf32 ? 4 : 2; }
const char* to_string(Precision p);
bool parse_precision(const std::string& s, Precision& out);

struct AcceleratorSpec {
  std::string name;
  std::string vendor;
  // Dense (no sparsity) peak matrix throughput; 0 means "not supported".
  double peak_tflops_fp32 = 0;
  double peak_tflops_tf32 = 0;
  double peak_tflops_bf16 = 0;
  double peak_tflops_fp16 = 0;
  double peak_tflops_fp8 = 0;
  double hbm_gib = 0;                  // capacity
  double hbm_bandwidth_gb_per_s = 0;   // peak
  int sm_count = 0;                    // streaming multiprocessors / compute units (wave quantization)
  double tdp_w = 0;
  double idle_w = 0;
  std::string source;

  double peak_tflops(Precision p) const;
};

// A link's bandwidth is per direction (links are full duplex).
struct LinkSpec {
  std::string name;
  double bandwidth_gb_per_s = 0;
  double latency_us = 0;
  std::string source;
  // How the fabric's switches pick among equal-cost paths when this link is
  // the fabric's: "ecmp" (Ethernet: a hash of the flow) or "d_mod_k"
  // (InfiniBand: the subnet manager's static tables by destination).
  std::string routing = "ecmp";
  // The fraction of the data rate that transfers achieve: link-layer and
  // protocol overhead (packet headers, flow control, NCCL's flags), from
  // measured bandwidth where published (the catalog entry's source). 1: none.
  double efficiency = 1;
  // What a transfer gets, in bytes/s (0 when the link is absent).
  double achievable_bytes_per_s() const { return bandwidth_gb_per_s * 1e9 * efficiency; }
};

struct NodeSpec {
  std::string name;
  std::string accelerator;       // catalog name
  int gpus_per_node = 8;
  std::string scale_up_link;     // catalog link: one GPU's aggregate port into the node's switch (NVSwitch)
  std::string gpu_nic_link;      // catalog link between a GPU and its NIC (PCIe)
  std::string nic_link;          // catalog link: one NIC's port into the fabric
  int nics_per_node = 8;
  double host_power_w = 0;       // CPUs, memory, fans, NICs: everything but the accelerators
  bool nvls = false;             // the scale-up switch reduces in-network (NVLink SHARP, NVSwitch gen3+)
  std::string source;
};

}  // namespace orrery
