#include "reports/markdown_report.hpp"

#include <iterator>
#include <string_view>

#include <fmt/format.h>

#include "reports/report_tables.hpp"

#ifndef ORRERY_VERSION
#error "ORRERY_VERSION must be defined (reports/CMakeLists.txt sets it from the project version)"
#endif

namespace orrery {

namespace {

using Out = std::back_insert_iterator<std::string>;

void table_markdown(Out out, const ReportTable& t) {
  std::vector<std::string> header = t.header;
  // GFM tables need a header row: a label / value table is headed by its caption.
  const bool pairs = header.empty();
  if (pairs) {
    header = {t.caption, ""};
  } else if (!t.caption.empty()) {
    fmt::format_to(out, "**{}**\n\n", escape_markdown(t.caption));
  }
  fmt::format_to(out, "|");
  for (const std::string& h : header) fmt::format_to(out, " {} |", escape_markdown(h));
  fmt::format_to(out, "\n|");
  for (std::size_t i = 0; i < header.size(); ++i)
    fmt::format_to(out, "{}", i < t.numeric.size() && t.numeric[i] ? "---:|" : "---|");
  fmt::format_to(out, "\n");
  for (const auto& row : t.rows) {
    fmt::format_to(out, "|");
    for (const ReportCell& c : row) fmt::format_to(out, " {} |", escape_markdown(c.text()));
    fmt::format_to(out, "\n");
  }
  fmt::format_to(out, "\n");
}

}  // namespace

std::string escape_markdown(const std::string& text) {
  // Escaped anywhere; a leading - + = would also start a list or a heading.
  static constexpr std::string_view kAnywhere = "\\`*_[]<>|#$~";
  static constexpr std::string_view kLeading = "-+=";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') {
      out += ' ';
    } else if (c == '&') {
      out += "&amp;";
    } else if (kAnywhere.find(c) != std::string_view::npos || (out.empty() && kLeading.find(c) != std::string_view::npos)) {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) >= 0x20) {
      out += c;
    }
  }
  return out;
}

std::string render_markdown_report(const RunReport& report) {
  std::string md;
  Out out(md);
  fmt::format_to(out, "# {}\n\n*Orrery {} cost report.*\n\n", escape_markdown(report.scenario.name), ORRERY_VERSION);
  if (!report.step.fits)
    fmt::format_to(out, "> **Warning:** the plan does not fit in memory; the figures below describe a plan that "
                        "cannot run.\n\n");
  for (const ReportSection& s : report_sections(report)) {
    fmt::format_to(out, "## {}\n\n", escape_markdown(s.title));
    if (!s.intro.empty()) fmt::format_to(out, "{}\n\n", escape_markdown(s.intro));
    for (const ReportTable& t : s.tables) table_markdown(out, t);
  }
  fmt::format_to(out, "*Written by Orrery {} (seed {}). The figures are simulated, not measured.*\n", ORRERY_VERSION,
                 report.scenario.seed);
  return md;
}

}  // namespace orrery
