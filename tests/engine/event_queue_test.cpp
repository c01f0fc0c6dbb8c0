#include <algorithm>
#include <vector>

#include <catch2/catch.hpp>

#include "sim/engine/event_queue.hpp"
#include "sim/engine/rng.hpp"

using namespace orrery;

TEST_CASE("EventQueue pops in (time, sequence) order") {
  EventQueue q;
  // Same times pushed in scrambled order; ties must come out by sequence.
  q.push({SimTime::from_ns(5), 2, 0, 0, 52});
  q.push({SimTime::from_ns(1), 3, 0, 0, 13});
  q.push({SimTime::from_ns(5), 0, 0, 0, 50});
  q.push({SimTime::from_ns(5), 1, 0, 0, 51});
  q.push({SimTime::from_ns(0), 4, 0, 0, 4});
  std::vector<std::uint64_t> order;
  while (!q.empty()) order.push_back(q.pop().arg);
  CHECK(order == std::vector<std::uint64_t>{4, 13, 50, 51, 52});
}

TEST_CASE("EventQueue sorts a large random set like std::sort") {
  EventQueue q;
  RngStream rng(7, 0);
  std::vector<Event> ref;
  for (std::uint64_t i = 0; i < 20000; ++i) {
    Event e{SimTime::from_ns(static_cast<std::int64_t>(rng.next_u64() % 1000)), i, 0, 0, i};
    q.push(e);
    ref.push_back(e);
  }
  std::sort(ref.begin(), ref.end(), [](const Event& a, const Event& b) {
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
  });
  for (const auto& e : ref) {
    REQUIRE(!q.empty());
    Event got = q.pop();
    REQUIRE(got.seq == e.seq);
  }
  CHECK(q.empty());
}
