// The scale-up link's efficiency from a profile's NCCL rings
// (hardware/link_calibration.hpp), and a scenario naming the profile getting
// it. Every profile here is SYNTHETIC (tests/calib/synthetic_profile.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <vector>

#include <nlohmann/json.hpp>

#include "../scenario/scenario_test_support.hpp"
#include "calib/profile_json.hpp"
#include "hardware/link_calibration.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "synthetic_profile.hpp"
#include "tests/collectives/run_collective.hpp"
#include "../cli/run_orrery.hpp"

using namespace orrery;

namespace {

constexpr double kMiB = 1024.0 * 1024;
constexpr double kGiB = 1024 * kMiB;

LinkSpec nvlink4() {
  LinkSpec l;
  l.name = "nvlink4";
  l.bandwidth_gb_per_s = 450;
  l.latency_us = 0.5;
  l.efficiency = 0.78;
  return l;
}

// The model's per-step latency inside a DGX H100: GPU -> NVSwitch -> GPU
// over NVLink 4 (2 x 0.5 us) plus the default step overhead (5 us).
constexpr double kStepLatency = 1e-6 + 5e-6;

// A measured point as the model would time a ring at `link_gb_per_s` per
// port: bus bytes over the port plus one step latency per ring step (n - 1,
// all-reduce 2(n - 1)); the bus bandwidth as nccl-tests reports it.
CollectivePoint point(const std::string& op, int ranks, double bytes, double link_gb_per_s,
                      double step_latency_s = kStepLatency) {
  const double n = ranks, steps = (op == "all_reduce" ? 2 : 1) * (n - 1);
  const double factor = op == "send_recv" ? 1.0 : steps / n;
  const double seconds = bytes * factor / (link_gb_per_s * 1e9) + steps * step_latency_s;
  CollectivePoint p;
  p.op = op;
  p.ranks = ranks;
  p.bytes = bytes;
  p.bus_gb_per_s = bytes * factor / seconds / 1e9;
  p.time = test::exact_time(seconds * 1e6);
  return p;
}

LinkCalibration calibrate(const CalibrationProfile& p, bool nvls) {
  return calibrate_scale_up_link(p, nvlink4(), nvls, 5e-6);
}

CalibrationProfile with_collectives(std::vector<CollectivePoint> points) {
  CalibrationProfile p =
      test::synthetic_profile(test::powers_of_two(9, 11), [](double, double, double) { return std::log2(5e14); });
  p.collectives.measured = !points.empty();
  p.collectives.reason = points.empty() ? "one visible GPU: collectives need two or more" : "";
  p.collectives.points = std::move(points);
  return p;
}

}  // namespace

TEST_CASE("the rings' bus bandwidth at their largest buffer over the data rate is the link's efficiency") {
  // Latency-bound small buffers must not pull it down; the largest one sets it.
  const CalibrationProfile p = with_collectives({
      point("all_gather", 8, 1 * kMiB, 40),
      point("all_gather", 8, 1 * kGiB, 360),
      point("reduce_scatter", 8, 256 * kMiB, 340),
      point("reduce_scatter", 8, 1 * kGiB, 350),
      point("all_reduce", 8, 1 * kGiB, 480),   // NVLS: the switch reduces; not a port's rate
      point("send_recv", 8, 1 * kGiB, 300),
  });
  const LinkCalibration c = calibrate(p, /*nvls=*/true);
  REQUIRE(c.measured);
  CHECK(c.bus_gb_per_s == Approx(355));
  CHECK(c.efficiency == Approx(355.0 / 450));
  CHECK(c.basis.find("all_gather and reduce_scatter over 8 GPUs at up to 1 GiB") != std::string::npos);

  // Without NVLS the all-reduce is a ring too, and joins the mean.
  const LinkCalibration ring = calibrate(p, /*nvls=*/false);
  REQUIRE(ring.measured);
  CHECK(ring.efficiency == Approx((360.0 + 350 + 480) / 3 / 450));
  CHECK(ring.basis.find("all_gather, reduce_scatter and all_reduce") != std::string::npos);
}

TEST_CASE("without a bandwidth-bound ring the catalog's efficiency stays, and the reason is given") {
  const LinkCalibration none = calibrate(with_collectives({}), true);
  CHECK_FALSE(none.measured);
  CHECK(none.reason == "no collectives: one visible GPU: collectives need two or more");

  // 32 MiB is under the 64 MiB threshold.
  const LinkCalibration small =
      calibrate(with_collectives({point("all_gather", 8, 32 * kMiB, 300)}), true);
  CHECK_FALSE(small.measured);
  CHECK(small.reason.find("64 MiB") != std::string::npos);

  // Only an all-reduce on an NVLS node: nothing that measures a port.
  const LinkCalibration nvls_only =
      calibrate(with_collectives({point("all_reduce", 8, kGiB, 480)}), true);
  CHECK_FALSE(nvls_only.measured);
  CHECK(nvls_only.reason.find("NVLS") != std::string::npos);

  // Only the most GPUs measured count; a point that cannot be a ring's time
  // (no time, or less than the model's latency alone) is passed over.
  CollectivePoint broken = point("reduce_scatter", 8, 2 * kGiB, 300);
  broken.time.median_us = 0;
  CollectivePoint too_fast = point("reduce_scatter", 8, 4 * kGiB, 300);
  too_fast.time.median_us = 10;
  const LinkCalibration most = calibrate(
      with_collectives({point("all_gather", 4, kGiB, 400), point("reduce_scatter", 8, kGiB, 300), broken, too_fast}),
      true);
  REQUIRE(most.measured);
  CHECK(most.efficiency == Approx(300.0 / 450));
  CHECK(most.basis.find("reduce_scatter over 8 GPUs at up to 1 GiB") != std::string::npos);
  const LinkCalibration none_left = calibrate(with_collectives({too_fast}), true);
  CHECK_FALSE(none_left.measured);
  CHECK(none_left.reason.find("less than the model's per-step latency alone") != std::string::npos);

  // Above the data rate (e.g. NCCL's NVLS all-gather) the efficiency is capped.
  const LinkCalibration capped =
      calibrate(with_collectives({point("all_gather", 8, kGiB, 500)}), true);
  REQUIRE(capped.measured);
  CHECK(capped.efficiency == 1.0);
  CHECK(capped.basis.find("capped") != std::string::npos);
}

TEST_CASE("a scenario naming a profile with NCCL rings runs its node's collectives at the measured bandwidth") {
  // dgx-h100: NVLink 4, 450 GB/s per direction, NVLS. Measured: rings at 270
  // GB/s bus bandwidth, where the catalog's 0.78 would give 351.
  const CalibrationProfile p = with_collectives({point("all_gather", 8, kGiB, 270), point("reduce_scatter", 8, kGiB, 270)});
  const test::TempDir dir("link-calibration");
  dir.write("h100.json", profile_json_text(p));
  nlohmann::json doc = test::base_scenario();
  doc["calibration"] = "h100.json";
  const Scenario s = load_scenario_file(dir.write("s.json", doc.dump()), Catalog::builtin());
  CHECK(s.cluster.scale_up.efficiency == Approx(0.6));
  CHECK(s.cluster.scale_up.source.find("measured by the calibration profile") != std::string::npos);
  CHECK(s.cluster.nic.efficiency == Catalog::builtin().link("ib-ndr").efficiency);   // only the scale-up link

  // The model's ring all-gather of 1 GiB over the node's 8 GPUs now moves at
  // the measured bus bandwidth: 7/8 of the buffer at 270 GB/s, plus 7 steps
  // of GPU -> NVSwitch -> GPU latency (2 x 0.5 us) and the per-step overhead.
  const Topology topo(s.cluster);
  std::vector<int> gpus(8);
  std::iota(gpus.begin(), gpus.end(), 0);
  const double t = static_cast<double>(test::simulate(topo, CollectiveOp::all_gather, gpus, kGiB,
                                                      CollectiveAlgorithm::ring)) * 1e-9;
  CHECK(t == Approx(kGiB * 7 / 8 / 270e9 + 7 * (1e-6 + test::kStepOverhead)).epsilon(1e-6));

  // A profile without collectives leaves the catalog's link as it was.
  dir.write("plain.json", profile_json_text(with_collectives({})));
  doc["calibration"] = "plain.json";
  const Scenario plain = load_scenario_file(dir.write("p.json", doc.dump()), Catalog::builtin());
  CHECK(plain.cluster.scale_up.efficiency == Catalog::builtin().link("nvlink4").efficiency);
}

TEST_CASE("orrery collective --calibration prints the measured points beside the simulated ones") {
  CalibrationProfile p = with_collectives({point("all_gather", 8, 512 * kMiB, 250), point("all_gather", 8, kGiB, 270),
                                           point("reduce_scatter", 8, kGiB, 270)});
  const test::TempDir dir("collective-calibration");
  const std::string file = dir.write("h100.json", profile_json_text(p));

  const auto text = test::run_orrery("collective --node dgx-h100 --op all_gather --sizes 256M..1G --calibration " + file);
  REQUIRE(text.code == 0);
  CHECK(test::contains(text.out, "nvlink4 at 0.600 efficiency, measured by"));
  CHECK(test::contains(text.out, "meas busbw"));

  const auto r = test::run_orrery(
      "collective --node dgx-h100 --op all_gather --sizes 256M..1G --algorithm ring --json --calibration " + file, false);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j.at("calibration").at("scale_up_efficiency").get<double>() == Approx(0.6));
  CHECK(j.at("calibration").at("scale_up_measured").get<bool>());
  const auto& rows = j.at("rows");
  REQUIRE(rows.size() == 3);
  CHECK_FALSE(rows[0].contains("measured_busbw_gb_per_s"));   // 256 MiB: not in the profile
  CHECK(rows[1].at("measured_busbw_gb_per_s").get<double>() == Approx(p.collectives.points[0].bus_gb_per_s));
  // 1 GiB, the size the link was calibrated at: the model reproduces the
  // measured time (7/8 S at 270 GB/s plus 7 steps of 6 us).
  const double measured = kGiB * 7 / 8 / 270e9 + 7 * kStepLatency;
  CHECK(rows[2].at("measured_time_us").get<double>() == Approx(measured * 1e6));
  CHECK(rows[2].at("error").get<double>() == Approx(0).margin(1e-6));   // ns ticks
  // 512 MiB was measured slower (250 GB/s) than the link the 1 GiB rings imply.
  CHECK(rows[1].at("error").get<double>() < -0.05);

  // A profile that is not there is an error of --calibration.
  const auto missing = test::run_orrery("collective --node dgx-h100 --calibration " + dir.path().string() + "/none.json");
  CHECK(missing.code == 2);
  CHECK(test::contains(missing.out, "--calibration"));

  // A profile of another GPU is refused, naming both.
  p.device.sm_count = 108;
  const std::string a100 = dir.write("a100.json", profile_json_text(p));
  const auto bad = test::run_orrery("collective --node dgx-h100 --calibration " + a100);
  CHECK(bad.code == 2);
  CHECK(test::contains(bad.out, "--calibration"));
  CHECK(test::contains(bad.out, "108 SMs"));
}
