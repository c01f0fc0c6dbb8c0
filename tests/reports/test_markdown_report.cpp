#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "reports/markdown_report.hpp"
#include "reports/report_tables.hpp"
#include "sample_run_report.hpp"

using namespace orrery;

namespace {

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) lines.push_back(line);
  return lines;
}

// Cell separators: | not escaped with a backslash.
int pipes(const std::string& line) {
  int n = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;
      continue;
    }
    n += line[i] == '|';
  }
  return n;
}

}  // namespace

TEST_CASE("Markdown report has the same sections as the HTML page in order") {
  const RunReport r = test::sample_run_report();
  const std::string md = render_markdown_report(r);
  std::size_t last = 0;
  for (const ReportSection& s : report_sections(r)) {
    std::string heading = "\n## ";   // appends: GCC 12 warns falsely (-Wrestrict) on "..." + string
    heading += s.title;
    heading += '\n';
    const std::size_t at = md.find(heading);
    INFO(s.title);
    CHECK(at != std::string::npos);
    CHECK(at > last);
    last = at;
  }
  CHECK(md.starts_with("# llama2-7b-128gpu\n"));
}

TEST_CASE("Markdown tables are well-formed GFM tables") {
  const std::vector<std::string> lines = lines_of(render_markdown_report(test::sample_run_report()));
  int tables = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].starts_with("|") || (i > 0 && lines[i - 1].starts_with("|"))) continue;
    // A table starts: a header, a delimiter row, then rows of as many cells.
    ++tables;
    INFO(lines[i]);
    REQUIRE(i + 1 < lines.size());
    CHECK(lines[i + 1].find_first_not_of("|-:") == std::string::npos);
    const int cells = pipes(lines[i]);
    CHECK(cells >= 3);
    for (std::size_t k = i + 1; k < lines.size() && lines[k].starts_with("|"); ++k) {
      INFO(lines[k]);
      CHECK(pipes(lines[k]) == cells);
      CHECK(lines[k].ends_with("|"));
    }
  }
  // Summary 1, scenario 5, step 2, memory 1, run 3, days 2, cost 2, energy 2, assumptions 1.
  CHECK(tables == 19);
}

TEST_CASE("Markdown carries every figure of the report tables") {
  const RunReport r = test::sample_run_report();
  const std::string md = render_markdown_report(r);
  for (const ReportSection& s : report_sections(r))
    for (const ReportTable& t : s.tables)
      for (const auto& row : t.rows)
        for (const ReportCell& c : row) {
          INFO(c.text());
          std::string cell = " ";
          cell += escape_markdown(c.text());
          cell += " |";
          CHECK(contains(md, cell));
        }
  CHECK(contains(md, "| days to train, median (p50) | 10.1 days |"));
  CHECK(contains(md, "| cost | \\$78.5 k |"));
  CHECK(contains(md, "| MFU | 41.3% |"));
}

TEST_CASE("Markdown escapes text that would break a table or inject markup") {
  CHECK(escape_markdown("a|b") == "a\\|b");
  CHECK(escape_markdown("<script>x</script>") == "\\<script\\>x\\</script\\>");
  CHECK(escape_markdown("$5 and $6") == "\\$5 and \\$6");     // not maths on GitHub
  CHECK(escape_markdown("*bold* _it_ [l](u) `c`") == "\\*bold\\* \\_it\\_ \\[l\\](u) \\`c\\`");
  CHECK(escape_markdown("line\nbreak") == "line break");
  CHECK(escape_markdown("# not a heading") == "\\# not a heading");
  CHECK(escape_markdown("- not a list") == "\\- not a list");
  CHECK(escape_markdown("llama3-70b") == "llama3-70b");
  CHECK(escape_markdown("&lt;") == "&amp;lt;");

  RunReport r = test::sample_run_report();
  r.scenario.name = "x | y <b>";
  r.scenario.description = "one\n| two |";
  const std::string md = render_markdown_report(r);
  CHECK(md.starts_with("# x \\| y \\<b\\>\n"));
  CHECK(contains(md, "one \\| two \\|"));
  CHECK_FALSE(contains(md, "<b>"));
}

TEST_CASE("Markdown report is deterministic") {
  CHECK(render_markdown_report(test::sample_run_report()) == render_markdown_report(test::sample_run_report()));
}
