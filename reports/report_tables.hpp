#pragma once
// The cost report's sections and tables, built once from a RunReport and
// rendered by both the HTML and the Markdown writers, so that the two carry
// the same numbers. Every figure that is also in the results JSON names its
// key (`memory.per_stage[0].peak_gib`): the HTML marks it with a data-key
// attribute, and the tests check each shown figure against the JSON.
#include <string>
#include <vector>

#include "reports/run_report.hpp"

namespace orrery {

struct ReportCell {
  std::string prefix;   // shown before the value, e.g. "$"
  std::string value;    // the figure as formatted (number_format.hpp), or plain text
  std::string suffix;   // shown after it, e.g. " days"
  std::string key;      // results-JSON key of the figure; empty if none
  std::string text() const { return prefix + value + suffix; }
};

struct ReportTable {
  std::string caption;                      // may be empty
  std::vector<std::string> header;          // empty: a table of label / value pairs
  std::vector<bool> numeric;                // per column: right-aligned
  std::vector<std::vector<ReportCell>> rows;
};

struct ReportSection {
  std::string id;                           // stable anchor: "summary", "step-breakdown", ...
  std::string title;
  std::string intro;                        // one or two sentences of plain text
  std::vector<ReportTable> tables;
};

// In page order: summary, scenario, step-breakdown, memory, run-timeline,
// days-distribution, cost-breakdown, energy-carbon, assumptions.
std::vector<ReportSection> report_sections(const RunReport& report);

// Rounding noise is shown as 0: |v| < 1e-9 (a part of a sum that came out at
// -1e-12 s reads "0", not "-0.000000000001"). Every figure passes through it.
double tidy(double v);

// The stable section ids, in page order (docs/report.md).
std::vector<std::string> report_section_ids();

}  // namespace orrery
