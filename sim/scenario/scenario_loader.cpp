#include "sim/scenario/scenario_loader.hpp"

#include <filesystem>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "calib/profile_json.hpp"
#include "hardware/link_calibration.hpp"

#include "sim/scenario/embedded_files.hpp"
#include "sim/scenario/entry_resolver.hpp"
#include "sim/scenario/entry_specs.hpp"
#include "sim/scenario/input_error.hpp"
#include "sim/scenario/plan_checks.hpp"
#include "sim/scenario/schema.hpp"

namespace orrery {

namespace {

// "4x4x4" -> {4, 4, 4}; only read (and required) with topology "torus".
void parse_torus_dims(const std::string& text, ClusterSpec& out) {
  FabricSpec& fabric = out.fabric;
  if (fabric.topology != "torus") return;
  const std::string path = "cluster.fabric.torus_dims";
  const std::string allowed = fmt::format("1 to 3 sizes joined by 'x', each 1 to {}, whose product is the cluster's "
                                          "{} GPUs",
                                          kMaxTorusDim, out.gpus());
  std::vector<int> dims;
  long long product = 1;
  std::size_t at = 0;
  while (at <= text.size()) {
    const std::size_t x = text.find('x', at);
    const std::string part = text.substr(at, x == std::string::npos ? std::string::npos : x - at);
    if (part.empty() || part.size() > 2 || part.find_first_not_of("0123456789") != std::string::npos)
      throw InputError(path, quoted(text), allowed, "e.g. \"4x4x4\" for 64 chips");
    const int d = std::stoi(part);
    if (d < 1 || d > kMaxTorusDim) throw InputError(path, quoted(text), allowed);
    dims.push_back(d);
    product *= d;
    if (x == std::string::npos) break;
    at = x + 1;
  }
  if (dims.size() > 3 || product != out.gpus())
    throw InputError(path, quoted(text), allowed,
                     fmt::format("cluster.nodes x gpus_per_node = {} chips", out.gpus()));
  fabric.torus_dims = dims;
}

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
  fabric.spine_oversubscription = f.at("spine_oversubscription").get<double>();
  fabric.switch_radix = f.at("switch_radix").get<int>();
  fabric.rail_optimized = f.at("rail_optimized").get<bool>();
  if (f.contains("link")) {
    const ResolvedEntry link = resolve_entry(catalog, schema, "links", f.at("link"), "cluster.fabric.link");
    fabric.link = link_from_json(link.name, link.entry);
  } else {
    fabric.link = out.nic;
  }
  if (f.contains("spine_link")) {
    const ResolvedEntry link = resolve_entry(catalog, schema, "links", f.at("spine_link"), "cluster.fabric.spine_link");
    fabric.spine_link = link_from_json(link.name, link.entry);
  } else {
    fabric.spine_link = fabric.link;
  }
  fabric.switch_latency_us = f.at("switch_latency_us").get<double>();
  fabric.routing = f.at("routing").get<std::string>();
  parse_torus_dims(f.at("torus_dims").get<std::string>(), out);
}

// Cost inputs that only make sense together. `doc` is the file as written:
// whether a key was given at all (defaults are filled in by then).
void check_cost_inputs(const Scenario& s, const nlohmann::json& doc) {
  const CostSpec& c = s.cost;
  if (c.pricing == "owned" && c.capex_usd_per_gpu <= 0)
    throw InputError("cost.capex_usd_per_gpu", format_number(c.capex_usd_per_gpu),
                     "pricing \"owned\" needs the purchase price per GPU",
                     "all-in, with the GPU's share of server and network: e.g. 40000 for an H100");
  const auto given = [&](const char* key) {
    return doc.contains("cost") && doc.at("cost").is_object() && doc.at("cost").contains(key);
  };
  if (c.grid_region != "custom" && given("grid_gco2_per_kwh"))
    throw InputError("cost.grid_gco2_per_kwh", format_number(c.grid_gco2_per_kwh),
                     "grid_region \"" + c.grid_region + "\" sets the intensity already",
                     "give one of the two (grid_region \"custom\" uses grid_gco2_per_kwh)");
}

// "calibration": the profile file, relative to `base_dir` (the scenario
// file's folder; empty: the current directory), read and validated now so
// that a bad profile is an input error before anything runs.
void load_calibration(Scenario& s, const std::string& value, const std::filesystem::path& base_dir) {
  namespace fs = std::filesystem;
  fs::path file(value);
  if (file.is_relative() && !base_dir.empty()) file = base_dir / file;
  const std::string resolved = file.lexically_normal().string();
  const std::string shown = resolved == value ? quoted(value) : quoted(value) + " (" + resolved + ")";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    throw InputError("calibration", shown, fs::exists(file, ec) ? "not a file" : "no such file",
                     "a profile written by orrery-calib run; relative paths start in the scenario file's folder "
                     "(docs/calibration.md)");
  auto profile = std::make_shared<const CalibrationProfile>(profile_from_json(read_json_file(resolved), resolved));
  if (const std::string why = accelerator_mismatch(*profile, s.cluster.accelerator); !why.empty())
    throw InputError("calibration", shown, "a profile of the scenario's accelerator: " + why,
                     "a profile describes one GPU model: measure this one with orrery-calib run, or drop "
                     "\"calibration\"");
  s.calibration_path = resolved;
  s.calibration = std::move(profile);
}

// A calibration profile's NCCL rings over the node's GPUs measure the
// scale-up link (hardware/link_calibration.hpp); without them the catalog's
// efficiency stays. After "collectives": the rings' latency is the model's.
void calibrate_links(Scenario& s) {
  if (!s.calibration) return;
  const LinkCalibration link =
      calibrate_scale_up_link(*s.calibration, s.cluster.scale_up, s.cluster.node.nvls, s.collectives.step_overhead_s);
  if (!link.measured) return;
  s.cluster.scale_up.efficiency = link.efficiency;
  s.cluster.scale_up.source += fmt::format(" Efficiency {:.3f} measured by the calibration profile {}: {}.",
                                           link.efficiency, s.calibration_path, link.basis);
}

Scenario parse_scenario_in(const nlohmann::json& doc, const Catalog& catalog, const std::filesystem::path& base_dir);

}  // namespace

Scenario parse_scenario(const nlohmann::json& doc, const Catalog& catalog, const std::filesystem::path& base_dir) {
  return parse_scenario_in(doc, catalog, base_dir);
}

namespace {

// parallelism.micro_batch "auto" is the one word the integer field takes
// (micro_batch_search.hpp): the rest of the section is validated as usual,
// with the default micro batch in its place.
bool micro_batch_is_auto(const nlohmann::json& doc, const Schema& schema) {
  if (!doc.is_object()) return false;
  const auto p = doc.find("parallelism");
  if (p == doc.end() || !p->is_object()) return false;
  const auto mb = p->find("micro_batch");
  if (mb == p->end() || !mb->is_string()) return false;
  const auto& word = mb->get_ref<const std::string&>();
  if (word != "auto") {
    const bool number = !word.empty() && word.find_first_not_of("0123456789") == std::string::npos;
    throw InputError("parallelism.micro_batch", "\"" + word + "\"",
                     "expected " + describe_allowed(*schema.at("parallelism").find("micro_batch")) + ", or \"auto\"",
                     number ? "write numbers without quotes: " + word
                            : "\"auto\" simulates micro batches 1, 2, 4 and 8 and keeps the fastest that fits");
  }
  return true;
}

Scenario parse_scenario_in(const nlohmann::json& doc, const Catalog& catalog, const std::filesystem::path& base_dir) {
  const Schema schema = make_schema();
  const bool micro_batch_auto = micro_batch_is_auto(doc, schema);
  nlohmann::json without_auto;
  if (micro_batch_auto) {
    without_auto = doc;
    without_auto["parallelism"].erase("micro_batch");
  }
  const nlohmann::json root = normalize_section(micro_batch_auto ? without_auto : doc, schema.at(""), schema, "", true);

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
  s.training.fused_cross_entropy = t.at("fused_cross_entropy").get<bool>();
  s.training.batch_ramp_start = t.at("batch_ramp_start").get<int>();
  s.training.batch_ramp_increment = t.at("batch_ramp_increment").get<int>();
  s.training.batch_ramp_samples = t.at("batch_ramp_samples").get<double>();
  s.training.eval_interval_steps = t.at("eval_interval_steps").get<int>();
  s.training.eval_batches = t.at("eval_batches").get<int>();

  const nlohmann::json& p = root.at("parallelism");
  s.parallelism.tp = p.at("tp").get<int>();
  s.parallelism.pp = p.at("pp").get<int>();
  const bool dp_given = p.contains("dp");
  if (dp_given) s.parallelism.dp = p.at("dp").get<int>();
  s.parallelism.cp = p.at("cp").get<int>();
  s.parallelism.ep = p.at("ep").get<int>();
  s.parallelism.micro_batch = p.at("micro_batch").get<int>();
  s.parallelism.schedule = p.at("schedule").get<std::string>();
  s.parallelism.vpp = p.at("vpp").get<int>();
  s.parallelism.recompute = p.at("recompute").get<std::string>();
  s.parallelism.sp = p.at("sp").get<bool>();
  s.parallelism.zero = p.at("zero").get<int>();
  s.parallelism.grad_bucket_mib = p.at("grad_bucket_mib").get<double>();
  s.parallelism.overlap_grad_reduce = p.at("overlap_grad_reduce").get<bool>();
  s.parallelism.blocking_p2p = p.at("blocking_p2p").get<bool>();
  s.parallelism.grad_accumulation = p.at("grad_accumulation").get<std::string>();
  s.parallelism.main_grad = p.at("main_grad").get<std::string>();
  s.parallelism.grad_reduce = p.at("grad_reduce").get<std::string>();
  s.parallelism.micro_batch_auto = micro_batch_auto;

  const nlohmann::json& e = root.at("efficiency");
  s.efficiency.gemm = e.at("gemm").get<double>();
  s.efficiency.memory = e.at("memory").get<double>();
  s.efficiency.launch_overhead_us = e.at("launch_overhead_us").get<double>();
  if (const std::string cal = root.at("calibration").get<std::string>(); !cal.empty())
    load_calibration(s, cal, base_dir);

  const nlohmann::json& c = root.at("cost");
  s.cost.pricing = c.at("pricing").get<std::string>();
  s.cost.price_usd_per_gpu_hour = c.at("price_usd_per_gpu_hour").get<double>();
  s.cost.price_usd_per_node_hour = c.at("price_usd_per_node_hour").get<double>();
  s.cost.spot_preemptions_per_million_node_hours = c.at("spot_preemptions_per_million_node_hours").get<double>();
  s.cost.capex_usd_per_gpu = c.at("capex_usd_per_gpu").get<double>();
  s.cost.lifetime_years = c.at("lifetime_years").get<double>();
  s.cost.operations_fraction_per_year = c.at("operations_fraction_per_year").get<double>();
  s.cost.pue = c.at("pue").get<double>();
  s.cost.electricity_usd_per_kwh = c.at("electricity_usd_per_kwh").get<double>();
  s.cost.grid_region = c.at("grid_region").get<std::string>();
  s.cost.grid_gco2_per_kwh = c.at("grid_gco2_per_kwh").get<double>();
  s.cost.embodied_kgco2e_per_gpu = c.at("embodied_kgco2e_per_gpu").get<double>();
  s.cost.average_power_w_per_gpu = c.at("average_power_w_per_gpu").get<double>();
  s.cost.switch_power_w = c.at("switch_power_w").get<double>();
  check_cost_inputs(s, doc);

  const nlohmann::json& f = root.at("failures");
  s.failures.preset = f.at("preset").get<std::string>();
  for (const auto& [cause, rate] : f.at("rates_per_million_hours").items())
    s.failures.rate_overrides[cause] = rate.get<double>();
  s.failures.distribution = f.at("distribution").get<std::string>();
  s.failures.weibull_shape = f.at("weibull_shape").get<double>();
  s.failures.trials = f.at("trials").get<int>();
  s.failures.seed = f.contains("seed") ? f.at("seed").get<std::uint64_t>() : s.seed;

  const nlohmann::json& r = root.at("recovery");
  s.recovery.detection_s = r.at("detection_s").get<double>();
  for (const auto& [cause, seconds] : r.at("detection_s_by_cause").items())
    s.recovery.detection_overrides[cause] = seconds.get<double>();
  s.recovery.restart_s = r.at("restart_s").get<double>();
  s.recovery.spare_nodes = r.at("spare_nodes").get<int>();
  s.recovery.repair_hours = r.at("repair_hours").get<double>();
  s.recovery.maintenance_interval_hours = r.at("maintenance_interval_hours").get<double>();
  s.recovery.maintenance_duration_hours = r.at("maintenance_duration_hours").get<double>();
  s.recovery.job_time_limit_hours = r.at("job_time_limit_hours").get<double>();

  const nlohmann::json& k = root.at("checkpoint");
  s.checkpoint.interval = k.at("interval").get<std::string>();
  s.checkpoint.interval_s = k.at("interval_s").get<double>();
  s.checkpoint.mode = k.at("mode").get<std::string>();
  s.checkpoint.write_gb_per_s = k.at("write_gb_per_s").get<double>();
  s.checkpoint.read_gb_per_s = k.at("read_gb_per_s").get<double>();
  s.checkpoint.host_copy_gb_per_s = k.at("host_copy_gb_per_s").get<double>();

  const nlohmann::json& st = root.at("stragglers");
  s.stragglers.jitter_fraction = st.at("jitter_fraction").get<double>();
  s.stragglers.slow_step_probability = st.at("slow_step_probability").get<double>();
  s.stragglers.slow_step_extra_fraction = st.at("slow_step_extra_fraction").get<double>();

  const nlohmann::json& co = root.at("collectives");
  s.collectives.step_overhead_s = co.at("step_overhead_us").get<double>() * 1e-6;
  for (std::size_t op = 0; op < kCollectiveOps; ++op) {
    const char* key = to_string(static_cast<CollectiveOp>(op));
    if (co.contains(key) && !parse_collective_algorithm(co.at(key).get<std::string>(), s.collectives.algorithm[op]))
      throw std::logic_error("orrery: collectives choices and parse_collective_algorithm disagree");
  }
  calibrate_links(s);

  check_plan(s, dp_given);
  return s;
}

}  // namespace

Scenario load_scenario_file(const std::string& path, const Catalog& catalog) {
  return parse_scenario_in(read_json_file(path), catalog, std::filesystem::path(path).parent_path());
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
