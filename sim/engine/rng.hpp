#pragma once
// Seeded random streams, one per component: a stream's numbers depend only on
// (seed, stream id), never on how many numbers other components drew.
// SplitMix64 derives the stream state; xoshiro256** generates. Distributions
// are computed here (not with <random>'s, whose output differs between
// standard libraries) so that results are identical on every platform.
#include <cmath>
#include <cstdint>

namespace orrery {

class RngStream {
public:
  RngStream(std::uint64_t seed, std::uint64_t stream_id) {
    std::uint64_t x = seed ^ (0x9E3779B97F4A7C15ull * (stream_id + 1));
    for (auto& s : s_) s = splitmix64(x);
  }
  std::uint64_t next_u64() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0]; s_[3] ^= s_[1]; s_[1] ^= s_[2]; s_[0] ^= s_[3];
    s_[2] ^= t; s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  // Exponential with the given mean.
  double exponential(double mean) { return -mean * std::log1p(-uniform()); }
  // Weibull with shape k and scale lambda (inverse CDF).
  double weibull(double shape, double scale) {
    return scale * std::pow(-std::log1p(-uniform()), 1.0 / shape);
  }

private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t s_[4];
};

}  // namespace orrery
