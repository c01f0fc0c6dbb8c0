#include "reports/number_format.hpp"

#include <array>
#include <cmath>

#include <fmt/format.h>

namespace orrery {

std::string format_3sig(double value) {
  if (!std::isfinite(value)) return fmt::format("{}", value);
  const double magnitude = std::fabs(value);
  if (magnitude == 0) return "0";
  // Fewest decimals that still show three significant digits after rounding:
  // 99.95 and up rounds to a three-digit integer, 9.995 and up needs one
  // decimal, and so on. Capped so that denormal-sized values stay short.
  int decimals = 0;
  double threshold = 99.95;
  while (magnitude < threshold && decimals < 12) {
    ++decimals;
    threshold /= 10;
  }
  return fmt::format("{:.{}f}", value, decimals);
}

std::string format_scaled(double value) {
  if (!std::isfinite(value)) return fmt::format("{}", value);
  struct Scale {
    double factor;
    const char* suffix;
  };
  static constexpr std::array<Scale, 4> scales{{{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "k"}}};
  const double magnitude = std::fabs(value);
  for (const Scale& s : scales) {
    // 0.9995 so that 999.6 k is written 1.00 M, not 1000 k.
    if (magnitude >= s.factor * 0.9995) return format_3sig(value / s.factor) + " " + s.suffix;
  }
  return format_3sig(value);
}

std::string format_percent(double fraction) { return fmt::format("{:.1f}%", fraction * 100); }

std::string text_bar(double fraction, int width_cells) {
  if (!(fraction > 0) || width_cells <= 0) return {};  // also catches NaN
  if (fraction > 1) fraction = 1;
  static constexpr std::array<const char*, 8> partial{
      "", "\u258F", "\u258E", "\u258D", "\u258C", "\u258B", "\u258A", "\u2589"};
  const long eighths = std::lround(fraction * width_cells * 8);
  std::string bar;
  for (long i = 0; i < eighths / 8; ++i) bar += "\u2588";
  bar += partial[static_cast<std::size_t>(eighths % 8)];
  return bar;
}

}  // namespace orrery
