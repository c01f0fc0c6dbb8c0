#include "sim/scenario/entry_specs.hpp"

#include <fmt/format.h>

#include "sim/scenario/input_error.hpp"
#include "sim/scenario/schema.hpp"

namespace orrery {

namespace {

std::string name_or_empty(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : std::string(); }

// MLA and MoE fields: each set only with the option it belongs to, and
// consistent with the rest of the entry.
void check_model_entry_variants(const nlohmann::json& e, const std::string& path) {
  const auto get = [&](const char* key) { return e.at(key).get<int>(); };
  if (e.at("attention").get<std::string>() == "mla") {
    if (get("kv_heads") != get("heads"))
      throw InputError(join_path(path, "kv_heads"), std::to_string(get("kv_heads")),
                       fmt::format("equal to heads ({}) with attention \"mla\"", get("heads")),
                       "multi-head latent attention rebuilds a key and a value for every head");
    for (const char* key : {"kv_lora_rank", "qk_nope_head_dim", "v_head_dim"})
      if (get(key) == 0)
        throw InputError(join_path(path, key), "0", "an integer above 0 with attention \"mla\"",
                         "DeepSeek-V3: kv_lora_rank 512, qk_nope_head_dim 128, v_head_dim 128");
  } else {
    for (const char* key : {"q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"})
      if (get(key) != 0)
        throw InputError(join_path(path, key), std::to_string(get(key)), "0 with attention \"gqa\"",
                         "set attention to \"mla\" to use the latent dims");
  }
  const int experts = get("experts");
  if (experts == 0) {
    for (const char* key : {"experts_per_token", "shared_experts", "dense_layers", "moe_ffn_hidden"})
      if (get(key) != 0)
        throw InputError(join_path(path, key), std::to_string(get(key)), "0 for a dense model (experts is 0)",
                         "set experts to make this a mixture-of-experts model");
    return;
  }
  const int k = get("experts_per_token");
  if (k < 1 || k > experts)
    throw InputError(join_path(path, "experts_per_token"), std::to_string(k),
                     fmt::format("an integer from 1 to experts ({})", experts),
                     "each token goes to top-k of the routed experts");
  const int layers = get("layers"), dense = get("dense_layers");
  if (dense >= layers)
    throw InputError(join_path(path, "dense_layers"), std::to_string(dense),
                     fmt::format("at most layers - 1 ({}) so that some layer has experts", layers - 1),
                     "set experts to 0 for a dense model");
}

}  // namespace

AcceleratorSpec accelerator_from_json(const std::string& name, const nlohmann::json& e) {
  AcceleratorSpec a;
  a.name = name;
  a.vendor = e.at("vendor").get<std::string>();
  a.peak_tflops_fp32 = e.at("peak_tflops_fp32").get<double>();
  a.peak_tflops_tf32 = e.at("peak_tflops_tf32").get<double>();
  a.peak_tflops_bf16 = e.at("peak_tflops_bf16").get<double>();
  a.peak_tflops_fp16 = e.at("peak_tflops_fp16").get<double>();
  a.peak_tflops_fp8 = e.at("peak_tflops_fp8").get<double>();
  a.hbm_gib = e.at("hbm_gib").get<double>();
  a.hbm_bandwidth_gb_per_s = e.at("hbm_bandwidth_gb_per_s").get<double>();
  a.sm_count = e.at("sm_count").get<int>();
  a.tdp_w = e.at("tdp_w").get<double>();
  a.idle_w = e.at("idle_w").get<double>();
  a.source = e.at("source").get<std::string>();
  return a;
}

LinkSpec link_from_json(const std::string& name, const nlohmann::json& e) {
  LinkSpec l;
  l.name = name;
  l.bandwidth_gb_per_s = e.at("bandwidth_gb_per_s").get<double>();
  l.latency_us = e.at("latency_us").get<double>();
  l.routing = e.at("routing").get<std::string>();
  l.efficiency = e.at("efficiency").get<double>();
  l.source = e.at("source").get<std::string>();
  return l;
}

NodeSpec node_from_json(const std::string& name, const nlohmann::json& e) {
  NodeSpec n;
  n.name = name;
  n.accelerator = name_or_empty(e.at("accelerator"));
  n.gpus_per_node = e.at("gpus_per_node").get<int>();
  n.scale_up_link = name_or_empty(e.at("scale_up_link"));
  n.gpu_nic_link = name_or_empty(e.at("gpu_nic_link"));
  n.nic_link = name_or_empty(e.at("nic_link"));
  n.nics_per_node = e.at("nics_per_node").get<int>();
  n.host_power_w = e.at("host_power_w").get<double>();
  n.nvls = e.at("nvls").get<bool>();
  n.source = e.at("source").get<std::string>();
  return n;
}

ModelSpec model_from_json(const std::string& name, const nlohmann::json& e) {
  ModelSpec m;
  m.name = name;
  m.family = e.at("family").get<std::string>();
  m.layers = e.at("layers").get<int>();
  m.hidden = e.at("hidden").get<int>();
  m.heads = e.at("heads").get<int>();
  m.kv_heads = e.at("kv_heads").get<int>();
  m.ffn_hidden = e.at("ffn_hidden").get<int>();
  m.vocab = e.at("vocab").get<int>();
  m.max_seq_len = e.at("max_seq_len").get<int>();
  m.activation = e.at("activation").get<std::string>();
  m.norm = e.at("norm").get<std::string>();
  m.position = e.at("position").get<std::string>();
  m.tied_embeddings = e.at("tied_embeddings").get<bool>();
  m.linear_bias = e.at("linear_bias").get<bool>();
  m.attention = e.at("attention").get<std::string>();
  m.q_lora_rank = e.at("q_lora_rank").get<int>();
  m.kv_lora_rank = e.at("kv_lora_rank").get<int>();
  m.qk_nope_head_dim = e.at("qk_nope_head_dim").get<int>();
  m.qk_rope_head_dim = e.at("qk_rope_head_dim").get<int>();
  m.v_head_dim = e.at("v_head_dim").get<int>();
  m.experts = e.at("experts").get<int>();
  m.experts_per_token = e.at("experts_per_token").get<int>();
  m.moe_ffn_hidden = e.at("moe_ffn_hidden").get<int>();
  m.shared_experts = e.at("shared_experts").get<int>();
  m.dense_layers = e.at("dense_layers").get<int>();
  m.capacity_factor = e.at("capacity_factor").get<double>();
  m.published_params_billion = e.at("published_params_billion").get<double>();
  m.source = e.at("source").get<std::string>();
  return m;
}

std::string entry_kind(const std::string& section) {
  if (!section.empty() && section.back() == 's') return section.substr(0, section.size() - 1);
  return section;
}

void check_entry(const std::string& section, const nlohmann::json& e, const std::string& path) {
  if (section == "accelerators") {
    bool any = false;
    for (const char* p : {"fp32", "tf32", "bf16", "fp16", "fp8"})
      any = any || e.at(std::string("peak_tflops_") + p).get<double>() > 0;
    if (!any)
      throw InputError(join_path(path, "peak_tflops_bf16"), "every peak_tflops_* is 0",
                       "at least one precision needs a peak throughput above 0",
                       "give the datasheet's dense (no sparsity) TFLOP/s");
    const double idle = e.at("idle_w").get<double>(), tdp = e.at("tdp_w").get<double>();
    if (idle > tdp)
      throw InputError(join_path(path, "idle_w"), format_number(idle),
                       fmt::format("at most tdp_w ({} W)", format_number(tdp)));
  } else if (section == "models") {
    const int hidden = e.at("hidden").get<int>(), heads = e.at("heads").get<int>();
    const int kv = e.at("kv_heads").get<int>();
    const bool mla = e.at("attention").get<std::string>() == "mla";
    if (!mla && hidden % heads != 0)
      throw InputError(join_path(path, "heads"), std::to_string(heads),
                       fmt::format("must divide hidden ({}) so every head has the same width", hidden));
    if (kv > heads || heads % kv != 0)
      throw InputError(join_path(path, "kv_heads"), std::to_string(kv),
                       fmt::format("must divide heads ({}): each key/value head serves a whole group of "
                                   "query heads",
                                   heads),
                       "use kv_heads = heads for multi-head attention");
    check_model_entry_variants(e, path);
  }
}

}  // namespace orrery
