#include "sim/scenario/scenario_loader.hpp"

#include <stdexcept>

#include "sim/scenario/embedded_files.hpp"
#include "sim/scenario/entry_resolver.hpp"
#include "sim/scenario/entry_specs.hpp"
#include "sim/scenario/plan_checks.hpp"
#include "sim/scenario/schema.hpp"

namespace orrery {

namespace {

// The node and everything it refers to, each under its own JSON path.
void resolve_cluster(const nlohmann::json& c, const Catalog& catalog, const Schema& schema, ClusterSpec& out) {
  const ResolvedEntry node = resolve_entry(catalog, schema, "nodes", c.at("node"), "cluster.node");
  const auto resolve = [&](const std::string& section, const std::string& key) {
    return resolve_entry(catalog, schema, section, node.entry.at(key), "cluster.node." + key);
  };
  const ResolvedEntry acc = resolve("accelerators", "accelerator");
  const ResolvedEntry scale_up = resolve("links", "scale_up_link");
  const ResolvedEntry gpu_nic = resolve("links", "gpu_nic_link");
  const ResolvedEntry nic = resolve("links", "nic_link");

  out.node = node_from_json(node.name, node.entry);
  out.node.accelerator = acc.name;
  out.node.scale_up_link = scale_up.name;
  out.node.gpu_nic_link = gpu_nic.name;
  out.node.nic_link = nic.name;
  out.accelerator = accelerator_from_json(acc.name, acc.entry);
  out.scale_up = link_from_json(scale_up.name, scale_up.entry);
  out.gpu_nic = link_from_json(gpu_nic.name, gpu_nic.entry);
  out.nic = link_from_json(nic.name, nic.entry);
  out.nodes = c.at("nodes").get<int>();

  const nlohmann::json& f = c.at("fabric");
  FabricSpec& fabric = out.fabric;
  fabric.topology = f.at("topology").get<std::string>();
  fabric.tiers = f.at("tiers").get<int>();
  fabric.oversubscription = f.at("oversubscription").get<double>();
  fabric.switch_radix = f.at("switch_radix").get<int>();
  fabric.rail_optimized = f.at("rail_optimized").get<bool>();
  if (f.contains("link")) {
    const ResolvedEntry link = resolve_entry(catalog, schema, "links", f.at("link"), "cluster.fabric.link");
    fabric.link = link_from_json(link.name, link.entry);
  } else {
    fabric.link = out.nic;
  }
  fabric.switch_latency_us = f.at("switch_latency_us").get<double>();
}

}  // namespace

Scenario parse_scenario(const nlohmann::json& doc, const Catalog& catalog) {
  const Schema schema = make_schema();
  const nlohmann::json root = normalize_section(doc, schema.at(""), schema, "", true);

  Scenario s;
  s.name = root.at("name").get<std::string>();
  s.description = root.at("description").get<std::string>();
  s.seed = root.at("seed").get<std::uint64_t>();

  const ResolvedEntry model = resolve_entry(catalog, schema, "models", root.at("model"), "model");
  s.model = model_from_json(model.name, model.entry);
  resolve_cluster(root.at("cluster"), catalog, schema, s.cluster);

  const nlohmann::json& t = root.at("training");
  s.training.seq_len = t.at("seq_len").get<int>();
  s.training.global_batch = t.at("global_batch").get<int>();
  if (!parse_precision(t.at("precision").get<std::string>(), s.training.precision))
    throw std::logic_error("orrery: training.precision choices and parse_precision disagree");
  s.training.optimizer = t.at("optimizer").get<std::string>();
  s.training.total_tokens = t.at("total_tokens").get<double>();
  s.training.flash_attention = t.at("flash_attention").get<bool>();

  const nlohmann::json& p = root.at("parallelism");
  s.parallelism.tp = p.at("tp").get<int>();
  s.parallelism.pp = p.at("pp").get<int>();
  const bool dp_given = p.contains("dp");
  if (dp_given) s.parallelism.dp = p.at("dp").get<int>();
  s.parallelism.micro_batch = p.at("micro_batch").get<int>();
  s.parallelism.schedule = p.at("schedule").get<std::string>();
  s.parallelism.recompute = p.at("recompute").get<std::string>();
  s.parallelism.grad_bucket_mib = p.at("grad_bucket_mib").get<double>();

  const nlohmann::json& e = root.at("efficiency");
  s.efficiency.gemm = e.at("gemm").get<double>();
  s.efficiency.memory = e.at("memory").get<double>();
  s.efficiency.launch_overhead_us = e.at("launch_overhead_us").get<double>();

  const nlohmann::json& c = root.at("cost");
  s.cost.price_usd_per_gpu_hour = c.at("price_usd_per_gpu_hour").get<double>();
  s.cost.pue = c.at("pue").get<double>();
  s.cost.electricity_usd_per_kwh = c.at("electricity_usd_per_kwh").get<double>();
  s.cost.grid_gco2_per_kwh = c.at("grid_gco2_per_kwh").get<double>();

  check_plan(s, dp_given);
  return s;
}

Scenario load_scenario_file(const std::string& path, const Catalog& catalog) {
  return parse_scenario(read_json_file(path), catalog);
}

const std::string& default_scenario_json() {
  // Immutable once built: a copy of the compiled-in scenarios/default.json.
  static const std::string text = [] {
    for (const auto& f : embedded_files())
      if (f.path == "scenarios/default.json") return std::string(f.text);
    return std::string();
  }();
  return text;
}

Scenario default_scenario(const Catalog& catalog) {
  return parse_scenario(parse_json_text(default_scenario_json(), "builtin:scenarios/default.json"), catalog);
}

}  // namespace orrery
