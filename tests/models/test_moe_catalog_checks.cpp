// The model entry's MoE and MLA fields through the real loader: defaults for
// dense entries, and the consistency errors (InputError naming the field).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "sim/scenario/catalog.hpp"
#include "sim/scenario/input_error.hpp"

using nlohmann::json;

namespace {

json moe_entry() {
  return json::parse(R"({"layers": 4, "hidden": 64, "heads": 4, "kv_heads": 4, "ffn_hidden": 256,
    "vocab": 1000, "max_seq_len": 128, "activation": "swiglu", "norm": "rmsnorm", "position": "rope",
    "experts": 4, "experts_per_token": 2, "moe_ffn_hidden": 32, "dense_layers": 1})");
}

// The error adding a catalog holding `entry` as model "m" throws.
orrery::InputError error_of(const json& entry) {
  orrery::Catalog c;
  try {
    c.add_document(json{{"models", {{"m", entry}}}}, "x.json");
  } catch (const orrery::InputError& e) {
    return e;
  }
  FAIL("expected an InputError");
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("a MoE entry loads and a dense entry gets dense defaults") {
  orrery::Catalog c;
  json dense = moe_entry();
  for (const char* key : {"experts", "experts_per_token", "moe_ffn_hidden", "dense_layers"}) dense.erase(key);
  c.add_document(json{{"models", {{"moe", moe_entry()}, {"dense", dense}}}}, "x.json");
  const auto& m = c.model("moe");
  CHECK(m.experts == 4);
  CHECK(m.experts_per_token == 2);
  CHECK(m.expert_ffn() == 32);
  CHECK(m.is_moe_layer(1));
  CHECK_FALSE(m.is_moe_layer(0));
  CHECK(m.capacity_factor == 1.0);
  CHECK(m.attention == "gqa");
  const auto& d = c.model("dense");
  CHECK_FALSE(d.moe());
  CHECK(d.shared_experts == 0);
}

TEST_CASE("inconsistent MoE and MLA fields name the field") {
  json e = moe_entry();
  e["experts_per_token"] = 5;
  auto err = error_of(e);
  CHECK(err.path() == "x.json: models.m.experts_per_token");
  CHECK_THAT(err.allowed(), Catch::Contains("from 1 to experts (4)"));

  e = moe_entry();
  e["dense_layers"] = 4;
  CHECK(error_of(e).path() == "x.json: models.m.dense_layers");

  e = moe_entry();
  e["experts"] = 0;
  CHECK(error_of(e).path() == "x.json: models.m.experts_per_token");  // set on a dense model

  e = moe_entry();
  e["capacity_factor"] = 0.5;
  CHECK(error_of(e).path() == "x.json: models.m.capacity_factor");   // the schema's range

  e = moe_entry();
  e["kv_lora_rank"] = 16;  // without attention "mla"
  CHECK(error_of(e).path() == "x.json: models.m.kv_lora_rank");

  e = moe_entry();
  e["attention"] = "mla";  // no latent dims
  CHECK(error_of(e).path() == "x.json: models.m.kv_lora_rank");
  e["kv_lora_rank"] = 16;
  e["qk_nope_head_dim"] = 16;
  e["v_head_dim"] = 16;
  e["kv_heads"] = 2;
  CHECK(error_of(e).path() == "x.json: models.m.kv_heads");
}
