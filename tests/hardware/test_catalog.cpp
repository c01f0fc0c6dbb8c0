// The hardware catalog files (hardware/catalog/*.json): every entry carries a
// source, has exactly the spec struct's members, positive physical numbers,
// and node references resolve. sim/scenario does the full schema validation;
// this guards the data itself.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "hardware/device_model.hpp"
#include "sim/scenario/catalog.hpp"

using nlohmann::json;

namespace {

json load(const std::string& file, const std::string& section) {
  const std::string path = std::string(ORRERY_SOURCE_DIR) + "/hardware/catalog/" + file;
  std::ifstream in(path);
  REQUIRE(in.good());
  const json doc = json::parse(in);
  REQUIRE(doc.is_object());
  REQUIRE(doc.size() == 1);  // one section per file
  REQUIRE(doc.contains(section));
  REQUIRE(doc.at(section).is_object());
  return doc.at(section);
}

std::set<std::string> keys_of(const json& entry) {
  std::set<std::string> keys;
  for (const auto& [k, v] : entry.items()) keys.insert(k);
  return keys;
}

bool has_source(const json& e) {
  return e.contains("source") && e.at("source").is_string() && e.at("source").get<std::string>().size() > 20;
}

}  // namespace

TEST_CASE("catalog accelerators: the expected entries, exact keys, sources, sane numbers") {
  const json accs = load("accelerators.json", "accelerators");
  for (const char* name : {"v100-sxm2-32gb", "a100-sxm-80gb", "h100-sxm", "h200-sxm", "b200",
                           "mi300x", "tpu-v3", "tpu-v4", "tpu-v5p"}) {
    CHECK(accs.contains(name));
  }
  const std::set<std::string> members = {
      "vendor",  "peak_tflops_fp32", "peak_tflops_tf32", "peak_tflops_bf16",       "peak_tflops_fp16",
      "peak_tflops_fp8", "hbm_gib",  "hbm_bandwidth_gb_per_s", "sm_count", "tdp_w", "idle_w", "source"};
  for (const auto& [name, e] : accs.items()) {
    INFO(name);
    CHECK(keys_of(e) == members);
    CHECK(has_source(e));
    const auto a = orrery::Catalog::builtin().accelerator(name);
    CHECK(a.hbm_gib > 0);
    CHECK(a.hbm_bandwidth_gb_per_s > 0);
    CHECK(a.sm_count >= 1);
    CHECK(a.tdp_w > 0);
    CHECK(a.idle_w > 0);
    CHECK(a.idle_w < a.tdp_w);
    // Every part trains in some 16-bit format.
    CHECK((a.peak_tflops_bf16 > 0 || a.peak_tflops_fp16 > 0));
    // Narrower formats are never slower than wider ones on the same part.
    const double chain[] = {a.peak_tflops_fp32, a.peak_tflops_tf32, a.peak_tflops_bf16, a.peak_tflops_fp8};
    double widest_so_far = 0;
    for (double peak : chain) {
      CHECK(peak >= 0);
      if (peak > 0) {
        CHECK(peak >= widest_so_far);
        widest_so_far = peak;
      }
    }
    // bf16 and fp16 share the matrix units where both exist (DeviceModel's fallback relies on it).
    if (a.peak_tflops_bf16 > 0 && a.peak_tflops_fp16 > 0) CHECK(a.peak_tflops_bf16 == a.peak_tflops_fp16);
    // The model accepts every entry, and no kernel beats the datasheet peak.
    const orrery::DeviceModel dm(a, orrery::DeviceEfficiency{});
    orrery::KernelWork w;
    w.kind = orrery::KernelKind::gemm;
    w.m = w.n = w.k = 8192;
    w.flops = 2.0 * 8192 * 8192 * 8192;
    w.bytes = 3.0 * 8192 * 8192 * 2;
    const double peak = (a.peak_tflops_bf16 > 0 ? a.peak_tflops_bf16 : a.peak_tflops_fp16) * 1e12;
    CHECK(dm.seconds(w, orrery::Precision::bf16) > w.flops / peak);
  }
}

TEST_CASE("catalog links: the expected entries, exact keys, sources, positive numbers") {
  const json links = load("links.json", "links");
  for (const char* name : {"nvlink2", "nvlink3", "nvlink4", "nvlink5", "pcie4-x16", "pcie5-x16", "ib-edr",
                           "ib-hdr", "ib-ndr", "ib-xdr", "roce-400g", "omnipath-100", "omnipath-100-staged", "tpu-ici-v4",
                           "tpu-ici-v5p", "infinity-fabric"}) {
    CHECK(links.contains(name));
  }
  const std::set<std::string> members = {"bandwidth_gb_per_s", "latency_us", "source"};
  for (const auto& [name, e] : links.items()) {
    INFO(name);
    // InfiniBand and Omni-Path links say their fabric is routed by
    // destination (D-mod-K); the others take the default, ECMP.
    const bool ib = name.rfind("ib-", 0) == 0;
    const bool by_destination = ib || name.rfind("omnipath-", 0) == 0;
    // NVLink, PCIe, InfiniBand, RoCE and Jean Zay's Omni-Path ports carry a
    // measured efficiency; links without a published measurement (TPU ICI,
    // Infinity Fabric, the Omni-Path wire) do not.
    const bool measured = ib || name.rfind("nvlink", 0) == 0 || name.rfind("pcie", 0) == 0 ||
                          name == "roce-400g" || name == "omnipath-100-staged";
    std::set<std::string> expected = members;
    if (by_destination) expected.insert("routing");
    if (measured) expected.insert("efficiency");
    CHECK(keys_of(e) == expected);
    if (by_destination) CHECK(e.at("routing").get<std::string>() == "d_mod_k");
    if (measured) {
      // The staged Omni-Path port's is NCCL's on Jean Zay without GPUDirect
      // RDMA (derived in tests/validation/jean_zay_network_test.cpp).
      CHECK(e.at("efficiency").get<double>() > (name == "omnipath-100-staged" ? 0.3 : 0.5));
      CHECK(e.at("efficiency").get<double>() < 1);
      CHECK(e.at("source").get<std::string>().find("efficiency") != std::string::npos);
    }
    CHECK(has_source(e));
    CHECK(e.at("bandwidth_gb_per_s").get<double>() > 0);
    CHECK(e.at("latency_us").get<double>() > 0);
    // Each source says whether its bandwidth is one port or a device's aggregate.
    const auto src = e.at("source").get<std::string>();
    CHECK((src.find("per port") != std::string::npos || src.find("aggregate") != std::string::npos));
  }
  // Line rates: 1 Gb/s = 0.125 GB/s.
  CHECK(links.at("ib-hdr").at("bandwidth_gb_per_s").get<double>() == 200 * 0.125);
  CHECK(links.at("ib-ndr").at("bandwidth_gb_per_s").get<double>() == 400 * 0.125);
  CHECK(links.at("ib-xdr").at("bandwidth_gb_per_s").get<double>() == 800 * 0.125);
  CHECK(links.at("omnipath-100").at("bandwidth_gb_per_s").get<double>() == 100 * 0.125);
}

TEST_CASE("catalog nodes: exact keys, sources, and every reference resolves") {
  const json accs = load("accelerators.json", "accelerators");
  const json links = load("links.json", "links");
  const json nodes = load("nodes.json", "nodes");
  for (const char* name : {"dgx-a100", "dgx-h100", "hgx-h200", "dgx-b200", "jean-zay-a100", "dgx-v100",
                           "mi300x-platform"}) {
    CHECK(nodes.contains(name));
  }
  const std::set<std::string> members = {"accelerator",  "gpus_per_node", "scale_up_link", "gpu_nic_link",
                                         "nic_link",     "nics_per_node", "host_power_w",  "source"};
  for (const auto& [name, e] : nodes.items()) {
    INFO(name);
    // "nvls" (in-switch reduction) is optional: given only where the switch has it.
    std::set<std::string> expected = members;
    if (e.contains("nvls")) {
      expected.insert("nvls");
      CHECK(e.at("nvls").get<bool>());
    }
    CHECK(keys_of(e) == expected);
    CHECK(has_source(e));
    CHECK(accs.contains(e.at("accelerator").get<std::string>()));
    for (const char* link : {"scale_up_link", "gpu_nic_link", "nic_link"}) {
      CHECK(links.contains(e.at(link).get<std::string>()));
    }
    CHECK(e.at("gpus_per_node").get<int>() >= 1);
    CHECK(e.at("nics_per_node").get<int>() >= 1);
    CHECK(e.at("host_power_w").get<double>() > 0);
  }
  // BLOOM's Jean Zay nodes: 4 Omni-Path 100 Gb/s NICs for 8 GPUs.
  CHECK(nodes.at("jean-zay-a100").at("nics_per_node").get<int>() == 4);
  CHECK(nodes.at("jean-zay-a100").at("nic_link").get<std::string>() == "omnipath-100-staged");
}
