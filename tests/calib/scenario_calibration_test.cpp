// The scenario key "calibration": path resolution against the scenario
// file's folder, load-time validation, and simulate_step timing kernels with
// the profile instead of the roofline.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>

#include <nlohmann/json.hpp>

#include "../scenario/scenario_test_support.hpp"
#include "../step/test_scenario.hpp"
#include "calib/profile_json.hpp"
#include "hardware/calibrated_device_model.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/step/rank_layout.hpp"
#include "sim/step/simulate_step.hpp"
#include "sim/step/step_program.hpp"
#include "synthetic_profile.hpp"

using namespace orrery;
namespace fs = std::filesystem;

namespace {

// A SYNTHETIC profile for an H100-like part (132 SMs, like the catalog's h100-sxm).
CalibrationProfile h100_synthetic() {
  return test::synthetic_profile(test::powers_of_two(9, 11), [](double, double, double) { return std::log2(5e14); });
}

std::string scenario_with(const std::string& calibration) {
  nlohmann::json doc = test::base_scenario();
  doc["calibration"] = calibration;
  return doc.dump(2);
}

// The tiny scenario with powers-of-two dims and unfused attention, so that
// every GEMM it runs (QKV n = 3h = 3072 aside, which is a node below) is a
// grid node of the profile.
Scenario gemm_heavy_scenario() {
  Scenario s = test::tiny_scenario(1, 1, 8);
  s.model.hidden = 1024;
  s.model.heads = 8;
  s.model.kv_heads = 8;
  s.model.ffn_hidden = 4096;
  s.model.vocab = 8192;
  s.model.max_seq_len = 2048;
  s.model.linear_bias = false;
  s.training.seq_len = 2048;
  s.training.flash_attention = false;
  return s;
}

// Doubles the busy time (time - launch) of every GEMM of the roofline.
class SlowerGemms final : public KernelTimer {
public:
  explicit SlowerGemms(const DeviceModel& d) : d_(d) {}
  double seconds(const KernelWork& w, Precision p) const override {
    const double t = d_.seconds(w, p);
    if (w.kind != KernelKind::gemm) return t;
    const double launch = d_.efficiency().launch_overhead_us * 1e-6;
    return launch + 2 * (t - launch);
  }

private:
  const DeviceModel& d_;
};

// Profile nodes measured as the roofline with GEMMs 2x slower (launch kept),
// and a copy curve equal to the roofline's bandwidth (flat, so clamping at
// its ends changes nothing).
CalibrationProfile half_efficiency_profile(const Scenario& s) {
  const DeviceModel roofline(s.cluster.accelerator, s.efficiency);
  const SlowerGemms slower(roofline);
  const double launch_us = s.efficiency.launch_overhead_us;
  CalibrationProfile p = test::synthetic_profile({128}, [](double, double, double) { return 40.0; }, launch_us);
  p.gemm.clear();
  for (std::int64_t m : {128, 256, 512, 1024, 2048, 3072, 4096, 8192, 16384})
    for (std::int64_t n : {128, 256, 512, 1024, 2048, 3072, 4096, 8192, 16384})
      for (std::int64_t k : {128, 256, 512, 1024, 2048, 3072, 4096, 8192, 16384}) {
        KernelWork w;
        w.kind = KernelKind::gemm;
        w.m = m;
        w.n = n;
        w.k = k;
        w.flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
        w.bytes = 2.0 * static_cast<double>(m * k + k * n + m * n);
        GemmPoint g;
        g.m = m;
        g.n = n;
        g.k = k;
        g.time = test::exact_time(slower.seconds(w, Precision::bf16) * 1e6);
        p.gemm.push_back(g);
      }
  const double bw = s.cluster.accelerator.hbm_bandwidth_gb_per_s * 1e9 * s.efficiency.memory;
  std::vector<double> sizes;
  for (int e = 24; e <= 34; e += 2) sizes.push_back(std::ldexp(1.0, e));
  test::add_copy_curve(p, sizes, [bw](double) { return std::log2(bw); });
  return p;
}

}  // namespace

TEST_CASE("a relative calibration path is resolved against the scenario file's folder") {
  const test::TempDir dir("calib-scenario");
  fs::create_directories(dir.path() / "profiles");
  dir.write("profiles/h100.json", profile_json_text(h100_synthetic()));
  const std::string file = dir.write("scenario.json", scenario_with("profiles/h100.json"));
  // The tests run in the source tree: the path only resolves via the file's folder.
  const Scenario s = load_scenario_file(file, Catalog::builtin());
  REQUIRE(s.calibration);
  CHECK(s.calibration->device.name == "Synthetic GPU");
  CHECK(fs::path(s.calibration_path) == (dir.path() / "profiles" / "h100.json").lexically_normal());
  // Without "calibration" there is no profile.
  nlohmann::json plain = test::base_scenario();
  CHECK_FALSE(parse_scenario(plain, Catalog::builtin()).calibration);
}

TEST_CASE("a missing or bad calibration profile is an input error naming it") {
  const test::TempDir dir("calib-scenario-bad");
  const std::string missing = dir.write("a.json", scenario_with("profiles/none.json"));
  InputError e = test::input_error_of([&] { load_scenario_file(missing, Catalog::builtin()); });
  CHECK(e.path() == "calibration");
  CHECK(e.allowed() == "no such file");
  CHECK(e.value().find("profiles/none.json") != std::string::npos);

  nlohmann::json broken = nlohmann::json::parse(profile_json_text(h100_synthetic()));
  broken["gemm"][0]["median_us"] = -1;
  dir.write("broken.json", broken.dump());
  const std::string bad = dir.write("b.json", scenario_with("broken.json"));
  e = test::input_error_of([&] { load_scenario_file(bad, Catalog::builtin()); });
  CHECK(e.path() == (dir.path() / "broken.json").string() + ": gemm[0].median_us");

  CalibrationProfile a100 = h100_synthetic();
  a100.device.name = "Synthetic A100";
  a100.device.sm_count = 108;
  dir.write("a100.json", profile_json_text(a100));
  const std::string other = dir.write("c.json", scenario_with("a100.json"));
  e = test::input_error_of([&] { load_scenario_file(other, Catalog::builtin()); });
  CHECK(e.path() == "calibration");
  CHECK(e.allowed().find("108 SMs") != std::string::npos);
  CHECK(e.allowed().find("132 SMs") != std::string::npos);

  const std::string folder = dir.write("d.json", scenario_with("."));
  e = test::input_error_of([&] { load_scenario_file(folder, Catalog::builtin()); });
  CHECK(e.allowed() == "not a file");
}

TEST_CASE("a profile with GEMMs at half the roofline's efficiency lengthens the step by the GEMM share") {
  const Scenario plain = gemm_heavy_scenario();
  Scenario calibrated = plain;
  calibrated.calibration = std::make_shared<const CalibrationProfile>(half_efficiency_profile(plain));

  // Expected compute: the roofline with every GEMM's busy time doubled.
  const RankLayout layout(1, 1, 8, plain.model.layers);
  const DeviceModel roofline(plain.cluster.accelerator, plain.efficiency);
  const double roofline_compute = build_step_program(plain, layout, roofline).stages[0].compute_s;
  const double expected_compute = build_step_program(plain, layout, SlowerGemms(roofline)).stages[0].compute_s;
  const CalibratedDeviceModel model(plain.cluster.accelerator, plain.efficiency, calibrated.calibration);
  CHECK(build_step_program(plain, layout, model).stages[0].compute_s == Approx(expected_compute).epsilon(1e-9));

  const StepResult a = simulate_step(plain), b = simulate_step(calibrated);
  REQUIRE(a.fits);
  REQUIRE(b.fits);
  CHECK(a.breakdown.compute_s == Approx(roofline_compute).epsilon(1e-9));
  CHECK(b.breakdown.compute_s == Approx(expected_compute).epsilon(1e-9));
  // Direction and size: GEMMs are most of this step's compute, so it grows
  // by 1 + (GEMM busy share): between 1.5x and 2x.
  // The data-parallel all-reduce after the backward is the same in both: the
  // step grows by exactly the extra compute.
  CHECK(b.time_s - a.time_s == Approx(expected_compute - roofline_compute).epsilon(1e-6));
  const double ratio = b.time_s / a.time_s;
  CHECK(ratio > 1.5);
  CHECK(ratio < 2.0);
  CHECK(b.mfu < a.mfu);
}
