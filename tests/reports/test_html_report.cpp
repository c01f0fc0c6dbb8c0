#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

#include "json_lookup.hpp"
#include "markup_check.hpp"
#include "reports/html_report.hpp"
#include "reports/json_report.hpp"
#include "reports/report_tables.hpp"
#include "sample_run_report.hpp"

using namespace orrery;

namespace {

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// (key, shown text) of every element that carries a data-key attribute.
std::vector<std::pair<std::string, std::string>> keyed_figures(const std::string& html) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::regex re("data-key=\"([^\"]+)\">([^<]*)<");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it)
    out.emplace_back(test::unescape_html((*it)[1].str()), test::unescape_html((*it)[2].str()));
  return out;
}

}  // namespace

TEST_CASE("HTML report has every section once and in order") {
  const std::string html = render_html_report(test::sample_run_report());
  std::size_t last = 0;
  for (const std::string& id : report_section_ids()) {
    INFO(id);
    const std::string tag = "<section id=\"" + id + "\">";
    CHECK(count(html, tag) == 1);
    const std::size_t at = html.find(tag);
    CHECK(at > last);
    last = at;
    CHECK(contains(html, "<a href=\"#" + id + "\">"));   // the contents list
  }
}

TEST_CASE("every figure shown in the HTML report equals the results JSON") {
  const RunReport r = test::sample_run_report();
  const nlohmann::json j = results_json(r.scenario, r.step, r.run, r.cost);
  const auto figures = keyed_figures(render_html_report(r));
  CHECK(figures.size() >= 80);
  for (const auto& [key, shown] : figures) {
    const nlohmann::json v = test::json_at(j, key);
    INFO(key << " shows \"" << shown << "\"; the JSON has " << v.dump());
    REQUIRE_FALSE(v.is_null());
    CHECK(test::shown_forms(v).count(shown) == 1);
  }
}

TEST_CASE("HTML summary shows the headline figures") {
  const std::string html = render_html_report(test::sample_run_report());
  // The tiles: days p50 10.1 and p90 10.66, $78,491.8, 32.0 MWh, 12.8 t, MFU 41.3%.
  CHECK(contains(html, "<div class=\"kpi-value\"><span data-key=\"run.days_p50\">10.1</span> days</div>"));
  CHECK(contains(html, "<div class=\"kpi-value\"><span data-key=\"run.days_p90\">10.7</span> days</div>"));
  CHECK(contains(html, "<div class=\"kpi-value\">$<span data-key=\"cost.usd\">78.5 k</span></div>"));
  CHECK(contains(html, "$<span data-key=\"cost.usd_per_million_tokens\">0.0785</span>"));
  CHECK(contains(html, "<span data-key=\"cost.energy_mwh\">32.0</span> MWh"));
  CHECK(contains(html, "<span data-key=\"cost.tco2e\">12.8</span> tCO2e"));
  CHECK(contains(html, "<span data-key=\"step.mfu\">41.3%</span>"));
}

TEST_CASE("HTML report is well-formed and self-contained and printable") {
  const std::string html = render_html_report(test::sample_run_report());
  const test::MarkupCheck m = test::check_markup(html, true);
  CHECK(m.problem == "");
  CHECK(m.root == "html");
  CHECK(m.elements.at("svg") == 6);   // step, memory, timeline, days, cost, energy
  CHECK(m.elements.at("section") == 9);
  // Nothing to fetch: no scripts, stylesheets, images, fonts or imports; the
  // only URL is the SVG namespace name, which is never fetched.
  for (const char* s : {"<script", "<link", "<img", "src=", "url(", "@import", "@font-face"}) {
    INFO(s);
    CHECK_FALSE(contains(html, s));
  }
  CHECK(count(html, "http") == count(html, "http://www.w3.org/2000/svg"));
  CHECK(contains(html, "<meta charset=\"utf-8\">"));
  CHECK(contains(html, "@media print"));
}

TEST_CASE("HTML charts carry their numbers as text") {
  const std::string html = render_html_report(test::sample_run_report());
  // Step: compute 2.6554 s of 3.4 s.
  CHECK(contains(html, ">2.66 s  78.1%</text>"));
  // Memory: both stages peak at 71.3 of 80 GiB.
  CHECK(count(html, ">71.3 / 80.0 GiB</text>") == 2);
  // Timeline: one lane per cause of the representative trial.
  CHECK(contains(html, ">gpu (1)</text>"));
  CHECK(contains(html, ">host (1)</text>"));
  CHECK(contains(html, ">software (1)</text>"));
  // Days: the percentiles marked.
  CHECK(contains(html, ">p10 9.88</text>"));
  CHECK(contains(html, ">p50 10.1</text>"));
  CHECK(contains(html, ">p90 10.7</text>"));
  // Cost: rework $3,837.56 of $78,489.6 (the causes' sum) = 4.9%.
  CHECK(contains(html, ">$3.84 k  4.9%</text>"));
}

TEST_CASE("text from the scenario and the catalog cannot inject HTML") {
  RunReport r = test::sample_run_report();
  r.scenario.name = "<script>alert(\"name\")</script>";
  r.scenario.description = "</p><img src=x onerror=alert(1)> & more";
  r.scenario.model.name = "<b>model</b>";
  r.scenario.cluster.accelerator.source = "<iframe src='//evil'></iframe>";
  r.run.representative.interruptions[0].cause = "<i>gpu</i>";
  r.run.interruptions_by_cause = {{"<u>gpu</u>", 6}};
  r.cost.pricing = "\"><svg onload=alert(1)>";
  const std::string html = render_html_report(r);
  for (const char* s : {"<script", "<img", "<b>", "<iframe", "<i>", "<u>", "<svg onload"}) {
    INFO(s);
    CHECK_FALSE(contains(html, s));
  }
  CHECK(contains(html, "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;"));
  CHECK(contains(html, "&lt;/p&gt;&lt;img src=x onerror=alert(1)&gt; &amp; more"));
  CHECK(contains(html, "&lt;iframe src=&#39;//evil&#39;&gt;&lt;/iframe&gt;"));
  CHECK(test::check_markup(html, true).problem == "");
}

TEST_CASE("HTML report is deterministic") {
  CHECK(render_html_report(test::sample_run_report()) == render_html_report(test::sample_run_report()));
}

TEST_CASE("HTML report warns about a plan that does not fit") {
  RunReport r = test::sample_run_report();
  CHECK_FALSE(contains(render_html_report(r), "class=\"warning\""));
  r.step = test::sample_step();   // stage 1 at 82.5 of 80 GiB
  const std::string html = render_html_report(r);
  CHECK(contains(html, "class=\"warning\""));
  CHECK(contains(html, ">82.5 / 80.0 GiB  DOES NOT FIT</text>"));
  CHECK(contains(html, "NO: over by 2.50 GiB"));
}

TEST_CASE("HTML assumptions list the catalog sources") {
  RunReport r = test::sample_run_report();
  r.scenario.cluster.accelerator.source = "NVIDIA H100 datasheet";
  r.scenario.cluster.node.source = "DGX H100 user guide";
  r.scenario.model.source = "Touvron et al. 2023";
  r.scenario.failures.preset = "meta-rsc1";
  r.scenario.stragglers.slow_step_probability = 0.01;
  r.scenario.stragglers.slow_step_extra_fraction = 0.5;
  r.run.step_time_s = 3.4 * 1.02;   // the sample step is 3.4 s
  const std::string html = render_html_report(r);
  const std::size_t at = html.find("<section id=\"assumptions\">");
  REQUIRE(at != std::string::npos);
  const std::string section = html.substr(at, html.find("</section>", at) - at);
  CHECK(contains(section, "NVIDIA H100 datasheet"));
  CHECK(contains(section, "DGX H100 user guide"));
  CHECK(contains(section, "Touvron et al. 2023"));
  CHECK(contains(section, "preset meta-rsc1"));
  CHECK(contains(section, "on_demand: $2.50 per allocated GPU-hour"));
  CHECK(contains(section, "PUE 1.20"));
  CHECK(contains(section, "400 gCO2e/kWh (custom)"));
  CHECK(contains(section, "slow steps 1.0% of a node&#39;s steps adding 50.0%: the step 2.0% longer"));
}
