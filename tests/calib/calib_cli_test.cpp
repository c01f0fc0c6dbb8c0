// `orrery calib check | show` end to end: the real binary on a SYNTHETIC
// profile written to a temporary folder.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <string>
#include <sys/wait.h>

#include "../cli/run_orrery.hpp"
#include "../scenario/scenario_test_support.hpp"
#include "calib/profile_json.hpp"
#include "synthetic_profile.hpp"

namespace {

using orrery::test::contains;
using orrery::test::run_orrery;
using Result = orrery::test::CommandResult;

}  // namespace

TEST_CASE("orrery calib check and show read a profile and print their tables") {
  const orrery::test::TempDir dir("calib-cli");
  orrery::CalibrationProfile p = orrery::test::synthetic_profile(
      orrery::test::powers_of_two(9, 12), [](double u, double, double) { return std::log2(4e14) + 0.05 * (u - 9); });
  p.device.name = "NVIDIA H100 80GB HBM3";   // so that show finds h100-sxm in the catalog
  orrery::test::add_copy_curve(p, {1 << 20, 1 << 24, 1 << 28}, [](double) { return std::log2(2.5e12); });
  const std::string file = dir.write("p.json", orrery::profile_json_text(p));

  const Result check = run_orrery("calib check " + file);
  CHECK(check.code == 0);
  CHECK(contains(check.out, "gemm bf16: grid, leave-one-out"));
  CHECK(contains(check.out, "memory: copy curve, leave-one-out"));

  const Result show = run_orrery("calib show " + file);
  CHECK(show.code == 0);
  CHECK(contains(show.out, "catalog accelerator h100-sxm"));
  // 512^3 at 400 TFLOP/s + 0.5 us launch: 268.4 MFLOP / 1.171 us = 229.2 TFLOP/s, 23% of 989.5.
  CHECK(contains(show.out, "229.2 ( 23%)"));
  CHECK(contains(show.out, "HBM bandwidth"));

  const Result other = run_orrery("calib show " + file + " --accelerator a100-sxm-80gb");
  CHECK(other.code == 0);
  CHECK(contains(other.out, "229.2 ( 73%)"));   // of 312
}

TEST_CASE("orrery calib on a bad profile exits 2 naming the file and path") {
  const orrery::test::TempDir dir("calib-cli-bad");
  const std::string file = dir.write("bad.json", R"({"format": "orrery-calibration-profile/1", "device": {"name": "x", "sm_count": 1},
    "launch_overhead": {"median_us": 2, "p10_us": 1, "p90_us": 3, "repetitions": 10},
    "gemm": [{"precision": "bf16", "m": 0, "n": 1, "k": 1, "batch": 1, "origin": "grid",
              "median_us": 2, "p10_us": 1, "p90_us": 3, "repetitions": 10}]})");
  const Result r = run_orrery("calib check " + file);
  CHECK(r.code == 2);
  CHECK(contains(r.out, file + ": gemm[0].m"));
  const Result missing = run_orrery("calib show " + file + ".nope");
  CHECK(missing.code == 2);
  CHECK(contains(missing.out, "no such file"));
}
