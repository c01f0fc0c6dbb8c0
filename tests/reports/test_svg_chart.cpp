#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

#include "markup_check.hpp"
#include "reports/svg_chart.hpp"

using namespace orrery;

namespace {

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// An SVG chart must be one well-formed <svg> element.
void check_svg(const std::string& svg) {
  const test::MarkupCheck m = test::check_markup(svg, false);
  INFO(svg);
  CHECK(m.problem == "");
  CHECK(m.root == "svg");
  CHECK(m.elements.at("svg") == 1);
  CHECK(contains(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
}

// The width attribute of the <rect> whose tooltip is `title`.
std::string rect_width(const std::string& svg, const std::string& title) {
  const std::regex re("<rect [^>]*width=\"([0-9.]+)\"[^>]*><title>" + title + "</title>");
  std::smatch m;
  return std::regex_search(svg, m, re) ? m[1].str() : std::string("none");
}

}  // namespace

TEST_CASE("escape_xml escapes markup characters and drops control characters") {
  CHECK(escape_xml("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
  CHECK(escape_xml(std::string("x\x01y\tz\n", 6)) == "xy\tz\n");
  CHECK(escape_xml("llama3-70b \u2014 ok") == "llama3-70b \u2014 ok");  // UTF-8 passes through
}

TEST_CASE("horizontal bars are scaled to the largest value and labelled") {
  const std::string svg = svg_horizontal_bars("Step", {{"compute", 4, "4.00 s  80.0%"}, {"bubble", 1, "1.00 s  20.0%"},
                                                       {"idle", 0, "0 s  0.0%"}});
  check_svg(svg);
  // The bar area is 340 px wide (x 180 to 520): 4 s fills it, 1 s is a quarter.
  CHECK(rect_width(svg, "compute: 4.00 s  80.0%") == "340.0");
  CHECK(rect_width(svg, "bubble: 1.00 s  20.0%") == "85.0");
  CHECK(rect_width(svg, "idle: 0 s  0.0%") == "0.0");
  // Labels and values are text, so the chart reads without colour.
  CHECK(contains(svg, ">compute</text>"));
  CHECK(contains(svg, ">4.00 s  80.0%</text>"));
  CHECK(contains(svg, "<title>Step</title>"));
}

TEST_CASE("chart text is escaped") {
  const std::string svg = svg_horizontal_bars("<script>alert(1)</script>", {{"a&b", 1, "\"q\""}});
  check_svg(svg);
  CHECK_FALSE(contains(svg, "<script"));
  CHECK(contains(svg, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK(contains(svg, ">a&amp;b</text>"));
  CHECK(contains(svg, "&quot;q&quot;"));
}

TEST_CASE("stacked bars show each segment's value and the limit") {
  StackedBarChart chart;
  chart.title = "Memory";
  chart.unit = "GiB";
  chart.series = {"weights", "activations"};
  chart.limit_label = "capacity";
  chart.bars = {{"stage 0", {20, 30}, 80, "50.0 / 80.0 GiB"}, {"stage 1", {20, 10}, 80, "30.0 / 80.0 GiB"}};
  const std::string svg = svg_stacked_bars(chart);
  check_svg(svg);
  // Axis: max(50, 80) = 80 with a step of 20 ends at 80, over 450 px (x 90 to
  // 540): 20 GiB is 112.5 px, 30 GiB 168.75 px (168.8).
  CHECK(rect_width(svg, "weights: 20.0 GiB") == "112.5");
  CHECK(rect_width(svg, "activations: 30.0 GiB") == "168.8");
  CHECK(contains(svg, ">30.0</text>"));           // the value inside its segment
  CHECK(contains(svg, ">50.0 / 80.0 GiB</text>"));
  CHECK(count(svg, "stroke-dasharray=\"4 2\"") == 3);  // the limit on two bars and in the legend
  CHECK(contains(svg, ">capacity</text>"));
  CHECK(contains(svg, ">weights</text>"));
  CHECK(contains(svg, ">80</text>"));             // the axis end
}

TEST_CASE("line chart draws the points and one labelled lane per event kind") {
  LineChart chart;
  chart.title = "Progress";
  chart.x_label = "days";
  chart.y_percent = true;
  chart.points = {{0, 0}, {5, 0.5}, {5, 0.45}, {10, 1}};
  chart.events = {{5, "gpu", "gpu at day 5"}, {7, "software", "software at day 7"}, {8, "gpu", "gpu at day 8"}};
  const std::string svg = svg_line_chart(chart);
  check_svg(svg);
  // x 0..10 over x 120..700 (58 px per day); y 0..100% over y 248..48.
  CHECK(contains(svg, "d=\"M120.0,248.0 L410.0,148.0 L410.0,158.0 L700.0,48.0\""));
  CHECK(contains(svg, ">gpu (2)</text>"));
  CHECK(contains(svg, ">software (1)</text>"));
  CHECK(contains(svg, "<title>software at day 7</title>"));
  CHECK(contains(svg, ">100%</text>"));
  CHECK(contains(svg, ">days</text>"));
}

TEST_CASE("histogram counts values per bin and marks values") {
  Histogram h;
  h.title = "Days";
  h.x_label = "days";
  h.values = {1, 1, 2, 3, 3, 3};
  h.bins = 2;  // [1, 2) and [2, 3]: 2 and 4 values
  h.marks = {{2, "p50 2.00"}};
  const std::string svg = svg_histogram(h);
  check_svg(svg);
  CHECK(count(svg, "<rect ") == 2);
  CHECK(contains(svg, "paint-order=\"stroke\">2</text>"));
  CHECK(contains(svg, "paint-order=\"stroke\">4</text>"));
  CHECK(contains(svg, ">p50 2.00</text>"));

  // Identical trials (no failures): one bar holding all of them.
  Histogram same;
  same.values = {9.5, 9.5, 9.5};
  same.marks = {{9.5, "p10 9.50"}, {9.5, "p50 9.50"}};
  const std::string one = svg_histogram(same);
  check_svg(one);
  CHECK(count(one, "<rect ") == 1);
  // Marks at one place share a line and a label.
  CHECK(count(one, "stroke-dasharray=\"5 3\"") == 1);
  CHECK(contains(one, ">p10 9.50 / p50 9.50</text>"));
  CHECK(contains(one, "paint-order=\"stroke\">3</text>"));

  // No trials: an empty chart that says so.
  const std::string none = svg_histogram(Histogram{});
  check_svg(none);
  CHECK(contains(none, ">no trials</text>"));
}

TEST_CASE("charts are deterministic") {
  LineChart chart;
  chart.points = {{0, 0}, {3.3, 1}};
  chart.events = {{1.1, "host", "x"}};
  CHECK(svg_line_chart(chart) == svg_line_chart(chart));
}
