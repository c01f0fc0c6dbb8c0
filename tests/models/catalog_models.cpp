#include "catalog_models.hpp"

#include <fstream>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace orrery::test {
namespace {

nlohmann::json load_catalog() {
  const std::string path = ORRERY_SOURCE_DIR "/models/catalog/models.json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in).at("models");
}

}  // namespace

ModelSpec catalog_model(const std::string& name) {
  const nlohmann::json j = load_catalog().at(name);
  const std::set<std::string> keys = {
      "family",     "layers", "hidden",      "heads",      "kv_heads",
      "ffn_hidden", "vocab",  "max_seq_len", "activation", "norm",
      "position",   "tied_embeddings", "linear_bias", "published_params_billion", "source"};
  for (const auto& [key, value] : j.items()) {
    if (keys.count(key) == 0) throw std::runtime_error(name + ": unknown key " + key);
  }
  ModelSpec m;
  m.name = name;
  j.at("family").get_to(m.family);
  j.at("layers").get_to(m.layers);
  j.at("hidden").get_to(m.hidden);
  j.at("heads").get_to(m.heads);
  j.at("kv_heads").get_to(m.kv_heads);
  j.at("ffn_hidden").get_to(m.ffn_hidden);
  j.at("vocab").get_to(m.vocab);
  j.at("max_seq_len").get_to(m.max_seq_len);
  j.at("activation").get_to(m.activation);
  j.at("norm").get_to(m.norm);
  j.at("position").get_to(m.position);
  j.at("tied_embeddings").get_to(m.tied_embeddings);
  j.at("linear_bias").get_to(m.linear_bias);
  j.at("published_params_billion").get_to(m.published_params_billion);
  j.at("source").get_to(m.source);
  return m;
}

std::vector<std::string> catalog_model_names() {
  std::vector<std::string> names;
  const nlohmann::json catalog = load_catalog();  // items() must not outlive it
  for (const auto& [key, value] : catalog.items()) names.push_back(key);
  return names;
}

}  // namespace orrery::test
