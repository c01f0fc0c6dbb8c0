#pragma once
// The cost report as GitHub-flavoured Markdown, for pasting into a document:
// the same sections and tables as the HTML page (report_tables.hpp), without
// the charts. Text from the scenario and the catalog is escaped so that it
// cannot break a table or inject markup. Same input, same bytes.
#include <string>

#include "reports/run_report.hpp"

namespace orrery {

std::string render_markdown_report(const RunReport& report);

// Escapes text for a GFM paragraph or table cell: Markdown punctuation is
// backslash-escaped (| closes a cell, $ starts maths on GitHub), & and < >
// cannot form HTML, and line breaks become spaces.
std::string escape_markdown(const std::string& text);

}  // namespace orrery
