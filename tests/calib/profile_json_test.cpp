// The profile file format: a written profile reads back to the same values,
// and every kind of bad input is an InputError naming the file and JSON path.
#include <catch2/catch.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "calib/profile_json.hpp"
#include "sim/scenario/input_error.hpp"
#include "synthetic_profile.hpp"

using namespace orrery;
using json = nlohmann::json;

namespace {

// A small SYNTHETIC profile with a point in every section.
CalibrationProfile sample() {
  CalibrationProfile p =
      test::synthetic_profile({512, 1024}, [](double, double, double) { return std::log2(3e14); }, 2.25);
  p.gemm.push_back({Precision::fp8, 8192, 1280, 8192, 1, GemmOrigin::transformer, test::exact_time(31.5)});
  p.gemm.push_back({Precision::bf16, 2048, 128, 2048, 64, GemmOrigin::attention, test::exact_time(400.125)});
  test::add_copy_curve(p, {1 << 20, 1 << 22}, [](double) { return std::log2(2.5e12); });
  p.memory.push_back({"rmsnorm", 2.0 * 4096 * 8192 * 2 + 4096 * 4 + 8192 * 2, 4096, 8192, test::exact_time(60.0)});
  p.attention.push_back({"forward", "unfused", 64, 2048, 128, test::exact_time(900.0)});
  p.host_transfers.push_back({"h2d", 1 << 26, test::exact_time(1300.0)});
  p.collectives.measured = true;
  p.collectives.reason = "";
  p.collectives.points.push_back({"all_reduce", 8, 1 << 28, test::exact_time(1800.0), 260.9});
  p.conditions.nvml = true;
  p.conditions.clock_events = {"sw_power_cap"};
  p.conditions.warnings = {"a warning"};
  p.device.nccl_version = "2.28.3";
  return p;
}

InputError error_of(const json& doc) {
  try {
    profile_from_json(doc, "p.json");
  } catch (const InputError& e) {
    return e;
  }
  FAIL("expected an InputError");
  throw std::logic_error("unreachable");
}

json sample_json() { return json::parse(profile_json_text(sample())); }

}  // namespace

TEST_CASE("a profile written and read back has the same values and the same text") {
  const CalibrationProfile p = sample();
  const std::string text = profile_json_text(p);
  const CalibrationProfile back = profile_from_json(json::parse(text), "p.json");
  CHECK(profile_to_json(back) == profile_to_json(p));
  CHECK(profile_json_text(back) == text);
  CHECK(back.gemm.size() == 8 + 2);
  CHECK(back.gemm[8].precision == Precision::fp8);
  CHECK(back.gemm[9].origin == GemmOrigin::attention);
  CHECK(back.gemm[9].batch == 64);
  CHECK(back.collectives.points.at(0).bus_gb_per_s == 260.9);
  // Doubles survive the text exactly.
  CHECK(back.gemm[0].time.median_us == p.gemm[0].time.median_us);
  // One point per line: 10 GEMM lines.
  std::size_t lines = 0;
  for (std::size_t at = text.find("{\"precision\""); at != std::string::npos; at = text.find("{\"precision\"", at + 1))
    ++lines;
  CHECK(lines == 10);
}

TEST_CASE("a profile of another format or version is refused") {
  json doc = sample_json();
  doc["format"] = "orrery-calibration-profile/2";
  const InputError e = error_of(doc);
  CHECK(e.path() == "p.json: format");
  CHECK(e.allowed() == "\"orrery-calibration-profile/1\"");
}

TEST_CASE("a spread that does not bracket the median names the point") {
  json doc = sample_json();
  doc["gemm"][1]["p10_us"] = doc["gemm"][1]["median_us"].get<double>() * 2;
  CHECK(error_of(doc).path() == "p.json: gemm[1].p10_us");
  doc = sample_json();
  doc["memory"][0]["p90_us"] = 0.5 * doc["memory"][0]["median_us"].get<double>();
  CHECK(error_of(doc).path() == "p.json: memory[0].p90_us");
}

TEST_CASE("unknown keys missing keys and bad values are errors with paths") {
  json doc = sample_json();
  doc["gemm"][0]["flops"] = 1;
  InputError e = error_of(doc);
  CHECK(e.path() == "p.json: gemm[0].flops");
  CHECK(e.value() == "unknown key");

  doc = sample_json();
  doc.erase("launch_overhead");
  e = error_of(doc);
  CHECK(e.path() == "p.json: launch_overhead");
  CHECK(e.value() == "missing");

  doc = sample_json();
  doc["gemm"][2]["m"] = -4;
  CHECK(error_of(doc).path() == "p.json: gemm[2].m");

  doc = sample_json();
  doc["gemm"][2]["k"] = 12.5;
  CHECK(error_of(doc).path() == "p.json: gemm[2].k");

  doc = sample_json();
  doc["gemm"][0]["precision"] = "int8";
  e = error_of(doc);
  CHECK(e.path() == "p.json: gemm[0].precision");
  CHECK(e.allowed() == "one of fp32, tf32, bf16, fp16, fp8");

  doc = sample_json();
  doc["memory"][0]["median_us"] = 0;
  CHECK(error_of(doc).path() == "p.json: memory[0].median_us");

  doc = sample_json();
  doc["device"]["sm_count"] = "132";
  CHECK(error_of(doc).path() == "p.json: device.sm_count");

  doc = sample_json();
  doc["collectives"]["points"][0]["ranks"] = 1;
  CHECK(error_of(doc).path() == "p.json: collectives.points[0].ranks");
}

TEST_CASE("a point measured twice is an error") {
  json doc = sample_json();
  doc["gemm"][1] = doc["gemm"][0];
  const InputError e = error_of(doc);
  CHECK(e.path() == "p.json: gemm[1]");
  CHECK(e.value() == "bf16 512x512x512 batch 1");
}

TEST_CASE("collectives not measured need a reason and no points") {
  json doc = sample_json();
  doc["collectives"]["measured"] = false;
  CHECK(error_of(doc).path() == "p.json: collectives.points");
  doc["collectives"]["points"] = json::array();
  doc["collectives"]["reason"] = "";
  CHECK(error_of(doc).path() == "p.json: collectives.reason");
  doc["collectives"]["reason"] = "one visible GPU";
  CHECK(profile_from_json(doc, "p.json").collectives.reason == "one visible GPU");
}

TEST_CASE("a profile with neither GEMM nor memory points is refused") {
  json doc = sample_json();
  doc["gemm"] = json::array();
  doc["memory"] = json::array();
  const InputError e = error_of(doc);
  CHECK(e.path() == "p.json");
  CHECK(e.value() == "no GEMM or memory measurements");
}

TEST_CASE("a document that is not an object is refused at its root") {
  const InputError e = error_of(json::array());
  CHECK(e.path() == "p.json");
  CHECK(e.allowed() == "expected an object");
}
