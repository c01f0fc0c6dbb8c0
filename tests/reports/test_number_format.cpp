#include <catch2/catch.hpp>

#include "reports/number_format.hpp"

using namespace orrery;

TEST_CASE("format_3sig keeps three significant digits without an exponent") {
  CHECK(format_3sig(0) == "0");
  CHECK(format_3sig(1.234) == "1.23");
  CHECK(format_3sig(12.34) == "12.3");
  CHECK(format_3sig(123.4) == "123");
  CHECK(format_3sig(12345.6) == "12346");      // large values: integer, no exponent
  CHECK(format_3sig(0.07206) == "0.0721");
  CHECK(format_3sig(-4.567) == "-4.57");
  // Rounding that crosses a decade takes the shorter form: 9.996 rounds to
  // 10.0 (three digits), not 10.00 (four).
  CHECK(format_3sig(9.996) == "10.0");
  CHECK(format_3sig(99.96) == "100");
}

TEST_CASE("format_scaled uses k, M, B, T suffixes") {
  CHECK(format_scaled(512) == "512");
  CHECK(format_scaled(1233618.82) == "1.23 M");
  CHECK(format_scaled(4.52e6) == "4.52 M");
  CHECK(format_scaled(72055.39) == "72.1 k");
  CHECK(format_scaled(6738415616.0) == "6.74 B");
  CHECK(format_scaled(1e12) == "1.00 T");
  // 999.6 k rounds to 1000 k at three digits: written as the next suffix.
  CHECK(format_scaled(999600) == "1.00 M");
  CHECK(format_scaled(999.6) == "1.00 k");
}

TEST_CASE("format_percent has one decimal") {
  CHECK(format_percent(0.413) == "41.3%");
  CHECK(format_percent(1.0) == "100.0%");
  CHECK(format_percent(0) == "0.0%");
}

TEST_CASE("text_bar draws to the nearest eighth of a cell") {
  const std::string full = "\u2588";
  // 78.1% of 20 cells = 15.62 cells = 124.96 eighths -> 125 = 15 full + 5/8.
  std::string expected;
  for (int i = 0; i < 15; ++i) expected += full;
  expected += "\u258B";
  CHECK(text_bar(0.781, 20) == expected);
  // 100% is exactly 20 full cells; more is clamped to it.
  std::string twenty;
  for (int i = 0; i < 20; ++i) twenty += full;
  CHECK(text_bar(1.0, 20) == twenty);
  CHECK(text_bar(1.7, 20) == twenty);
  // 1/160 of the step is one eighth of a cell; under half an eighth is nothing.
  CHECK(text_bar(1.0 / 160, 20) == "\u258F");
  CHECK(text_bar(0.4 / 160, 20).empty());
  CHECK(text_bar(-0.5, 20).empty());
  CHECK(text_bar(std::nan(""), 20).empty());
}
