// The scenario's "collectives" section and the nodes' "nvls" flag.
#include <catch2/catch.hpp>

#include "sim/scenario/catalog.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "tests/scenario/scenario_test_support.hpp"

using orrery::Catalog;
using orrery::CollectiveAlgorithm;
using orrery::CollectiveOp;
using orrery::parse_scenario;
using orrery::test::base_scenario;
using orrery::test::input_error_of;
using Catch::Matchers::Contains;

namespace {
CollectiveAlgorithm algorithm(const orrery::Scenario& s, CollectiveOp op) {
  return s.collectives.algorithm[static_cast<std::size_t>(op)];
}
}  // namespace

TEST_CASE("collectives: defaults leave every choice automatic with a 5 us step overhead") {
  const Catalog catalog = Catalog::builtin();
  const auto s = parse_scenario(base_scenario(), catalog);
  CHECK(s.collectives.step_overhead_s == Approx(5e-6));
  for (std::size_t op = 0; op < orrery::kCollectiveOps; ++op)
    CHECK(s.collectives.algorithm[op] == CollectiveAlgorithm::automatic);
  CHECK(s.cluster.node.nvls);  // dgx-h100: NVSwitch gen3 reduces in-switch
}

TEST_CASE("collectives: per-op algorithms and the step overhead are read") {
  const Catalog catalog = Catalog::builtin();
  auto doc = base_scenario();
  doc["collectives"] = {{"all_reduce", "ring"}, {"all_to_all", "pairwise"}, {"step_overhead_us", 2.5}};
  const auto s = parse_scenario(doc, catalog);
  CHECK(algorithm(s, CollectiveOp::all_reduce) == CollectiveAlgorithm::ring);
  CHECK(algorithm(s, CollectiveOp::all_to_all) == CollectiveAlgorithm::pairwise);
  CHECK(algorithm(s, CollectiveOp::reduce_scatter) == CollectiveAlgorithm::automatic);
  CHECK(s.collectives.step_overhead_s == Approx(2.5e-6));
}

TEST_CASE("collectives: an algorithm that does not implement the op is an input error") {
  const Catalog catalog = Catalog::builtin();
  auto doc = base_scenario();
  doc["collectives"] = {{"all_reduce", "direct"}};
  const auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "collectives.all_reduce");
  CHECK_THAT(e.allowed(), Contains("nvls"));
  doc["collectives"] = {{"step_overhead_us", -1}};
  CHECK(input_error_of([&] { parse_scenario(doc, catalog); }).path() == "collectives.step_overhead_us");
}

TEST_CASE("fabric: a torus needs dimensions that hold every chip") {
  const Catalog catalog = Catalog::builtin();
  auto doc = base_scenario();  // 32 nodes x 8 = 256 GPUs
  doc["cluster"]["fabric"] = {{"topology", "torus"}, {"torus_dims", "8x8x4"}};
  const auto s = parse_scenario(doc, catalog);
  CHECK(s.cluster.fabric.torus_dims == std::vector<int>{8, 8, 4});
  doc["cluster"]["fabric"]["torus_dims"] = "8x8x8";
  auto e = input_error_of([&] { parse_scenario(doc, catalog); });
  CHECK(e.path() == "cluster.fabric.torus_dims");
  CHECK_THAT(e.allowed(), Contains("256 GPUs"));
  doc["cluster"]["fabric"]["torus_dims"] = "16x16";
  CHECK_NOTHROW(parse_scenario(doc, catalog));
  for (const char* bad : {"", "8x8x", "64x4", "2x2x2x32", "8*8*4"}) {
    INFO(bad);
    doc["cluster"]["fabric"]["torus_dims"] = bad;
    CHECK(input_error_of([&] { parse_scenario(doc, catalog); }).path() == "cluster.fabric.torus_dims");
  }
}

TEST_CASE("fabric: spine oversubscription and spine_link are read") {
  const Catalog catalog = Catalog::builtin();
  auto doc = base_scenario();
  doc["cluster"]["fabric"] = {{"tiers", 3}, {"spine_oversubscription", 7}, {"spine_link", "ib-xdr"}};
  const auto s = parse_scenario(doc, catalog);
  CHECK(s.cluster.fabric.spine_oversubscription == 7);
  CHECK(s.cluster.fabric.spine_link.name == "ib-xdr");
  CHECK(parse_scenario(base_scenario(), catalog).cluster.fabric.spine_link.name == "ib-ndr");  // = link = nic
}
