#pragma once
// Small inline-SVG charts for the HTML report: horizontal bars, stacked bars
// against a limit, a line chart with labelled event lanes, and a histogram
// with marked values.
//
// Every chart carries its numbers and categories as text (value labels,
// legends, lane names, <title> tooltips), so that it reads printed in grey
// and never relies on colour alone. All text passed in is escaped here;
// callers pass raw strings. Output is deterministic (fixed decimals) and uses
// no element ids, so any number of charts can share one page.
#include <string>
#include <string_view>
#include <vector>

namespace orrery {

// Escapes text for XML and HTML element content and attribute values
// (& < > " '). Control characters other than tab and newline are dropped:
// they are not allowed in XML 1.0.
std::string escape_xml(std::string_view text);

struct BarDatum {
  std::string label;        // left of the bar
  double value = 0;         // bar length, scaled to the largest value
  std::string value_text;   // right of the bar, e.g. "17.7 s  73.6%"
};

// One horizontal bar per datum. Negative and non-finite values draw no bar.
std::string svg_horizontal_bars(const std::string& title, const std::vector<BarDatum>& bars);

struct StackedBarDatum {
  std::string label;              // left of the bar, e.g. "stage 0"
  std::vector<double> values;     // one per series, in the chart's series order
  double limit = -1;              // a marker line (e.g. capacity); negative: none
  std::string note;               // right of the bar, e.g. "45.7 / 80.0 GiB"
};

struct StackedBarChart {
  std::string title;
  std::string unit;                  // of the values and the axis, e.g. "GiB"
  std::vector<std::string> series;   // legend text, one per value
  std::string limit_label;           // legend text for the limit line
  std::vector<StackedBarDatum> bars;
};

// Horizontal stacked bars with an axis, a legend, each segment's value
// written inside it where it fits, and the limit drawn as a dashed line.
std::string svg_stacked_bars(const StackedBarChart& chart);

struct LinePoint {
  double x = 0;
  double y = 0;
};

struct EventMark {
  double x = 0;
  std::string lane;         // events of one lane share a labelled row (e.g. the cause)
  std::string tooltip;      // <title> of the tick
};

struct LineChart {
  std::string title;
  std::string x_label;      // axis caption, e.g. "wall-clock days"
  std::string y_label;      // e.g. "progress"
  bool y_percent = false;   // y is a fraction 0..1, labelled as percent
  std::vector<LinePoint> points;
  double x_max = 0;         // axis end; 0 or less: the largest x
  double y_max = 0;         // axis end; 0 or less: the largest y (1 when y_percent)
  // Drawn under the plot as one row per distinct lane, in order of first
  // appearance, each row named with its lane and count.
  std::vector<EventMark> events;
};

std::string svg_line_chart(const LineChart& chart);

struct ValueMark {
  double x = 0;
  std::string label;        // written at the top of the line, e.g. "p50 99.3"
};

struct Histogram {
  std::string title;
  std::string x_label;
  std::vector<double> values;
  int bins = 20;
  std::vector<ValueMark> marks;   // vertical lines
};

// Counts per equal-width bin over [min, max] of the values (a range of zero
// width is widened so that one bar shows), each bar labelled with its count.
std::string svg_histogram(const Histogram& histogram);

}  // namespace orrery
