// Engine throughput: the "hold" model. 100,000 events stay pending; each
// executed event schedules one more at a pseudo-random future time, so every
// event is one schedule + one execute at a constant queue size.
// Target (issue 2): >= 20 million events/s on the 2-core CI machine.
#include <chrono>
#include <cstdio>

#include "sim/engine/engine.hpp"
#include "sim/engine/rng.hpp"

namespace {
// Uniform integer in [0, n) by multiply-shift (Lemire), cheaper than %.
std::int64_t below(orrery::RngStream& rng, std::uint64_t n) {
  __extension__ using u128 = unsigned __int128;
  return static_cast<std::int64_t>((static_cast<u128>(rng.next_u64()) * n) >> 64);
}
struct Hold final : orrery::EventHandler {
  std::uint32_t id = 0;
  orrery::RngStream rng{1, 0};
  std::uint64_t remaining = 0;
  void on_event(orrery::Engine& e, std::uint32_t, std::uint64_t) override {
    if (remaining == 0) return;
    --remaining;
    e.schedule_in(orrery::SimTime::from_ns(1 + below(rng, 100000)), id, 0, 0);
  }
};
}  // namespace

int main() {
  const std::uint64_t pending = 100000, total = 20'000'000;
  orrery::Engine engine;
  Hold h;
  h.id = engine.add_handler(&h);
  engine.reserve(pending + 1);
  for (std::uint64_t i = 0; i < pending; ++i)
    engine.schedule_at(orrery::SimTime::from_ns(below(h.rng, 100000)), h.id, 0, 0);
  h.remaining = total;
  auto t0 = std::chrono::steady_clock::now();
  std::uint64_t n = engine.run();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("engine hold model: %llu events with %llu pending in %.3f s = %.1f M events/s\n",
              static_cast<unsigned long long>(n), static_cast<unsigned long long>(pending), s, n / s / 1e6);
  return 0;
}
