// `orrery report`: the cost report of one scenario as a self-contained HTML
// page, Markdown, CSV or the results JSON (docs/report.md).
#include <algorithm>
#include <cctype>
#include <filesystem>

#include "reports/csv_report.hpp"
#include "reports/html_report.hpp"
#include "reports/json_report.hpp"
#include "reports/markdown_report.hpp"
#include "sim/cli/commands.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace orrery::cli {
namespace {

// --format if given (main.cpp allows only the four), else the output file's
// extension; stdout without --format gets HTML.
std::string report_format(const ReportArgs& args) {
  if (!args.format.empty()) return args.format;
  if (args.out == "-") return "html";
  std::string ext = std::filesystem::path(args.out).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == ".html" || ext == ".htm") return "html";
  if (ext == ".md" || ext == ".markdown") return "md";
  if (ext == ".csv") return "csv";
  if (ext == ".json") return "json";
  throw InputError("--output", "\"" + args.out + "\"", "the format follows the extension: .html, .md, .csv or .json",
                   "name the file report.html (or .md, .csv, .json), or give --format html|md|csv|json");
}

}  // namespace

int report(const ReportArgs& args, const std::vector<std::string>& catalogs) {
  try {
    // The format is settled before the simulation, so a bad name fails at once.
    const std::string format = report_format(args);
    const Catalog catalog = Catalog::load(catalogs);
    const Scenario s = args.scenario.empty() ? default_scenario(catalog) : load_scenario_file(args.scenario, catalog);
    const RunReport r = simulate_scenario(s);
    if (!r.step.fits) return input_error(not_fit_message(s, r.step.memory));
    std::string content;
    if (format == "html") {
      content = render_html_report(r);
    } else if (format == "md") {
      content = render_markdown_report(r);
    } else {
      const nlohmann::json results = results_json(r.scenario, r.step, r.run, r.cost);
      content = format == "csv" ? render_csv_report(results) : results.dump(2) + "\n";
    }
    write_output(args.out, content);
    return 0;
  } catch (const std::runtime_error& e) {
    // Bad input (InputError is a runtime_error) and output files that cannot
    // be written are the user's to fix.
    return input_error(e.what());
  }
}

}  // namespace orrery::cli
