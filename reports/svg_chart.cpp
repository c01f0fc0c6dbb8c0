#include "reports/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <iterator>

#include <fmt/format.h>

namespace orrery {

namespace {

using Out = std::back_insert_iterator<std::string>;

constexpr double kWidth = 720;
constexpr double kCharWidth = 6.6;   // rough advance of a 12 px sans-serif character
constexpr double kFontSize = 12;

// Okabe-Ito colours (distinguishable with the common colour-vision
// deficiencies), each with the text colour that reads on it.
struct Swatch {
  const char* fill;
  const char* ink;
};
constexpr Swatch kPalette[] = {
    {"#0072B2", "#ffffff"}, {"#E69F00", "#000000"}, {"#009E73", "#ffffff"}, {"#CC79A7", "#000000"},
    {"#56B4E9", "#000000"}, {"#D55E00", "#ffffff"}, {"#F0E442", "#000000"}, {"#999999", "#000000"},
};
constexpr std::size_t kPaletteSize = std::size(kPalette);

const Swatch& swatch(std::size_t i) { return kPalette[i % kPaletteSize]; }

// Coordinates with one decimal: enough for a screen, and the same bytes on
// every run.
std::string num(double v) {
  if (!std::isfinite(v)) v = 0;
  if (std::fabs(v) < 0.05) v = 0;  // no "-0.0"
  return fmt::format("{:.1f}", v);
}

double text_width(std::string_view text) { return static_cast<double>(text.size()) * kCharWidth; }

bool usable(double v) { return std::isfinite(v) && v > 0; }

// A round tick step (1, 2 or 5 x 10^k) giving about `target` ticks over range.
double nice_step(double range, int target) {
  if (!usable(range)) return 1;
  const double raw = range / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double n = raw / magnitude;
  const double step = n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10;
  return step * magnitude;
}

// The axis end: the data's maximum rounded up to a whole tick.
double axis_end(double max, double step) {
  if (!usable(max)) return step;
  return std::ceil(max / step - 1e-9) * step;
}

std::string tick_label(double v, double step) {
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  if (std::fabs(v) < step * 1e-6) v = 0;
  return fmt::format("{:.{}f}", v, decimals);
}

void open_svg(Out out, const std::string& title, double height) {
  fmt::format_to(out,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" "
                 "height=\"{1}\" role=\"img\" aria-label=\"{2}\" font-family=\"system-ui, -apple-system, 'Segoe UI', "
                 "Roboto, Helvetica, Arial, sans-serif\" font-size=\"{3}\">\n",
                 num(kWidth), num(height), escape_xml(title), num(kFontSize));
  fmt::format_to(out, "<title>{}</title>\n", escape_xml(title));
  fmt::format_to(out, "<text x=\"0\" y=\"16\" font-weight=\"bold\" font-size=\"14\">{}</text>\n", escape_xml(title));
}

void close_svg(Out out) { fmt::format_to(out, "</svg>\n"); }

void text(Out out, double x, double y, std::string_view anchor, std::string_view content, std::string_view extra = {}) {
  fmt::format_to(out, "<text x=\"{}\" y=\"{}\" text-anchor=\"{}\"{}{}>{}</text>\n", num(x), num(y), anchor,
                 extra.empty() ? "" : " ", extra, escape_xml(content));
}

void rect(Out out, double x, double y, double w, double h, std::string_view fill, std::string_view tooltip) {
  fmt::format_to(out, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>\n", num(x),
                 num(y), num(std::max(0.0, w)), num(h), fill, escape_xml(tooltip));
}

void line(Out out, double x1, double y1, double x2, double y2, std::string_view style) {
  fmt::format_to(out, "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" {}/>\n", num(x1), num(y1), num(x2), num(y2), style);
}

// A horizontal axis along y from x0 to x1 for values 0..end with ticks.
void x_axis(Out out, double x0, double x1, double y, double start, double end, double step, std::string_view unit) {
  line(out, x0, y, x1, y, "stroke=\"#333333\"");
  const double span = end - start;
  const int ticks = static_cast<int>(std::lround(span / step));
  for (int i = 0; i <= ticks && i <= 100; ++i) {
    const double v = start + i * step;
    const double x = x0 + (x1 - x0) * (v - start) / span;
    line(out, x, y, x, y + 4, "stroke=\"#333333\"");
    text(out, x, y + 16, "middle", tick_label(v, step));
  }
  if (!unit.empty()) text(out, x1, y + 32, "end", unit, "fill=\"#333333\"");
}

}  // namespace

std::string escape_xml(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') break;
        out += c;
    }
  }
  return out;
}

std::string svg_horizontal_bars(const std::string& title, const std::vector<BarDatum>& bars) {
  constexpr double kLabelRight = 170, kX0 = 180, kX1 = 520, kTop = 30, kRow = 26, kBar = 16;
  std::string svg;
  Out out(svg);
  const double height = kTop + kRow * static_cast<double>(bars.size()) + 8;
  open_svg(out, title, height);
  double max = 0;
  for (const BarDatum& b : bars)
    if (usable(b.value)) max = std::max(max, b.value);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const BarDatum& b = bars[i];
    const double y = kTop + kRow * static_cast<double>(i);
    const double w = usable(b.value) && max > 0 ? (kX1 - kX0) * b.value / max : 0;
    text(out, kLabelRight, y + kBar - 3, "end", b.label);
    line(out, kX0, y - 3, kX0, y + kBar + 3, "stroke=\"#333333\"");
    rect(out, kX0, y, w, kBar, swatch(i).fill, b.label + ": " + b.value_text);
    text(out, kX0 + w + 6, y + kBar - 3, "start", b.value_text);
  }
  close_svg(out);
  return svg;
}

std::string svg_stacked_bars(const StackedBarChart& chart) {
  constexpr double kLabelRight = 80, kX0 = 90, kX1 = 540, kTop = 32, kRow = 32, kBar = 20;
  std::string svg;
  Out out(svg);

  double max = 0;
  for (const StackedBarDatum& b : chart.bars) {
    double sum = 0;
    for (const double v : b.values)
      if (usable(v)) sum += v;
    max = std::max({max, sum, b.limit});
  }
  const double step = nice_step(max, 5);
  const double end = axis_end(max, step);
  auto x_of = [&](double v) { return kX0 + (kX1 - kX0) * v / end; };

  // Legend entries flow left to right, wrapping at the chart's width.
  struct LegendItem {
    double x, y;
    std::size_t index;  // series index, or series.size() for the limit
  };
  std::vector<LegendItem> legend;
  const double axis_y = kTop + kRow * static_cast<double>(chart.bars.size()) + 2;
  double lx = kX0, ly = axis_y + 44;
  const bool any_limit =
      std::any_of(chart.bars.begin(), chart.bars.end(), [](const StackedBarDatum& b) { return b.limit >= 0; });
  const std::size_t legend_items = chart.series.size() + (any_limit ? 1 : 0);
  for (std::size_t i = 0; i < legend_items; ++i) {
    const std::string& name = i < chart.series.size() ? chart.series[i] : chart.limit_label;
    const double w = 18 + text_width(name) + 16;
    if (lx + w > kWidth && lx > kX0) {
      lx = kX0;
      ly += 20;
    }
    legend.push_back({lx, ly, i});
    lx += w;
  }
  const double height = ly + 12;

  open_svg(out, chart.title, height);
  for (std::size_t r = 0; r < chart.bars.size(); ++r) {
    const StackedBarDatum& b = chart.bars[r];
    const double y = kTop + kRow * static_cast<double>(r);
    text(out, kLabelRight, y + kBar - 5, "end", b.label);
    double at = 0;
    for (std::size_t i = 0; i < b.values.size(); ++i) {
      const double v = usable(b.values[i]) ? b.values[i] : 0;
      const double x = x_of(at), w = x_of(at + v) - x;
      const std::string name = i < chart.series.size() ? chart.series[i] : fmt::format("part {}", i + 1);
      const std::string value = fmt::format("{:.1f}", v);
      rect(out, x, y, w, kBar, swatch(i).fill, fmt::format("{}: {} {}", name, value, chart.unit));
      // The value inside its segment where it fits: the chart then reads
      // without the colours.
      if (w >= text_width(value) + 6)
        text(out, x + w / 2, y + kBar - 6, "middle", value, fmt::format("fill=\"{}\"", swatch(i).ink));
      at += v;
    }
    if (b.limit >= 0) {
      const double x = x_of(b.limit);
      line(out, x, y - 4, x, y + kBar + 4, "stroke=\"#000000\" stroke-width=\"2\" stroke-dasharray=\"4 2\"");
    }
    text(out, kX1 + 10, y + kBar - 5, "start", b.note);
  }
  x_axis(out, kX0, kX1, axis_y, 0, end, step, chart.unit);
  for (const LegendItem& item : legend) {
    if (item.index < chart.series.size()) {
      rect(out, item.x, item.y - 10, 12, 12, swatch(item.index).fill, chart.series[item.index]);
      text(out, item.x + 18, item.y, "start", chart.series[item.index]);
    } else {
      line(out, item.x + 6, item.y - 12, item.x + 6, item.y + 3,
           "stroke=\"#000000\" stroke-width=\"2\" stroke-dasharray=\"4 2\"");
      text(out, item.x + 18, item.y, "start", chart.limit_label);
    }
  }
  close_svg(out);
  return svg;
}

std::string svg_line_chart(const LineChart& chart) {
  constexpr double kX0 = 120, kX1 = 700, kTop = 48, kPlot = 200, kLane = 20;
  std::string svg;
  Out out(svg);

  double x_max = chart.x_max, y_max = chart.y_max;
  if (!(x_max > 0))
    for (const LinePoint& p : chart.points) x_max = std::max(x_max, p.x);
  if (!(y_max > 0)) {
    if (chart.y_percent) {
      y_max = 1;
    } else {
      for (const LinePoint& p : chart.points) y_max = std::max(y_max, p.y);
    }
  }
  const double x_step = nice_step(x_max, 8), y_step = chart.y_percent ? 0.25 : nice_step(y_max, 4);
  const double x_end = axis_end(x_max, x_step), y_end = axis_end(y_max, y_step);
  auto px = [&](double x) { return kX0 + (kX1 - kX0) * std::clamp(x, 0.0, x_end) / x_end; };
  auto py = [&](double y) { return kTop + kPlot - kPlot * std::clamp(y, 0.0, y_end) / y_end; };

  // Lanes in order of first appearance, so the same input draws the same rows.
  std::vector<std::string> lanes;
  std::vector<int> lane_counts;
  for (const EventMark& e : chart.events) {
    const auto it = std::find(lanes.begin(), lanes.end(), e.lane);
    if (it == lanes.end()) {
      lanes.push_back(e.lane);
      lane_counts.push_back(1);
    } else {
      ++lane_counts[static_cast<std::size_t>(it - lanes.begin())];
    }
  }
  const double axis_y = kTop + kPlot;
  const double lanes_top = axis_y + 48;
  const double height = lanes_top + kLane * static_cast<double>(lanes.size()) + 8;

  open_svg(out, chart.title, height);
  // Y grid and labels.
  const int y_ticks = static_cast<int>(std::lround(y_end / y_step));
  for (int i = 0; i <= y_ticks && i <= 100; ++i) {
    const double v = i * y_step, y = py(v);
    line(out, kX0, y, kX1, y, i == 0 ? "stroke=\"#333333\"" : "stroke=\"#dddddd\"");
    const std::string label = chart.y_percent ? fmt::format("{:.0f}%", v * 100) : tick_label(v, y_step);
    text(out, kX0 - 6, y + 4, "end", label);
  }
  if (!chart.y_label.empty()) text(out, kX0 - 40, kTop - 18, "start", chart.y_label, "fill=\"#333333\"");
  x_axis(out, kX0, kX1, axis_y, 0, x_end, x_step, chart.x_label);

  if (!chart.points.empty()) {
    std::string d;
    for (std::size_t i = 0; i < chart.points.size(); ++i)
      d += fmt::format("{}{},{}", i == 0 ? "M" : " L", num(px(chart.points[i].x)), num(py(chart.points[i].y)));
    fmt::format_to(out, "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n", d, swatch(0).fill);
  }

  for (std::size_t l = 0; l < lanes.size(); ++l) {
    const double y = lanes_top + kLane * static_cast<double>(l);
    text(out, kX0 - 6, y + 4, "end", fmt::format("{} ({})", lanes[l], lane_counts[l]));
    line(out, kX0, y, kX1, y, "stroke=\"#dddddd\"");
  }
  for (const EventMark& e : chart.events) {
    const std::size_t l = static_cast<std::size_t>(std::find(lanes.begin(), lanes.end(), e.lane) - lanes.begin());
    const double y = lanes_top + kLane * static_cast<double>(l);
    const double x = px(e.x);
    // A tick in the lane and a faint line up through the plot, so that the
    // dip in progress lines up with its cause.
    line(out, x, kTop, x, axis_y, "stroke=\"#bbbbbb\" stroke-width=\"0.5\"");
    fmt::format_to(out, "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"2\"><title>{4}</title></line>\n",
                   num(x), num(y - 7), num(y + 7), swatch(l + 1).fill, escape_xml(e.tooltip));
  }
  close_svg(out);
  return svg;
}

std::string svg_histogram(const Histogram& h) {
  constexpr double kX0 = 60, kX1 = 700, kTop = 66, kPlot = 170;
  std::string svg;
  Out out(svg);

  std::vector<double> values;
  for (const double v : h.values)
    if (std::isfinite(v)) values.push_back(v);
  const int bins = std::clamp(h.bins, 1, 200);
  double lo = 0, hi = 1;
  if (!values.empty()) {
    lo = *std::min_element(values.begin(), values.end());
    hi = *std::max_element(values.begin(), values.end());
  }
  for (const ValueMark& m : h.marks) {
    if (std::isfinite(m.x)) {
      lo = std::min(lo, m.x);
      hi = std::max(hi, m.x);
    }
  }
  // All trials alike (a run with no failures): widen the range so the one bar shows.
  if (!(hi - lo > std::fabs(hi) * 1e-9)) {
    const double pad = std::max(std::fabs(hi) * 0.01, 1e-3);
    lo -= pad;
    hi += pad;
  }
  const double width = (hi - lo) / bins;
  std::vector<int> counts(static_cast<std::size_t>(bins), 0);
  for (const double v : values) {
    const int b = std::clamp(static_cast<int>((v - lo) / width), 0, bins - 1);
    ++counts[static_cast<std::size_t>(b)];
  }
  const int max_count = std::max(1, *std::max_element(counts.begin(), counts.end()));

  const double step = nice_step(hi - lo, 8);
  const double axis_lo = std::floor(lo / step + 1e-9) * step, axis_hi = std::ceil(hi / step - 1e-9) * step;
  auto px = [&](double x) { return kX0 + (kX1 - kX0) * (x - axis_lo) / (axis_hi - axis_lo); };
  const double axis_y = kTop + kPlot;

  open_svg(out, h.title, axis_y + 40);
  std::string counts_svg;
  for (int b = 0; b < bins; ++b) {
    const int n = counts[static_cast<std::size_t>(b)];
    if (n == 0) continue;
    const double x0 = px(lo + b * width), x1 = px(lo + (b + 1) * width);
    const double bar_h = kPlot * n / max_count;
    rect(out, x0 + 0.5, axis_y - bar_h, x1 - x0 - 1, bar_h, swatch(4).fill,
         fmt::format("{} to {}: {}", tick_label(lo + b * width, step / 100), tick_label(lo + (b + 1) * width, step / 100), n));
    // Counts go on top of the marks' lines, with a white halo to stay readable.
    text(Out(counts_svg), (x0 + x1) / 2, axis_y - bar_h - 3, "middle", fmt::format("{}", n),
         "font-size=\"10\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\"");
  }
  x_axis(out, kX0, kX1, axis_y, axis_lo, axis_hi, step, h.x_label);
  // Marks at the same place (all trials alike) share one line and one label.
  struct Placed {
    double x;
    std::string label;
  };
  std::vector<Placed> placed;
  for (const ValueMark& m : h.marks) {
    if (!std::isfinite(m.x)) continue;
    const double x = px(m.x);
    if (!placed.empty() && std::fabs(placed.back().x - x) < 1) {
      placed.back().label += " / ";
      placed.back().label += m.label;
    } else {
      placed.push_back({x, m.label});
    }
  }
  // Labels sit in two rows above the plot: the first row where the label
  // clears the previous label of that row.
  double row_end[2] = {-1e9, -1e9};
  for (const Placed& p : placed) {
    const double half = text_width(p.label) / 2;
    const int row = p.x - half >= row_end[0] + 8 ? 0 : p.x - half >= row_end[1] + 8 ? 1 : 0;
    row_end[row] = p.x + half;
    const double label_y = kTop - 30 + 14 * row;
    line(out, p.x, label_y + 3, p.x, axis_y, "stroke=\"#000000\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"");
    text(out, p.x, label_y, "middle", p.label, "font-weight=\"bold\"");
  }
  fmt::format_to(out, "{}", counts_svg);
  if (values.empty()) text(out, (kX0 + kX1) / 2, kTop + kPlot / 2, "middle", "no trials");
  close_svg(out);
  return svg;
}

}  // namespace orrery
