#pragma once
// SimTime: simulated time as a strong int64 count of nanoseconds.
// 2^63 ns is 292 years, enough for a whole training run; events are ordered
// on integers, never on doubles compared with a tolerance.
#include <cmath>
#include <compare>
#include <cstdint>
#include <limits>
#include <stdexcept>

namespace orrery {

class SimTime {
public:
  constexpr SimTime() = default;
  static constexpr SimTime from_ns(std::int64_t ns) { return SimTime(ns); }
  // Rounds to the nearest nanosecond; a positive duration never rounds to 0
  // (a task that takes time must advance the clock).
  static SimTime from_seconds(double s) {
    if (!std::isfinite(s) || s < 0 || s > 9.2e9)
      throw std::out_of_range("SimTime::from_seconds: duration out of range");
    auto ns = static_cast<std::int64_t>(std::llround(s * 1e9));
    if (ns == 0 && s > 0) ns = 1;
    return SimTime(ns);
  }
  static constexpr SimTime zero() { return SimTime(0); }
  static constexpr SimTime max() { return SimTime(std::numeric_limits<std::int64_t>::max()); }

  constexpr std::int64_t ns() const { return ns_; }
  constexpr double seconds() const { return static_cast<double>(ns_) * 1e-9; }

  constexpr auto operator<=>(const SimTime&) const = default;
  constexpr SimTime operator+(SimTime o) const { return SimTime(ns_ + o.ns_); }
  constexpr SimTime operator-(SimTime o) const { return SimTime(ns_ - o.ns_); }
  constexpr SimTime& operator+=(SimTime o) { ns_ += o.ns_; return *this; }

private:
  constexpr explicit SimTime(std::int64_t ns) : ns_(ns) {}
  std::int64_t ns_ = 0;
};

}  // namespace orrery
