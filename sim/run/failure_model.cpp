#include "sim/run/failure_model.hpp"

#include <stdexcept>

namespace orrery {

namespace {

// Llama 3 405B pre-training (Dubey et al. 2024, "The Llama 3 Herd of Models",
// Table 5): 419 unexpected interruptions in a 54-day snapshot on 16,384 H100
// GPUs in 2,048 nodes of 8 GPUs and 8 NICs. Table rows grouped by cause:
//   gpu      faulty GPU 148 + GPU system processor 17 + thermal interface/sensor 6 = 171
//   hbm      GPU HBM3 memory 72            sram  GPU SRAM memory 19
//   sdc      silent data corruption 6      nic   NIC 7
//   switch   network switch/cable 35
//   host     host maintenance 32 + SSD 3 + server chassis 2 + IO expansion board 2
//            + CPU 2 + system memory 2 = 43
//   power    power supply 3
//   software software bug 54 + dependency 2 + NCCL watchdog timeouts 7 = 63
// 171 + 72 + 19 + 6 + 7 + 35 + 43 + 3 + 63 = 419.
constexpr double kLlamaHours = 54.0 * 24.0;                 // 1,296 h
constexpr double kLlamaGpuHours = 16384.0 * kLlamaHours;    // 21,233,664 (also NIC-hours: 8 NICs per node)
constexpr double kLlamaNodeHours = 2048.0 * kLlamaHours;    // 2,654,208

std::map<std::string, double> llama3_rates() {
  const double g = 1e6 / kLlamaGpuHours, n = 1e6 / kLlamaNodeHours;
  return {{"gpu", 171 * g},  {"hbm", 72 * g},  {"sram", 19 * g},   {"sdc", 6 * g},        {"nic", 7 * g},
          {"switch", 35 * g}, {"host", 43 * n}, {"power", 3 * n}, {"software", 63 * n}};
}

// Llama 3's whole-job rate per node: 419 / 2,654,208 node-hours.
constexpr double kLlamaPerMillionNodeHours = 419.0 * 1e6 / kLlamaNodeHours;   // 157.86

// Kokolis et al. 2024, "Revisiting Reliability in Large-Scale Machine Learning
// Research Clusters" (arXiv 2410.21680): 6.50 (RSC-1) and 2.34 (RSC-2)
// failures per 1000 node-days of 8-GPU A100 nodes. The paper gives a node
// rate; it is split over the causes in Llama 3's proportions.
std::map<std::string, double> scaled_llama3(double per_thousand_node_days) {
  const double per_million_node_hours = per_thousand_node_days / 1000.0 / 24.0 * 1e6;
  std::map<std::string, double> r = llama3_rates();
  for (auto& [cause, rate] : r) rate *= per_million_node_hours / kLlamaPerMillionNodeHours;
  return r;
}

double component_count(FailureComponent per, const ClusterShape& job, bool fabric_cause) {
  switch (per) {
    case FailureComponent::gpu: return job.gpus;
    case FailureComponent::nic: return fabric_cause && job.nodes_per_leaf == 0 ? 0 : job.nics;
    case FailureComponent::node: return job.nodes;
  }
  return 0;
}

}  // namespace

const std::vector<FailureCauseInfo>& failure_causes() {
  using C = FailureComponent;
  static const std::vector<FailureCauseInfo> causes = {
      {"gpu", C::gpu, true, false},   {"hbm", C::gpu, true, false},    {"sram", C::gpu, true, false},
      {"sdc", C::gpu, true, false},   {"nic", C::nic, true, false},    {"switch", C::nic, true, true},
      {"host", C::node, true, false}, {"power", C::node, true, false}, {"software", C::node, false, false},
  };
  return causes;
}

const FailureCauseInfo& preemption_cause() {
  static const FailureCauseInfo cause{"preemption", FailureComponent::node, true, false};
  return cause;
}

const std::vector<std::string>& failure_preset_names() {
  static const std::vector<std::string> names = {"default", "llama3", "meta-rsc1", "meta-rsc2", "none"};
  return names;
}

std::map<std::string, double> failure_preset_rates(const std::string& preset) {
  if (preset == "default" || preset == "llama3") return llama3_rates();
  if (preset == "meta-rsc1") return scaled_llama3(6.50);
  if (preset == "meta-rsc2") return scaled_llama3(2.34);
  if (preset == "none") {
    std::map<std::string, double> r;
    for (const auto& c : failure_causes()) r[c.name] = 0;
    return r;
  }
  throw std::invalid_argument("unknown failure preset \"" + preset + "\"");
}

std::vector<JobFailureCause> job_failure_causes(const Scenario& s, const ClusterShape& job) {
  const std::map<std::string, double> preset = failure_preset_rates(s.failures.preset);
  std::vector<JobFailureCause> out;
  const auto add = [&](const FailureCauseInfo& info, double rate) {
    JobFailureCause c;
    c.name = info.name;
    c.rate_per_million_hours = rate;
    c.components = component_count(info.per, job, info.whole_leaf);
    c.rate_per_s = rate * 1e-6 * c.components / 3600.0;
    c.blast_nodes = !info.takes_node ? 0 : info.whole_leaf ? job.nodes_per_leaf : 1;
    if (const auto d = s.recovery.detection_overrides.find(info.name); d != s.recovery.detection_overrides.end())
      c.detection_s = d->second;
    out.push_back(c);
  };
  for (const auto& info : failure_causes()) {
    const auto o = s.failures.rate_overrides.find(info.name);
    add(info, o != s.failures.rate_overrides.end() ? o->second : preset.at(info.name));
  }
  add(preemption_cause(), s.cost.pricing == "spot" ? s.cost.spot_preemptions_per_million_node_hours : 0.0);
  return out;
}

}  // namespace orrery
