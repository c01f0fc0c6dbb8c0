// `orrery collective`, end to end: the real binary in a subprocess.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "run_orrery.hpp"

using orrery::test::contains;
using orrery::test::run_orrery;

TEST_CASE("orrery collective prints one row per doubling size with the algorithm") {
  const auto r = run_orrery("collective --node dgx-h100 --nodes 1 --op all_reduce --sizes 1K..8K", false);
  REQUIRE(r.code == 0);
  CHECK(contains(r.out, "busbw(GB/s)"));
  // 1K, 2K, 4K, 8K: four rows; DGX H100's NVSwitch reduces in-switch, so
  // automatic runs NVLS inside the node.
  for (const char* size : {" 1024 ", " 2048 ", " 4096 ", " 8192 "}) CHECK(contains(r.out, size));
  CHECK(!contains(r.out, " 16384 "));
  std::size_t rows = 0;
  for (std::size_t at = r.out.find(" nvls\n"); at != std::string::npos; at = r.out.find(" nvls\n", at + 1)) ++rows;
  CHECK(rows == 4);
}

TEST_CASE("orrery collective busbw of a ring all-reduce on one node equals the closed form") {
  // DGX A100: NVLink 3 at 300 GB/s per GPU x 0.78 efficiency = 234 GB/s and
  // 0.5 us per link, so a ring step costs alpha = 2 x 0.5 + 5 (step
  // overhead) = 6 us. n = 8, S = 1 GiB:
  //   t = 2 x 7/8 x S / 2.34e11 + 14 x 6 us,  busbw = 2 x 7/8 x S / t (~232 GB/s,
  //   nccl-tests' ~230-240 on DGX A100).
  const auto r = run_orrery("collective --node dgx-a100 --nodes 1 --op all_reduce --sizes 1G..1G --algorithm ring --json",
                            false);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  REQUIRE(j.at("rows").size() == 1);
  const auto& row = j.at("rows").at(0);
  const double s = 1073741824.0;
  const double t = 1.75 * s / 2.34e11 + 14 * 6e-6;
  CHECK(row.at("algorithm") == "ring");
  CHECK(row.at("time_us").get<double>() == Approx(t * 1e6).epsilon(1e-6));
  CHECK(row.at("algbw_gb_per_s").get<double>() == Approx(s / t / 1e9).epsilon(1e-6));
  CHECK(row.at("busbw_gb_per_s").get<double>() == Approx(1.75 * s / t / 1e9).epsilon(1e-6));
  CHECK(row.at("count").get<double>() == s / 4);
}

TEST_CASE("orrery collective rejects a bad op or size range with exit code 2") {
  auto r = run_orrery("collective --op all_reduc");
  CHECK(r.code == 2);
  CHECK(contains(r.out, "--op: \"all_reduc\""));
  CHECK(contains(r.out, "all_to_all"));
  r = run_orrery("collective --sizes 8G..1K");
  CHECK(r.code == 2);
  CHECK(contains(r.out, "--sizes"));
  r = run_orrery("collective --sizes 1X");
  CHECK(r.code == 2);
  r = run_orrery("collective --op all_to_all --algorithm ring");
  CHECK(r.code == 2);
  CHECK(contains(r.out, "direct, pairwise"));
  r = run_orrery("collective --node dgx-h10");
  CHECK(r.code == 2);
  CHECK(contains(r.out, "did you mean \"dgx-h100\""));
}
