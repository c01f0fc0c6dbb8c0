#include <vector>

#include <catch2/catch.hpp>

#include "sim/engine/engine.hpp"

using namespace orrery;

namespace {
// Records (time, arg) of every event it receives; tag 1 schedules a follow-up.
struct Recorder final : EventHandler {
  std::uint32_t id = 0;
  std::vector<std::pair<std::int64_t, std::uint64_t>> seen;
  void on_event(Engine& e, std::uint32_t tag, std::uint64_t arg) override {
    seen.emplace_back(e.now().ns(), arg);
    if (tag == 1) e.schedule_in(SimTime::from_ns(10), id, 0, arg + 100);
  }
};
// A timer that can be re-armed; a stale event (old generation) is ignored.
struct Timer final : EventHandler {
  std::uint32_t id = 0;
  std::uint64_t generation = 0;
  int fired = 0;
  std::int64_t fired_at = -1;
  void arm(Engine& e, SimTime at) { e.schedule_at(at, id, 0, ++generation); }
  void on_event(Engine& e, std::uint32_t, std::uint64_t gen) override {
    if (gen != generation) return;  // cancelled
    ++fired;
    fired_at = e.now().ns();
  }
};
}  // namespace

TEST_CASE("Engine delivers events in time order, ties in scheduling order") {
  Engine engine;
  Recorder r;
  r.id = engine.add_handler(&r);
  engine.schedule_at(SimTime::from_ns(20), r.id, 0, 2);
  engine.schedule_at(SimTime::from_ns(10), r.id, 1, 1);   // schedules arg 101 at t=20
  engine.schedule_at(SimTime::from_ns(20), r.id, 0, 3);
  CHECK(engine.run() == 4);
  // At t=20: 2 and 3 were scheduled before 101, so they run first.
  std::vector<std::pair<std::int64_t, std::uint64_t>> expect{{10, 1}, {20, 2}, {20, 3}, {20, 101}};
  CHECK(r.seen == expect);
  CHECK(engine.now().ns() == 20);
}

TEST_CASE("Engine stops at the horizon and keeps later events") {
  Engine engine;
  Recorder r;
  r.id = engine.add_handler(&r);
  engine.schedule_at(SimTime::from_ns(5), r.id, 0, 1);
  engine.schedule_at(SimTime::from_ns(50), r.id, 0, 2);
  CHECK(engine.run(SimTime::from_ns(10)) == 1);
  CHECK(engine.pending() == 1);
  CHECK(engine.run() == 1);
}

TEST_CASE("Re-arming a timer cancels the earlier event in O(1)") {
  Engine engine;
  Timer t;
  t.id = engine.add_handler(&t);
  t.arm(engine, SimTime::from_ns(100));
  t.arm(engine, SimTime::from_ns(40));    // supersedes the first
  engine.run();
  CHECK(t.fired == 1);
  CHECK(t.fired_at == 40);
}

TEST_CASE("Engine refuses events in the past and unknown handlers") {
  Engine engine;
  Timer t;
  t.id = engine.add_handler(&t);
  t.arm(engine, SimTime::from_ns(10));
  engine.run();
  CHECK_THROWS_AS(engine.schedule_at(SimTime::from_ns(5), t.id, 0, 0), std::logic_error);
  CHECK_THROWS_AS(engine.schedule_at(SimTime::from_ns(50), 99, 0, 0), std::logic_error);
}
