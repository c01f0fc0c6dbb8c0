#pragma once
// EventQueue: pending events ordered by (time, sequence number).
//
// A radix heap (Ahuja, Mehlhorn, Orlin & Tarjan 1990) over the event time.
// It relies on what a discrete-event engine guarantees: no event is pushed
// earlier than the last one popped. Bucket i holds the events whose time
// differs from that last time in its highest bit i; bucket 0 holds the
// events at exactly that time. Popping drains bucket 0 first-in first-out;
// when it is empty, the lowest non-empty bucket is split around its minimum
// time and each event moves to a strictly lower bucket, so an event moves
// at most 64 times and, for the short horizons of a simulation, a few.
//
// Ties: events pushed at the current time are appended to bucket 0 in
// sequence order; the events a split moves into bucket 0 are sorted by
// sequence. So equal-time events run in the order they were scheduled,
// never by address or heap layout, and a run is reproducible byte for byte.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "sim/engine/sim_time.hpp"

namespace orrery {

struct Event {
  SimTime time;
  std::uint64_t seq = 0;
  std::uint32_t handler = 0;  // index of the component that receives it
  std::uint32_t tag = 0;      // component-defined kind
  std::uint64_t arg = 0;      // component-defined payload (an index, a generation)
};

class EventQueue {
public:
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  void reserve(std::size_t n) { buckets_[0].reserve(n / 8 + 16); }

  // Precondition: e.time >= the time of the last popped event.
  void push(const Event& e) {
    const auto key = static_cast<std::uint64_t>(e.time.ns());
    if (key < last_) throw std::logic_error("EventQueue: push earlier than the last pop");
    buckets_[bucket_of(key)].push_back(e);
    ++size_;
  }

  // Pops the first event if its time is <= until; returns false otherwise.
  bool pop_until(SimTime until, Event& out) {
    auto& b0 = buckets_[0];
    if (head0_ == b0.size()) {
      if (size_ == 0) return false;
      b0.clear();
      head0_ = 0;
      std::size_t i = 1;
      while (buckets_[i].empty()) ++i;
      auto& bi = buckets_[i];
      std::uint64_t min = UINT64_MAX;
      for (const Event& e : bi) min = std::min(min, static_cast<std::uint64_t>(e.time.ns()));
      if (min > static_cast<std::uint64_t>(until.ns())) return false;
      last_ = min;
      for (const Event& e : bi) buckets_[bucket_of(static_cast<std::uint64_t>(e.time.ns()))].push_back(e);
      bi.clear();
      if (b0.size() > 1)
        std::sort(b0.begin(), b0.end(), [](const Event& a, const Event& b) { return a.seq < b.seq; });
    }
    if (b0[head0_].time > until) return false;
    out = b0[head0_++];
    --size_;
    return true;
  }

  Event pop() {
    Event e;
    if (!pop_until(SimTime::max(), e)) throw std::logic_error("EventQueue: pop from an empty queue");
    return e;
  }

private:
  std::size_t bucket_of(std::uint64_t key) const {
    return key == last_ ? 0 : static_cast<std::size_t>(64 - std::countl_zero(key ^ last_));
  }
  std::array<std::vector<Event>, 65> buckets_;
  std::size_t head0_ = 0;     // next unread event of bucket 0
  std::uint64_t last_ = 0;    // time of the last split minimum (<= the engine's now)
  std::size_t size_ = 0;
};

}  // namespace orrery
