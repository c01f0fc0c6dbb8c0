// Scenario files -> Scenario: the default and example scenarios, catalog
// references with overrides, inline entries and size caps.
#include <chrono>

#include <catch2/catch.hpp>

#include "scenario_test_support.hpp"
#include "sim/scenario/scenario_loader.hpp"

using namespace orrery;
using orrery::test::base_scenario;
using orrery::test::input_error_of;
using Catch::Matchers::Contains;
using nlohmann::json;

TEST_CASE("the default scenario: llama3-70b on 256 H100, tp 8 x pp 4 x dp 8") {
  const Catalog catalog = Catalog::builtin();
  const Scenario s = default_scenario(catalog);
  CHECK(s.name == "llama3-70b-on-256-h100");
  CHECK_THAT(s.description, Contains("15T tokens"));
  CHECK(s.model.name == "llama3-70b");
  CHECK(s.model.layers == 80);
  CHECK(s.cluster.node.name == "dgx-h100");
  CHECK(s.cluster.nodes == 32);
  CHECK(s.cluster.gpus() == 256);   // 32 nodes x 8
  CHECK(s.cluster.accelerator.name == s.cluster.node.accelerator);
  CHECK(s.cluster.fabric.tiers == 2);
  CHECK(s.cluster.fabric.link.name == s.cluster.nic.name);   // defaults to the node's nic_link
  CHECK(s.parallelism.tp == 8);
  CHECK(s.parallelism.pp == 4);
  CHECK(s.parallelism.dp == 8);     // 256 / (8 x 4)
  CHECK(s.parallelism.recompute == "full");
  CHECK(s.parallelism.microbatches(s.training.global_batch) == 64);   // 512 / (8 x 1)
  CHECK(s.training.seq_len == 8192);
  CHECK(s.training.precision == Precision::bf16);
  CHECK(s.training.total_tokens == 1.5e12);
  CHECK(s.cost.price_usd_per_gpu_hour == 3.00);
  CHECK(s.cost.grid_gco2_per_kwh == 400);
  CHECK(s.efficiency.gemm == DeviceEfficiency{}.gemm);   // not given: the default
}

TEST_CASE("the example scenarios validate") {
  const Catalog catalog = Catalog::builtin();
  const std::string dir = std::string(ORRERY_SOURCE_DIR) + "/scenarios/examples/";
  const Scenario small = load_scenario_file(dir + "llama3-8b-64-h100.json", catalog);
  CHECK(small.cluster.gpus() == 64);
  CHECK(small.parallelism.dp == 16);   // 64 / (4 x 1)

  const Scenario gpt3 = load_scenario_file(dir + "gpt3-175b-1024-a100.json", catalog);
  CHECK(gpt3.cluster.gpus() == 1024);
  CHECK(gpt3.parallelism.dp == 16);    // 1024 / (8 x 8)
  CHECK(gpt3.parallelism.microbatches(gpt3.training.global_batch) == 96);   // 1536 / 16
  CHECK_FALSE(gpt3.training.flash_attention);
  CHECK(gpt3.cluster.fabric.tiers == 3);
}

TEST_CASE("dp is derived as GPUs / (tp x pp) when omitted") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["parallelism"] = {{"tp", 4}, {"pp", 2}};
  CHECK(parse_scenario(doc, catalog).parallelism.dp == 32);   // 256 / (4 x 2)
  doc["parallelism"]["dp"] = 32;
  CHECK(parse_scenario(doc, catalog).parallelism.dp == 32);
}

TEST_CASE("a model is a base plus overrides") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["model"] = {{"base", "llama3-70b"}, {"layers", 40}};
  const Scenario s = parse_scenario(doc, catalog);
  CHECK(s.model.layers == 40);
  CHECK(s.model.hidden == catalog.model("llama3-70b").hidden);
  CHECK(s.model.name == "llama3-70b (layers 40)");

  doc["model"]["name"] = "half-llama";
  CHECK(parse_scenario(doc, catalog).model.name == "half-llama");

  doc["model"] = {{"base", "llama3-70b"}, {"layers", 0}};
  auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "model.layers");

  doc["model"] = {{"base", "llama3-70b"}, {"layer", 40}};
  e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "model.layer");
  CHECK(e.hint() == "did you mean \"layers\"?");

  doc["model"] = {{"base", "llama3-7b"}, {"layers", 40}};
  e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "model.base");
  CHECK_THAT(e.hint(), Contains("did you mean \"llama3-8b\"?"));
}

TEST_CASE("a whole model inline, without base") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["model"] = json::parse(R"({"name": "tiny", "layers": 8, "hidden": 1024, "heads": 16, "kv_heads": 16,
    "ffn_hidden": 4096, "vocab": 32000, "max_seq_len": 8192, "activation": "gelu", "norm": "layernorm",
    "position": "learned"})");
  doc["parallelism"] = {{"tp", 8}, {"pp", 4}};
  const Scenario s = parse_scenario(doc, catalog);
  CHECK(s.model.name == "tiny");
  CHECK(s.model.hidden == 1024);
  CHECK(s.model.position == "learned");
  CHECK_FALSE(s.model.tied_embeddings);   // default

  doc["model"].erase("vocab");
  const auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "model.vocab");
  CHECK(e.value() == "missing");
  CHECK_THAT(e.hint(), Contains("every required field"));
}

TEST_CASE("a node override with a nested accelerator override") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["cluster"]["node"] = json::parse(
      R"({"base": "dgx-h100", "gpus_per_node": 4, "accelerator": {"base": "h100-sxm", "hbm_gib": 96}})");
  const Scenario s = parse_scenario(doc, catalog);
  CHECK(s.cluster.gpus() == 128);   // 32 nodes x 4
  CHECK(s.parallelism.dp == 4);     // 128 / (8 x 4)
  CHECK(s.cluster.accelerator.hbm_gib == 96);
  CHECK(s.cluster.accelerator.peak_tflops_bf16 == catalog.accelerator("h100-sxm").peak_tflops_bf16);
  CHECK(s.cluster.accelerator.name == "h100-sxm (hbm_gib 96)");
  CHECK(s.cluster.node.accelerator == s.cluster.accelerator.name);

  doc["cluster"]["node"]["accelerator"]["hbm_gib"] = -1;
  auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "cluster.node.accelerator.hbm_gib");

  doc["cluster"]["node"] = {{"base", "dgx-h100"}, {"nic_link", "ib-nddr"}};
  e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "cluster.node.nic_link");
  CHECK(e.allowed() == "unknown link");
  CHECK_THAT(e.hint(), Contains("did you mean \"ib-ndr\"?"));
}

TEST_CASE("the fabric link is a catalog name or the node's nic_link") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["cluster"]["fabric"] = {{"link", "ib-xdr"}, {"oversubscription", 2}};
  const Scenario s = parse_scenario(doc, catalog);
  CHECK(s.cluster.fabric.link.name == "ib-xdr");
  CHECK(s.cluster.fabric.link.bandwidth_gb_per_s == catalog.link("ib-xdr").bandwidth_gb_per_s);
  CHECK(s.cluster.fabric.oversubscription == 2);
}

TEST_CASE("unknown catalog names suggest and list") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["model"] = "llama3-7b";
  const auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "model");
  CHECK_THAT(e.what(), Contains("model: \"llama3-7b\"") && Contains("unknown model") &&
                           Contains("did you mean \"llama3-8b\"? available:"));
}

TEST_CASE("absurd sizes fail cleanly and quickly") {
  const Catalog catalog = Catalog::builtin();
  const auto start = std::chrono::steady_clock::now();

  // 10^12 GPUs: 1.25e11 nodes of 8.
  json doc = base_scenario();
  doc["cluster"]["nodes"] = 125000000000;
  auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "cluster.nodes");
  CHECK_THAT(e.allowed(), Contains("an integer from 1 to 16384"));
  CHECK_THAT(e.hint(), Contains("every rank is simulated"));

  // Within each cap, but 16384 nodes x 1024 GPUs = 16777216 GPUs > 131072.
  doc["cluster"]["nodes"] = 16384;
  doc["cluster"]["node"] = {{"base", "dgx-h100"}, {"gpus_per_node", 1024}};
  e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "cluster.nodes");
  CHECK(e.value() == "16384 nodes x 1024 GPUs = 16777216 GPUs");
  CHECK(e.allowed() == "at most 131072 GPUs");

  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("top-level shape and seed") {
  const Catalog catalog = Catalog::builtin();
  auto e = input_error_of([&] { parse_scenario(json::array(), catalog); });
  CHECK(e.value() == "an array");
  CHECK_THAT(e.allowed(), Contains("expected an object"));

  json doc = base_scenario();
  doc["seed"] = 9007199254740992;   // 2^53
  e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "seed");
  doc["seed"] = 42;
  CHECK(parse_scenario(doc, catalog).seed == 42);
}
