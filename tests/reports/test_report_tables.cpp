#include <catch2/catch.hpp>

#include <limits>
#include <set>
#include <string>

#include "json_lookup.hpp"
#include "reports/json_report.hpp"
#include "reports/report_tables.hpp"
#include "sample_run_report.hpp"

using namespace orrery;

namespace {

nlohmann::json results_of(const RunReport& r) { return results_json(r.scenario, r.step, r.run, r.cost); }

const ReportCell* find_cell(const std::vector<ReportSection>& sections, const std::string& key) {
  for (const ReportSection& s : sections)
    for (const ReportTable& t : s.tables)
      for (const auto& row : t.rows)
        for (const ReportCell& c : row)
          if (c.key == key) return &c;
  return nullptr;
}

// The value shown in the label / value row labelled `label`.
std::string row_value(const std::vector<ReportSection>& sections, const std::string& label) {
  for (const ReportSection& s : sections)
    for (const ReportTable& t : s.tables)
      for (const auto& row : t.rows)
        if (row.size() == 2 && row[0].text() == label) return row[1].text();
  return "missing";
}

}  // namespace

TEST_CASE("report sections come in the documented order with their ids") {
  const std::vector<ReportSection> sections = report_sections(test::sample_run_report());
  const std::vector<std::string> ids = report_section_ids();
  REQUIRE(sections.size() == ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    CHECK(sections[i].id == ids[i]);
    CHECK_FALSE(sections[i].title.empty());
    CHECK_FALSE(sections[i].tables.empty());
  }
  CHECK(ids.front() == "summary");
  CHECK(ids.back() == "assumptions");
}

TEST_CASE("every figure in the report tables equals the results JSON") {
  const RunReport r = test::sample_run_report();
  const nlohmann::json j = results_of(r);
  std::set<std::string> keys;
  for (const ReportSection& s : report_sections(r))
    for (const ReportTable& t : s.tables)
      for (const auto& row : t.rows)
        for (const ReportCell& c : row) {
          if (c.key.empty()) continue;
          keys.insert(c.key);
          const nlohmann::json v = test::json_at(j, c.key);
          INFO(c.key << " shows \"" << c.value << "\"; the JSON has " << v.dump());
          REQUIRE_FALSE(v.is_null());
          CHECK(test::shown_forms(v).count(c.value) == 1);
        }
  // The headline figures the issue asks for, and a good share of the rest.
  for (const char* k : {"run.days_p50", "run.days_p90", "cost.usd", "cost.usd_per_million_tokens", "cost.energy_mwh",
                        "cost.tco2e", "step.mfu", "run.ettr", "run.interruptions", "run.checkpoint_interval_s",
                        "cost.by_cause.rework", "memory.per_stage[1].peak_gib", "step.breakdown.bubble_s",
                        "run.ettr_p10", "run.interruptions_p90", "cost.gpu_hours_by_cause.idle",
                        "cost.usd_per_million_tokens_by_cause.productive"})
    CHECK(keys.count(k) == 1);
  CHECK(keys.size() >= 70);
}

TEST_CASE("headline figures are formatted as worked out by hand") {
  const std::vector<ReportSection> sections = report_sections(test::sample_run_report());
  auto shown = [&](const std::string& key) {
    const ReportCell* c = find_cell(sections, key);
    return c ? c->text() : std::string("missing");
  };
  CHECK(shown("run.days_p50") == "10.1 days");
  CHECK(shown("run.days_p90") == "10.7 days");       // 10.66
  CHECK(shown("cost.usd") == "$78.5 k");             // 128 x 883,008 s / 3600 x $2.50 = $78,491.8
  CHECK(shown("cost.usd_per_million_tokens") == "$0.0785");
  CHECK(shown("cost.energy_mwh") == "32.0 MWh");
  CHECK(shown("cost.tco2e") == "12.8 tCO2e");
  CHECK(shown("step.mfu") == "41.3%");
  CHECK(shown("run.ettr") == "91.8%");               // 810,623 / 883,008
  CHECK(shown("cost.by_cause.rework") == "$3.84 k"); // 43,172.55 s x 128 x $2.50 / 3600
  CHECK(shown("run.checkpoint_interval_s") == "3600 s (1.00 h, fixed)");
  CHECK(shown("run.job_mtbf_s") == "86400 s (1.00 days)");
  CHECK(shown("run.ettr_p10") == "90.5%");
  CHECK(shown("run.interruptions_p90") == "12.6");
  CHECK(shown("cost.gpu_hours_by_cause.idle") == "711");   // 128 GPUs x 20,000 s / 3600
  CHECK(shown("cost.usd_per_million_tokens_by_cause.productive") == "$0.0721");   // $72,055.39 / 1e6
}

TEST_CASE("rounding noise is shown as zero") {
  RunReport r = test::sample_run_report();
  r.cost.usd_by_cause.checkpoint = -1e-12;
  r.run.time_mean.checkpoint_s = -1e-12;
  const std::vector<ReportSection> sections = report_sections(r);
  const ReportCell* usd = find_cell(sections, "cost.by_cause.checkpoint");
  REQUIRE(usd != nullptr);
  CHECK(usd->text() == "$0");
  CHECK(tidy(-1e-12) == 0);
  CHECK(tidy(2e-9) == 2e-9);
}

TEST_CASE("a run without failures shows no MTBF and no checkpoint interval") {
  // Either convention: 0 (what simulate_run gives) or infinity (null in the JSON).
  const double none = GENERATE(0.0, std::numeric_limits<double>::infinity());
  RunReport r = test::sample_run_report();
  r.run.job_mtbf_s = none;
  r.run.checkpoint_interval_s = none;
  r.run.checkpoint_interval_rule = "none";
  const std::vector<ReportSection> sections = report_sections(r);
  CHECK(find_cell(sections, "run.job_mtbf_s") == nullptr);
  CHECK(find_cell(sections, "run.checkpoint_interval_s") == nullptr);
  CHECK(row_value(sections, "job mean time between failures") == "none (no failures)");
  CHECK(row_value(sections, "checkpoint interval") == "none (no failures)");
}
