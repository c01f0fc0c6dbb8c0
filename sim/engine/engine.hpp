#pragma once
// Engine: the discrete-event loop. Components register once and receive the
// events addressed to them; an event is a small value (handler index, tag,
// argument), not a heap-allocated object. There are no globals: every
// component is handed the Engine& it runs on.
//
// Cancellation is O(1) and belongs to the component: it stores a generation
// counter, puts the generation in the event's `arg`, and ignores an event
// whose generation is stale.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/engine/event_queue.hpp"
#include "sim/engine/sim_time.hpp"

namespace orrery {

class Engine;

class EventHandler {
public:
  virtual ~EventHandler() = default;
  virtual void on_event(Engine& engine, std::uint32_t tag, std::uint64_t arg) = 0;
};

class Engine {
public:
  // Registers a component; the returned id addresses its events.
  std::uint32_t add_handler(EventHandler* h) {
    handlers_.push_back(h);
    return static_cast<std::uint32_t>(handlers_.size() - 1);
  }

  SimTime now() const { return now_; }
  std::uint64_t events_executed() const { return executed_; }
  std::size_t pending() const { return queue_.size(); }
  void reserve(std::size_t n) { queue_.reserve(n); }

  // Schedules an event at absolute time `at` (never in the past).
  void schedule_at(SimTime at, std::uint32_t handler, std::uint32_t tag, std::uint64_t arg) {
    if (at < now_) throw std::logic_error("Engine: event scheduled in the past");
    if (handler >= handlers_.size()) throw std::logic_error("Engine: unknown handler");
    queue_.push(Event{at, next_seq_++, handler, tag, arg});
  }
  void schedule_in(SimTime delay, std::uint32_t handler, std::uint32_t tag, std::uint64_t arg) {
    schedule_at(now_ + delay, handler, tag, arg);
  }

  // Runs until no event is left or `until` is passed; returns events executed.
  std::uint64_t run(SimTime until = SimTime::max()) {
    std::uint64_t n = 0;
    Event e;
    while (queue_.pop_until(until, e)) {
      now_ = e.time;
      handlers_[e.handler]->on_event(*this, e.tag, e.arg);
      ++n;
    }
    executed_ += n;
    return n;
  }

private:
  EventQueue queue_;
  std::vector<EventHandler*> handlers_;
  SimTime now_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t executed_ = 0;
};

}  // namespace orrery
