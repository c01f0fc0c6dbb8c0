#include <catch2/catch.hpp>

#include "sim/engine/sim_time.hpp"

using orrery::SimTime;

TEST_CASE("SimTime rounds seconds to the nearest nanosecond") {
  CHECK(SimTime::from_seconds(1.5e-9).ns() == 2);
  CHECK(SimTime::from_seconds(1.4e-9).ns() == 1);
  CHECK(SimTime::from_seconds(2.0).ns() == 2'000'000'000);
  // A positive duration always advances the clock.
  CHECK(SimTime::from_seconds(1e-12).ns() == 1);
  CHECK(SimTime::from_seconds(0.0).ns() == 0);
}

TEST_CASE("SimTime refuses durations it cannot represent") {
  CHECK_THROWS_AS(SimTime::from_seconds(-1.0), std::out_of_range);
  CHECK_THROWS_AS(SimTime::from_seconds(1e300), std::out_of_range);
  CHECK_THROWS_AS(SimTime::from_seconds(std::nan("")), std::out_of_range);
}

TEST_CASE("SimTime arithmetic and ordering are integer") {
  auto a = SimTime::from_ns(3), b = SimTime::from_ns(5);
  CHECK((a + b).ns() == 8);
  CHECK((b - a).ns() == 2);
  CHECK(a < b);
  CHECK(SimTime::from_ns(1'000'000'000).seconds() == 1.0);
}
