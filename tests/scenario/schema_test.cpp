// The declarations as a validator: types, ranges, unknown and planned keys,
// defaults. Each error names the JSON path, the value, what is allowed and a hint.
#include <cmath>
#include <limits>

#include <catch2/catch.hpp>

#include "hardware/device_model.hpp"
#include "scenario_test_support.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/scenario/schema.hpp"

using namespace orrery;
using orrery::test::input_error_of;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

json normalize(const std::string& section, const json& value) {
  const Schema schema = make_schema();
  return normalize_section(value, schema.at(section), schema, section, true);
}

}  // namespace

TEST_CASE("defaults come from the structs' own initializers") {
  const json p = normalize("parallelism", json::object());
  const ParallelismSpec d;
  CHECK(p.at("tp") == d.tp);
  CHECK(p.at("pp") == d.pp);
  CHECK(p.at("micro_batch") == d.micro_batch);
  CHECK(p.at("schedule") == d.schedule);
  CHECK(p.at("grad_bucket_mib").get<double>() == d.grad_bucket_mib);
  CHECK_FALSE(p.contains("dp"));   // derived later, not defaulted

  const json e = normalize("efficiency", json::object());
  CHECK(e.at("gemm").get<double>() == DeviceEfficiency{}.gemm);
  CHECK(e.at("launch_overhead_us").get<double>() == DeviceEfficiency{}.launch_overhead_us);
}

TEST_CASE("every declared default lies within its own declaration") {
  const Schema schema = make_schema();
  for (const auto& s : schema.sections)
    for (const auto& f : s.fields) {
      INFO(s.id << "." << f.key);
      CHECK_FALSE(f.doc.empty());
      if (f.type == FieldType::integer || f.type == FieldType::number) CHECK(f.min <= f.max);
      if (!f.default_value.is_null())
        CHECK_NOTHROW(normalize_field(f.default_value, f, schema, f.key, true));
    }
}

TEST_CASE("a quoted number is a type error with the value and a hint") {
  const auto e = input_error_of([] { normalize("parallelism", {{"tp", "8"}}); });
  CHECK(e.path() == "parallelism.tp");
  CHECK(e.value() == "the string \"8\"");
  CHECK_THAT(e.what(), Contains("expected an integer from 1 to 1024"));
  CHECK_THAT(e.hint(), Contains("without quotes: 8"));
}

TEST_CASE("integers must be whole, and 8.0 and 1e3 are whole") {
  const auto e = input_error_of([] { normalize("parallelism", {{"tp", 8.5}}); });
  CHECK(e.path() == "parallelism.tp");
  CHECK(e.value() == "8.5");
  CHECK_THAT(e.what(), Contains("expected an integer"));
  CHECK(e.hint() == "use a whole number: 8 or 9");

  const json p = normalize("parallelism", json::parse(R"({"tp": 8.0, "micro_batch": 1e3})"));
  CHECK(p.at("tp").is_number_integer());
  CHECK(p.at("tp") == 8);
  CHECK(p.at("micro_batch") == 1000);
}

TEST_CASE("out-of-range numbers name the range, and huge ones say they overflow int") {
  auto e = input_error_of([] { normalize("parallelism", {{"tp", 0}}); });
  CHECK(e.value() == "0");
  CHECK_THAT(e.allowed(), Contains("an integer from 1 to 1024"));

  e = input_error_of([] { normalize("parallelism", {{"pp", -4}}); });
  CHECK(e.path() == "parallelism.pp");
  CHECK(e.value() == "-4");

  // 3e9 is an int64 to nlohmann but does not fit in the int the struct holds.
  e = input_error_of([] { normalize("parallelism", json::parse(R"({"dp": 3000000000})")); });
  CHECK(e.value() == "3000000000");
  CHECK_THAT(e.hint(), Contains("32-bit"));

  // Beyond uint64, nlohmann stores a double (1e20).
  e = input_error_of([] { normalize("parallelism", json::parse(R"({"dp": 99999999999999999999})")); });
  CHECK(e.path() == "parallelism.dp");
  CHECK_THAT(e.hint(), Contains("32-bit"));

  e = input_error_of([] { normalize("cost", {{"pue", 0.5}}); });
  CHECK(e.path() == "cost.pue");
  CHECK_THAT(e.allowed(), Contains("a number from 1 to 3"));
}

TEST_CASE("non-finite numbers are rejected") {
  // JSON text cannot spell NaN, but a document built in code can.
  auto e = input_error_of([] { normalize("efficiency", {{"gemm", std::nan("")}}); });
  CHECK(e.path() == "efficiency.gemm");
  CHECK(e.value() == "NaN");
  CHECK_THAT(e.hint(), Contains("finite"));
  e = input_error_of([] { normalize("parallelism", {{"tp", std::numeric_limits<double>::infinity()}}); });
  CHECK(e.value() == "Infinity");
}

TEST_CASE("unknown keys are errors with did-you-mean and the allowed keys") {
  // "tpx": one edit from tp, two from pp ("tpp" would tie tp with vpp).
  auto e = input_error_of([] { normalize("parallelism", {{"tpx", 2}}); });
  CHECK(e.path() == "parallelism.tpx");
  CHECK(e.value() == "unknown key");
  CHECK_THAT(e.allowed(), Contains("tp, pp, dp, micro_batch"));
  CHECK(e.hint() == "did you mean \"tp\"?");

  e = input_error_of([] { normalize("training", {{"global_bach", 2}}); });
  CHECK(e.hint() == "did you mean \"global_batch\"?");

  e = input_error_of([] { normalize("parallelism", {{"completely_unrelated", 2}}); });
  CHECK(e.hint().empty());
}

TEST_CASE("context and expert parallelism are parameters, 1 by default") {
  const auto out = normalize("parallelism", {{"cp", 2}});
  CHECK(out.at("cp") == 2);
  CHECK(out.at("ep") == 1);
  const auto e = input_error_of([] { normalize("parallelism", {{"ep", 0}}); });
  CHECK(e.path() == "parallelism.ep");
}

TEST_CASE("pipeline schedules and memory options are parameters") {
  const auto out = normalize("parallelism", {{"schedule", "interleaved"}, {"vpp", 2}, {"recompute", "selective"},
                                             {"sp", true}, {"zero", 3}});
  CHECK(out.at("schedule") == "interleaved");
  CHECK(out.at("vpp") == 2);
  CHECK(out.at("recompute") == "selective");
  CHECK(out.at("sp") == true);
  CHECK(out.at("zero") == 3);
  CHECK(normalize("parallelism", {{"schedule", "gpipe"}}).at("schedule") == "gpipe");
  const auto e = input_error_of([] { normalize("parallelism", {{"zero", 4}}); });
  CHECK(e.path() == "parallelism.zero");
}

TEST_CASE("choices suggest the closest value") {
  auto e = input_error_of([] { normalize("training", {{"precision", "bf61"}}); });
  CHECK(e.path() == "training.precision");
  CHECK(e.value() == "\"bf61\"");
  CHECK_THAT(e.allowed(), Contains("one of \"fp32\", \"tf32\", \"bf16\", \"fp16\", \"fp8\""));
  CHECK(e.hint() == "did you mean \"bf16\"?");

  e = input_error_of([] { normalize("training", {{"precision", 16}}); });
  CHECK(e.value() == "16");
}

TEST_CASE("booleans, strings, sections and required keys") {
  auto e = input_error_of([] { normalize("training", {{"flash_attention", "true"}}); });
  CHECK(e.path() == "training.flash_attention");
  CHECK_THAT(e.what(), Contains("expected true or false"));
  CHECK(e.hint() == "write true without quotes");

  const Schema schema = make_schema();
  e = input_error_of([&] { normalize_section(json::object(), schema.at(""), schema, "", true); });
  CHECK(e.path() == "name");
  CHECK(e.value() == "missing");
  CHECK_THAT(e.allowed(), Contains("required"));

  e = input_error_of([&] {
    normalize_section({{"name", std::string(201, 'x')}}, schema.at(""), schema, "", true);
  });
  CHECK(e.path() == "name");
  CHECK_THAT(e.value(), Contains("201 characters"));

  e = input_error_of([&] {
    normalize_section({{"name", "n"}, {"model", "m"}, {"cluster", 5}}, schema.at(""), schema, "", true);
  });
  CHECK(e.path() == "cluster");
  CHECK_THAT(e.allowed(), Contains("expected an object"));

  e = input_error_of([&] {
    normalize_section({{"name", "n"}, {"model", "m"}, {"cluster", {{"node", "x"}, {"fabric", {{"tiers", 4}}}}}},
                      schema.at(""), schema, "", true);
  });
  CHECK(e.path() == "cluster.fabric.tiers");
  CHECK_THAT(e.allowed(), Contains("from 1 to 3"));
}
