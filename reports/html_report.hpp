#pragma once
// The cost report as one self-contained HTML page: inline CSS (with a print
// stylesheet) and inline SVG charts, no scripts, fonts or anything else
// fetched. Sections carry stable ids (report_section_ids()); every figure
// that is in the results JSON is wrapped in an element with a data-key
// attribute naming its key. All text from the scenario and the catalog is
// escaped. Same input, same bytes (docs/report.md).
#include <string>

#include "reports/run_report.hpp"

namespace orrery {

std::string render_html_report(const RunReport& report);

}  // namespace orrery
