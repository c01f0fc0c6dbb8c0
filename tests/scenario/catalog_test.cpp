// Catalogs: built-in entries, user folders (ORRERY_CATALOG, --catalog),
// entry validation and the "defined twice" rule.
#include <cstdlib>

#include <catch2/catch.hpp>

#include "scenario_test_support.hpp"
#include "sim/scenario/catalog.hpp"

using namespace orrery;
using orrery::test::input_error_of;
using orrery::test::TempDir;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

// A small catalog with one entry of each kind (numbers chosen to check below).
json tiny_catalog() {
  return json::parse(R"({
    "accelerators": {"acc-z": {"vendor": "test", "peak_tflops_bf16": 100, "hbm_gib": 16,
                               "hbm_bandwidth_gb_per_s": 1000, "sm_count": 10, "tdp_w": 300}},
    "links": {"link-b": {"bandwidth_gb_per_s": 25, "latency_us": 1},
              "link-a": {"bandwidth_gb_per_s": 50, "latency_us": 0.5}},
    "nodes": {"node-z": {"accelerator": "acc-z", "gpus_per_node": 4, "scale_up_link": "link-a",
                         "gpu_nic_link": "link-b", "nic_link": "link-b", "nics_per_node": 2}},
    "models": {"model-z": {"layers": 2, "hidden": 64, "heads": 4, "kv_heads": 2, "ffn_hidden": 256,
                           "vocab": 1000, "max_seq_len": 128, "activation": "swiglu", "norm": "rmsnorm",
                           "position": "rope"}}
  })");
}

// setenv/unsetenv for the length of one test.
class ScopedEnv {
public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
  const char* name_;
};

}  // namespace

TEST_CASE("a catalog document fills typed entries, defaults included") {
  Catalog c;
  c.add_document(tiny_catalog(), "tiny.json");
  const AcceleratorSpec& a = c.accelerator("acc-z");
  CHECK(a.name == "acc-z");
  CHECK(a.peak_tflops_bf16 == 100);
  CHECK(a.peak_tflops_fp8 == 0);   // default
  CHECK(a.idle_w == 0);            // default
  CHECK(c.link("link-a").bandwidth_gb_per_s == 50);
  CHECK(c.node("node-z").gpus_per_node == 4);
  CHECK(c.node("node-z").host_power_w == 0);
  const ModelSpec& m = c.model("model-z");
  CHECK(m.kv_heads == 2);
  CHECK_FALSE(m.tied_embeddings);
  CHECK(c.raw("models", "model-z").at("linear_bias") == false);
  CHECK(c.names("links") == std::vector<std::string>{"link-a", "link-b"});   // sorted
  CHECK(c.names("models") == std::vector<std::string>{"model-z"});
}

TEST_CASE("a name defined twice names both origins") {
  Catalog c;
  c.add_document(tiny_catalog(), "first.json");
  const auto e = input_error_of([&] { c.add_document(tiny_catalog(), "second.json"); });
  CHECK_THAT(e.path(), Contains("second.json"));
  CHECK(e.value() == "defined twice");
  CHECK_THAT(e.allowed(), Contains("is already defined in first.json"));

  // Built-in names are taken too.
  Catalog b = Catalog::builtin();
  const auto e2 = input_error_of([&] {
    json doc = {{"models", {{"llama3-70b", tiny_catalog()["models"]["model-z"]}}}};
    b.add_document(doc, "mine.json");
  });
  CHECK(e2.path() == "mine.json: models.llama3-70b");
  CHECK_THAT(e2.allowed(), Contains("model \"llama3-70b\" is already defined in builtin:models/catalog/models.json"));
}

TEST_CASE("a failed document leaves the catalog unchanged") {
  Catalog c;
  json doc = tiny_catalog();
  doc["models"]["model-y"] = doc["models"]["model-z"];
  doc["models"]["model-y"]["layers"] = 0;
  CHECK_THROWS_AS(c.add_document(doc, "bad.json"), InputError);
  CHECK(c.names("accelerators").empty());
}

TEST_CASE("entries are validated against their schema") {
  Catalog c;
  json doc = tiny_catalog();
  doc["models"]["model-z"]["layer"] = 3;
  auto e = input_error_of([&] { c.add_document(doc, "x.json"); });
  CHECK(e.path() == "x.json: models.model-z.layer");
  CHECK(e.hint() == "did you mean \"layers\"?");

  doc = tiny_catalog();
  doc["models"]["model-z"]["heads"] = 3;   // 64 / 3 is not whole
  e = input_error_of([&] { c.add_document(doc, "x.json"); });
  CHECK(e.path() == "x.json: models.model-z.heads");
  CHECK_THAT(e.allowed(), Contains("must divide hidden (64)"));

  doc = tiny_catalog();
  doc["models"]["model-z"]["kv_heads"] = 3;   // 4 query heads cannot share 3 kv heads evenly
  e = input_error_of([&] { c.add_document(doc, "x.json"); });
  CHECK(e.path() == "x.json: models.model-z.kv_heads");

  doc = tiny_catalog();
  doc["accelerators"]["acc-z"]["peak_tflops_bf16"] = 0;
  e = input_error_of([&] { c.add_document(doc, "x.json"); });
  CHECK_THAT(e.allowed(), Contains("at least one precision"));

  doc = tiny_catalog();
  doc["nodes"]["node-z"]["accelerator"] = {{"base", "acc-z"}};
  e = input_error_of([&] { c.add_document(doc, "x.json"); });
  CHECK(e.path() == "x.json: nodes.node-z.accelerator");
  CHECK_THAT(e.hint(), Contains("by name"));

  e = input_error_of([&] { c.add_document(json{{"model", json::object()}}, "x.json"); });
  CHECK(e.value() == "unknown section");
  CHECK(e.hint() == "did you mean \"models\"?");

  e = input_error_of([&] { c.add_document(json::array(), "x.json"); });
  CHECK_THAT(e.allowed(), Contains("accelerators, links, nodes, models"));

  e = input_error_of([&] { c.add_document(json{{"links", {{"has space", {{"bandwidth_gb_per_s", 1}, {"latency_us", 1}}}}}}, "x.json"); });
  CHECK_THAT(e.allowed(), Contains("without spaces"));
}

TEST_CASE("unknown names list the catalog and suggest the closest") {
  const Catalog c = Catalog::builtin();
  const auto e = input_error_of([&] { (void)c.model("llama3-7b", "model"); });
  CHECK(e.path() == "model");
  CHECK(e.value() == "\"llama3-7b\"");
  CHECK(e.allowed() == "unknown model");
  CHECK_THAT(e.hint(), Contains("did you mean \"llama3-8b\"? available: ") && Contains("llama3-70b"));

  Catalog empty;
  const auto e2 = input_error_of([&] { (void)empty.raw("nodes", "x", "cluster.node"); });
  CHECK_THAT(e2.hint(), Contains("--catalog"));
}

TEST_CASE("the built-in catalog validates and its nodes' references resolve") {
  const Catalog c = Catalog::builtin();
  CHECK_FALSE(c.names("models").empty());
  for (const auto& n : c.names("nodes")) {
    INFO(n);
    const NodeSpec& node = c.node(n);
    CHECK_NOTHROW(c.accelerator(node.accelerator));
    CHECK_NOTHROW(c.link(node.scale_up_link));
    CHECK_NOTHROW(c.link(node.gpu_nic_link));
    CHECK_NOTHROW(c.link(node.nic_link));
  }
}

TEST_CASE("ORRERY_CATALOG folders, then --catalog folders, are added") {
  TempDir env_dir("catalog-env"), flag_dir("catalog-flag");
  env_dir.write("models.json", R"({"models": {"env-model": )" + tiny_catalog()["models"]["model-z"].dump() + "}}");
  env_dir.write("notes.txt", "not json: ignored");
  flag_dir.write("links.json", R"({"links": {"flag-link": {"bandwidth_gb_per_s": 7, "latency_us": 2}}})");

  {
    // Empty entries in the list are skipped. (Appended, not `":" + s + ":"`,
    // which trips GCC 12's false -Wrestrict positive.)
    std::string list = ":";
    list += env_dir.path().string();
    list += ":";
    ScopedEnv env("ORRERY_CATALOG", list);
    const Catalog c = Catalog::load({flag_dir.path().string()});
    CHECK(c.model("env-model").layers == 2);
    CHECK(c.link("flag-link").bandwidth_gb_per_s == 7);
    CHECK_NOTHROW(c.model("llama3-70b"));   // built-ins stay

    // The same folder twice defines every name twice.
    const auto e = input_error_of([&] { Catalog::load({env_dir.path().string()}); });
    CHECK(e.value() == "defined twice");
  }
  {
    ScopedEnv env("ORRERY_CATALOG", (env_dir.path() / "missing").string());
    const auto e = input_error_of([] { Catalog::load({}); });
    CHECK(e.path() == "ORRERY_CATALOG");
    CHECK(e.allowed() == "no such directory");
  }
  const auto e = input_error_of([&] { Catalog::load({(env_dir.path() / "models.json").string()}); });
  CHECK(e.path() == "--catalog");
  CHECK(e.allowed() == "is not a directory");
}
