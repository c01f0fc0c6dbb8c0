// Plan consistency, with the numbers in the message. Model facts used:
// llama3-70b has 80 layers, 64 heads, 8 kv heads; gpt3-175b 96 heads = kv heads.
#include <catch2/catch.hpp>

#include "scenario_test_support.hpp"
#include "sim/scenario/scenario_loader.hpp"

using namespace orrery;
using orrery::test::base_scenario;
using orrery::test::input_error_of;
using Catch::Matchers::Contains;
using nlohmann::json;

TEST_CASE("tp x pp x dp must equal the GPU count") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["parallelism"]["dp"] = 4;
  const auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "parallelism");
  CHECK(e.value() == "tp 8 x pp 4 x dp 4 = 128");
  CHECK_THAT(e.allowed(), Contains("the cluster has 256 GPUs (32 nodes x 8)"));
  CHECK(e.hint() == "try dp 8");   // 256 / (8 x 4)
}

TEST_CASE("without dp, tp x pp must divide the GPUs, and pp values that do are suggested") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["parallelism"] = {{"tp", 8}, {"pp", 3}};
  const auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.value() == "tp 8 x pp 3 = 24");
  // Divisors of 256 / 8 = 32, all at most 80 layers.
  CHECK(e.hint() == "try pp 1, 2, 4, 8, 16 or 32");
}

TEST_CASE("tp must divide heads and kv_heads") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  for (int tp : {6, 16}) {   // 6 divides neither; 16 divides 64 heads but not 8 kv heads
    doc["parallelism"] = {{"tp", tp}, {"pp", 1}};
    const auto e = input_error_of([&] { parse_scenario(doc, catalog); });
    CHECK(e.path() == "parallelism.tp");
    CHECK(e.value() == std::to_string(tp));
    CHECK(e.allowed() == "does not divide the 64 attention heads and 8 key/value heads of llama3-70b");
    CHECK(e.hint() == "try 1, 2, 4 or 8");   // divisors of gcd(64, 8)
  }
}

TEST_CASE("tp larger than a node is legal") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["model"] = "gpt3-175b";   // 96 heads: tp 16 divides them
  doc["training"]["seq_len"] = 2048;
  doc["parallelism"] = {{"tp", 16}, {"pp", 4}};
  const Scenario s = parse_scenario(doc, catalog);
  CHECK(s.parallelism.tp == 16);
  CHECK(s.parallelism.dp == 4);   // 256 / (16 x 4)
}

TEST_CASE("pp is at most the number of layers") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["cluster"]["nodes"] = 100;   // 800 GPUs
  doc["parallelism"] = {{"tp", 8}, {"pp", 100}};
  const auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "parallelism.pp");
  CHECK_THAT(e.allowed(), Contains("the 80 layers of llama3-70b"));
  CHECK_THAT(e.hint(), Contains("1, 2, 4, 5, 8, 10, 16, 20, 40 or 80"));
}

TEST_CASE("global_batch must be whole microbatches on every replica") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();   // dp 8
  doc["training"]["global_batch"] = 500;
  auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "training.global_batch");
  CHECK(e.value() == "500");
  CHECK_THAT(e.allowed(), Contains("multiple of dp 8 x micro_batch 1 = 8"));
  CHECK(e.hint() == "try 496 or 504");   // 62 x 8 and 63 x 8

  doc["training"]["global_batch"] = 4;
  doc["parallelism"]["micro_batch"] = 2;   // unit 16
  e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.hint() == "try 16");
}

TEST_CASE("the accelerator must support the precision") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["cluster"]["node"] = {{"base", "dgx-h100"}, {"accelerator", {{"base", "h100-sxm"}, {"peak_tflops_fp8", 0}}}};
  doc["training"]["precision"] = "fp8";
  const auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "training.precision");
  CHECK_THAT(e.allowed(), Contains("has no fp8 throughput"));
  CHECK(e.hint() == "supported on it: fp32, tf32, bf16 or fp16");
}

TEST_CASE("seq_len beyond the model's max_seq_len is allowed") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["training"]["seq_len"] = 32768;   // llama3-70b: max_seq_len 8192
  CHECK(parse_scenario(doc, catalog).training.seq_len == 32768);
}

TEST_CASE("interleaved needs a layer per chunk and microbatches a multiple of pp") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();   // 80 layers, pp 4, dp 8, 64 microbatches
  doc["parallelism"]["schedule"] = "interleaved";
  doc["parallelism"]["vpp"] = 3;   // 20 layers per stage: chunks of 7, 7, 6 (uneven is allowed)
  CHECK(parse_scenario(doc, catalog).parallelism.vpp == 3);
  doc["parallelism"]["vpp"] = 21;   // 21 chunks of 20 layers: one would be empty
  auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "parallelism.vpp");
  CHECK_THAT(e.allowed(), Contains("only 20 layers over pp 4: fewer than the vpp 21 model chunks"));
  CHECK(e.hint() == "try vpp 2 to 20 (vpp dividing 20 keeps every chunk the same size)");

  doc["parallelism"]["vpp"] = 2;
  doc["training"]["global_batch"] = 520;   // 520 / 8 = 65 microbatches, not a multiple of 4
  e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "training.global_batch");
  CHECK_THAT(e.allowed(), Contains("65 microbatches"));
  CHECK(e.hint() == "try global_batch 512 or 544");   // multiples of dp 8 x micro_batch 1 x pp 4

  doc["training"]["global_batch"] = 512;
  CHECK(parse_scenario(doc, catalog).parallelism.vpp == 2);

  doc["parallelism"]["schedule"] = "1f1b";
  e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "parallelism.vpp");
  CHECK_THAT(e.allowed(), Contains("need schedule \"interleaved\""));
}

TEST_CASE("context parallelism: tp x cp x pp x dp must equal the GPU count, dp derived with cp") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["parallelism"]["cp"] = 2;
  CHECK(parse_scenario(doc, catalog).parallelism.dp == 4);   // 256 / (8 x 2 x 4)
  doc["parallelism"]["dp"] = 8;
  const auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "parallelism");
  CHECK(e.value() == "tp 8 x cp 2 x pp 4 x dp 8 = 512");
  CHECK_THAT(e.allowed(), Contains("tp x cp x pp x dp must equal it"));
  CHECK(e.hint() == "try dp 4");
}

TEST_CASE("context parallelism needs seq_len divisible by 2 cp and flash attention") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();   // seq_len 8192
  doc["parallelism"] = {{"tp", 8}, {"pp", 1}, {"cp", 3}};
  auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "parallelism.cp");
  CHECK(e.value() == "3");
  CHECK_THAT(e.allowed(), Contains("seq_len 8192 is not a multiple of 2 x cp = 6"));
  CHECK_THAT(e.hint(), Contains("try seq_len 8190 or 8196"));   // 1365 x 6 and 1366 x 6
  doc["parallelism"]["cp"] = 4;
  doc["training"]["flash_attention"] = false;
  e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "training.flash_attention");
  CHECK_THAT(e.allowed(), Contains("cp 4"));
}

TEST_CASE("expert parallelism: a MoE model, ep dividing the experts and dp") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["parallelism"]["ep"] = 2;   // llama3-70b is dense
  auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "parallelism.ep");
  CHECK_THAT(e.allowed(), Contains("dense model"));

  doc["model"] = "mixtral-8x7b";   // 8 experts; tp 8 pp 4 on 256 GPUs: dp 8
  doc["training"]["seq_len"] = 4096;
  doc["parallelism"]["ep"] = 3;
  e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.value() == "3");
  CHECK_THAT(e.allowed(), Contains("does not divide the 8 experts of mixtral-8x7b"));
  CHECK(e.hint() == "try ep 1, 2, 4 or 8 (divisors of gcd(experts 8, dp 8))");

  doc["parallelism"] = {{"tp", 8}, {"pp", 8}, {"ep", 8}};   // dp 4
  e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK_THAT(e.allowed(), Contains("does not divide dp 4"));
  CHECK(e.hint() == "try ep 1, 2 or 4 (divisors of gcd(experts 8, dp 4))");

  doc["parallelism"]["ep"] = 4;
  e = input_error_of([&] { parse_scenario(doc, catalog); });   // tp 8 without sp
  CHECK(e.path() == "parallelism.sp");
  CHECK_THAT(e.allowed(), Contains("ep 4"));
  CHECK(e.hint() == "set sp to true, or tp to 1");
  doc["parallelism"]["sp"] = true;
  const Scenario s = parse_scenario(doc, catalog);
  CHECK(s.parallelism.ep == 4);
  CHECK(s.parallelism.dp == 4);   // ep lives inside dp: the GPU count is unchanged
}

TEST_CASE("grad_reduce all_reduce needs whole gradients on every rank: ZeRO 0 or 1") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["parallelism"]["zero"] = 2;
  doc["parallelism"]["grad_reduce"] = "all_reduce";
  const auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "parallelism.grad_reduce");
  CHECK(e.value() == "\"all_reduce\"");
  CHECK_THAT(e.allowed(), Contains("ZeRO 2 shards the gradients"));
  CHECK(e.hint() == "set grad_reduce to \"auto\", or zero to 0 or 1");
  doc["parallelism"]["zero"] = 1;
  CHECK_NOTHROW(parse_scenario(doc, catalog));
}

TEST_CASE("grad_accumulation cast_add is DeepSpeed's BF16_Optimizer: ZeRO 0 or 1 only") {
  const Catalog catalog = Catalog::builtin();
  json doc = base_scenario();
  doc["parallelism"]["zero"] = 3;
  doc["parallelism"]["grad_accumulation"] = "cast_add";
  const auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "parallelism.grad_accumulation");
  CHECK_THAT(e.allowed(), Contains("not ZeRO 3"));
  CHECK(e.hint() == "use \"add\" (or \"fused\"), or zero 0 or 1");
  doc["parallelism"]["grad_accumulation"] = "add";
  CHECK_NOTHROW(parse_scenario(doc, catalog));
}
