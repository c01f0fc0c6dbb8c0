#include "reports/html_report.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "reports/number_format.hpp"
#include "reports/report_tables.hpp"
#include "reports/svg_chart.hpp"

#ifndef ORRERY_VERSION
#error "ORRERY_VERSION must be defined (reports/CMakeLists.txt sets it from the project version)"
#endif

namespace orrery {

namespace {

using Out = std::back_insert_iterator<std::string>;

constexpr double kSecondsPerDay = 86400;

// System fonts only (nothing to fetch). The print rules keep tables and
// charts whole on a page, drop the navigation and keep the chart colours.
constexpr const char* kStyle = R"css(
@page { size: A4; margin: 14mm; }
:root { --ink: #1a1a1a; --muted: #555555; --rule: #d4d4d4; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink);
       background: #ffffff; max-width: 980px; margin: 2rem auto; padding: 0 1.2rem; line-height: 1.45; }
header .eyebrow { color: var(--muted); font-size: .85rem; margin: 0; text-transform: uppercase; letter-spacing: .06em; }
h1 { font-size: 1.7rem; margin: .2rem 0 .4rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem; margin: 2.4rem 0 .6rem; }
nav ol { columns: 3; padding-left: 1.2rem; font-size: .9rem; }
a { color: #0a5a8c; }
table { border-collapse: collapse; margin: .5rem 0 1.2rem; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .3rem; }
th, td { padding: .22rem .6rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { border-bottom: 1.5px solid var(--ink); font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
thead .num, tbody td.num { white-space: nowrap; }
.pairs th { border-bottom: 1px solid var(--rule); font-weight: normal; color: var(--muted); }
.pairs td.num { white-space: normal; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(290px, 1fr)); column-gap: 1.8rem; align-items: start; }
.grid table { width: 100%; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(165px, 1fr)); gap: .7rem; margin: 1rem 0; }
.kpi { border: 1px solid var(--rule); border-radius: 6px; padding: .55rem .8rem; }
.kpi-label { font-size: .8rem; color: var(--muted); }
.kpi-value { font-size: 1.45rem; font-weight: 650; font-variant-numeric: tabular-nums; }
svg.chart { display: block; max-width: 100%; height: auto; margin: .8rem 0 .4rem; }
.warning { border: 2px solid #D55E00; padding: .5rem .8rem; font-weight: 600; }
.sources td:nth-child(3) { font-size: .78rem; color: var(--muted); }
footer { margin: 3rem 0 1rem; font-size: .8rem; color: var(--muted); border-top: 1px solid var(--rule); padding-top: .6rem; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 9.5pt; }
  nav { display: none; }
  h2 { break-after: avoid; margin-top: 1.4rem; }
  table, svg.chart, .kpis, .kpi { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
)css";

std::string cell_html(const ReportCell& c) {
  if (c.key.empty()) return escape_xml(c.text());
  return fmt::format("{}<span data-key=\"{}\">{}</span>{}", escape_xml(c.prefix), escape_xml(c.key),
                     escape_xml(c.value), escape_xml(c.suffix));
}

void table_html(Out out, const ReportTable& t, std::string_view css_class = {}) {
  fmt::format_to(out, "<table{}>\n", css_class.empty() ? std::string() : fmt::format(" class=\"{}\"", css_class));
  if (!t.caption.empty()) fmt::format_to(out, "<caption>{}</caption>\n", escape_xml(t.caption));
  auto numeric = [&](std::size_t col) { return col < t.numeric.size() && t.numeric[col]; };
  if (!t.header.empty()) {
    fmt::format_to(out, "<thead><tr>");
    for (std::size_t i = 0; i < t.header.size(); ++i)
      fmt::format_to(out, "<th{}>{}</th>", numeric(i) ? " class=\"num\"" : "", escape_xml(t.header[i]));
    fmt::format_to(out, "</tr></thead>\n");
  }
  fmt::format_to(out, "<tbody>\n");
  for (const auto& row : t.rows) {
    fmt::format_to(out, "<tr>");
    for (std::size_t i = 0; i < row.size(); ++i) {
      // The first cell of a label / value table labels its row.
      const bool label = t.header.empty() && i == 0;
      const char* tag = label ? "th" : "td";
      fmt::format_to(out, "<{0}{1}{2}>{3}</{0}>", tag, label ? " scope=\"row\"" : "", numeric(i) ? " class=\"num\"" : "",
                     cell_html(row[i]));
    }
    fmt::format_to(out, "</tr>\n");
  }
  fmt::format_to(out, "</tbody>\n</table>\n");
}

void kpis_html(Out out, const ReportTable& t) {
  fmt::format_to(out, "<div class=\"kpis\">\n");
  for (const auto& row : t.rows) {
    if (row.size() < 2) continue;
    fmt::format_to(out, "<div class=\"kpi\"><div class=\"kpi-label\">{}</div><div class=\"kpi-value\">{}</div></div>\n",
                   escape_xml(row[0].text()), cell_html(row[1]));
  }
  fmt::format_to(out, "</div>\n");
}

std::string step_chart(const RunReport& r) {
  const StepResult& step = r.step;
  const StepBreakdown& b = step.breakdown;
  const std::pair<const char*, double> parts[] = {
      {"compute", b.compute_s},         {"exposed TP comm", b.exposed_tp_comm_s},
      {"exposed PP comm", b.exposed_pp_comm_s}, {"exposed DP comm", b.exposed_dp_comm_s},
      {"exposed EP comm", b.exposed_ep_comm_s}, {"exposed CP comm", b.exposed_cp_comm_s},
      {"pipeline bubble", b.bubble_s},  {"idle", b.idle_s},
  };
  std::vector<BarDatum> bars;
  for (const auto& [label, s] : parts) {
    if (s == 0 && expert_or_context_part(label)) continue;   // only where the plan has them
    bars.push_back({label, s,
                    fmt::format("{} s  {}", format_3sig(tidy(s)), format_percent(tidy(step.time_s > 0 ? s / step.time_s : 0)))});
  }
  return svg_horizontal_bars(fmt::format("One step: {} s", format_3sig(step.time_s)), bars);
}

std::string memory_chart(const RunReport& r) {
  StackedBarChart chart;
  chart.title = "Memory per GPU by pipeline stage";
  chart.unit = "GiB";
  chart.series = {"weights", "gradients", "optimizer", "activations", "buffers"};
  chart.limit_label = "capacity";
  for (const StageMemory& m : r.step.memory) {
    chart.bars.push_back({fmt::format("stage {}", m.stage),
                          {m.weights_gib, m.gradients_gib, m.optimizer_gib, m.activations_gib, m.buffers_gib},
                          m.capacity_gib,
                          fmt::format("{} / {} GiB{}", format_3sig(m.peak_gib), format_3sig(m.capacity_gib),
                                      m.fits() ? "" : "  DOES NOT FIT")});
  }
  return svg_stacked_bars(chart);
}

std::string timeline_chart(const RunReport& r) {
  const TrialTrace& trace = r.run.representative;
  LineChart chart;
  chart.title = "Progress of a representative trial, with its interruptions by cause";
  chart.x_label = "wall-clock days";
  chart.y_label = "steps done";
  chart.y_percent = true;
  chart.x_max = trace.wall_s / kSecondsPerDay;
  for (const ProgressPoint& p : trace.progress) chart.points.push_back({p.wall_s / kSecondsPerDay, p.fraction_done});
  for (const Interruption& i : trace.interruptions) {
    chart.events.push_back({i.at_s / kSecondsPerDay, i.cause,
                            fmt::format("{} at day {}: {} h of work lost, {} h down", i.cause,
                                        format_3sig(i.at_s / kSecondsPerDay), format_3sig(i.lost_work_s / 3600),
                                        format_3sig(i.downtime_s / 3600))});
  }
  return svg_line_chart(chart);
}

std::string days_chart(const RunReport& r) {
  const RunSimulation& run = r.run;
  Histogram h;
  h.title = fmt::format("Days to train in {} trial{}", run.days_per_trial.size(), run.days_per_trial.size() == 1 ? "" : "s");
  h.x_label = "wall-clock days";
  h.values = run.days_per_trial;
  // About two bins per square root of the trials: 20 for 100 trials.
  const double n = static_cast<double>(run.days_per_trial.size());
  h.bins = std::clamp(static_cast<int>(std::lround(2 * std::sqrt(n))), 1, 40);
  h.marks = {{run.days_p10, "p10 " + format_3sig(run.days_p10)},
             {run.days_p50, "p50 " + format_3sig(run.days_p50)},
             {run.days_p90, "p90 " + format_3sig(run.days_p90)}};
  return svg_histogram(h);
}

std::vector<BarDatum> by_cause_bars(const CostByCause& c, const std::string& prefix, const std::string& suffix,
                                    bool scaled) {
  const std::pair<const char*, double> causes[] = {
      {"productive", c.productive}, {"evaluation", c.evaluation}, {"rework", c.rework},
      {"restarts", c.restart},      {"checkpoints", c.checkpoint}, {"idle", c.idle},
  };
  const double total = c.total();
  std::vector<BarDatum> bars;
  for (const auto& [label, raw] : causes) {
    const double v = tidy(raw);
    bars.push_back({label, v,
                    fmt::format("{}{}{}  {}", prefix, scaled ? format_scaled(v) : format_3sig(v), suffix,
                                format_percent(tidy(total > 0 ? v / total : 0)))});
  }
  return bars;
}

std::string cost_chart(const RunReport& r) {
  return svg_horizontal_bars(fmt::format("Dollars by cause: ${} in all", format_scaled(r.cost.usd)),
                             by_cause_bars(r.cost.usd_by_cause, "$", "", true));
}

std::string energy_chart(const RunReport& r) {
  return svg_horizontal_bars(fmt::format("Energy by cause: {} MWh in all", format_3sig(r.cost.energy_mwh)),
                             by_cause_bars(r.cost.mwh_by_cause, "", " MWh", false));
}

}  // namespace

std::string render_html_report(const RunReport& r) {
  const std::vector<ReportSection> sections = report_sections(r);
  std::string html;
  Out out(html);
  fmt::format_to(out,
                 "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<meta name=\"generator\" content=\"Orrery {}\">\n<title>{} - Orrery cost report</title>\n"
                 "<style>{}</style>\n</head>\n<body>\n",
                 ORRERY_VERSION, escape_xml(r.scenario.name), kStyle);
  fmt::format_to(out, "<header>\n<p class=\"eyebrow\">Orrery {} cost report</p>\n<h1 data-key=\"scenario.name\">{}</h1>\n",
                 ORRERY_VERSION, escape_xml(r.scenario.name));
  fmt::format_to(out, "</header>\n");
  if (!r.step.fits)
    fmt::format_to(out, "<p class=\"warning\">The plan does not fit in memory: the figures below describe a plan that "
                        "cannot run.</p>\n");

  fmt::format_to(out, "<nav aria-label=\"Contents\">\n<ol>\n");
  for (const ReportSection& s : sections)
    fmt::format_to(out, "<li><a href=\"#{}\">{}</a></li>\n", s.id, escape_xml(s.title));
  fmt::format_to(out, "</ol>\n</nav>\n<main>\n");

  for (const ReportSection& s : sections) {
    fmt::format_to(out, "<section id=\"{}\">\n<h2>{}</h2>\n", s.id, escape_xml(s.title));
    if (!s.intro.empty()) fmt::format_to(out, "<p>{}</p>\n", escape_xml(s.intro));
    if (s.id == "summary" && !s.tables.empty()) {
      kpis_html(out, s.tables.front());
    }
    if (s.id == "step-breakdown") fmt::format_to(out, "{}", step_chart(r));
    if (s.id == "memory") fmt::format_to(out, "{}", memory_chart(r));
    if (s.id == "run-timeline") fmt::format_to(out, "{}", timeline_chart(r));
    if (s.id == "days-distribution") fmt::format_to(out, "{}", days_chart(r));
    if (s.id == "cost-breakdown") fmt::format_to(out, "{}", cost_chart(r));
    if (s.id == "energy-carbon") fmt::format_to(out, "{}", energy_chart(r));
    // The summary's tiles are its table; the scenario's small tables sit side by side.
    if (s.id != "summary") {
      const bool grid = s.id == "scenario" || s.tables.size() > 1;
      if (grid) fmt::format_to(out, "<div class=\"grid\">\n");
      for (const ReportTable& t : s.tables)
        table_html(out, t, s.id == "assumptions" ? "sources" : t.header.empty() ? "pairs" : "");
      if (grid) fmt::format_to(out, "</div>\n");
    }
    fmt::format_to(out, "</section>\n");
  }
  fmt::format_to(out,
                 "</main>\n<footer>Written by Orrery {} from the scenario <span>{}</span>, seed {}. The same "
                 "scenario and seed give the same report, byte for byte. The figures are simulated, not "
                 "measured; docs/report.md says how each is computed.</footer>\n</body>\n</html>\n",
                 ORRERY_VERSION, escape_xml(r.scenario.name), r.scenario.seed);
  return html;
}

}  // namespace orrery
