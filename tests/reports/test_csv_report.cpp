#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "reports/csv_report.hpp"
#include "reports/json_report.hpp"
#include "sample_run_report.hpp"

using namespace orrery;
using nlohmann::json;

namespace {

// Dotted paths of every leaf, array elements as name[i].
void leaves(const json& j, const std::string& prefix, std::map<std::string, json>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) leaves(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) leaves(j[i], prefix + "[" + std::to_string(i) + "]", out);
  } else {
    out[prefix] = j;
  }
}

}  // namespace

TEST_CASE("CSV has one key value unit row per JSON leaf") {
  const json j = {{"step", {{"time_s", 3.4}, {"mfu", 0.413}}},
                  {"scenario", {{"name", "a,\"b\""}}},
                  {"memory", {{"per_stage", json::array({{{"peak_gib", 45.5}}, {{"peak_gib", 40}}})}, {"fits", true}}},
                  {"run", {{"job_mtbf_s", nullptr}}}};
  CHECK(render_csv_report(j) ==
        "key,value,unit\r\n"
        "memory.fits,true,\r\n"
        "memory.per_stage[0].peak_gib,45.5,GiB\r\n"
        "memory.per_stage[1].peak_gib,40,GiB\r\n"
        "run.job_mtbf_s,,s\r\n"
        "scenario.name,\"a,\"\"b\"\"\",\r\n"
        "step.mfu,0.413,fraction\r\n"
        "step.time_s,3.4,s\r\n");
}

TEST_CASE("CSV units follow the key naming convention") {
  CHECK(unit_of_key("step.time_s") == "s");
  CHECK(unit_of_key("memory.per_stage[3].activations_gib") == "GiB");
  CHECK(unit_of_key("cost.usd") == "USD");
  CHECK(unit_of_key("cost.energy_usd") == "USD");
  CHECK(unit_of_key("cost.usd_per_million_tokens") == "USD/million tokens");
  CHECK(unit_of_key("cost.price_usd_per_gpu_hour") == "USD/GPU-hour");
  CHECK(unit_of_key("cost.electricity_usd_per_kwh") == "USD/kWh");
  CHECK(unit_of_key("cost.grid_gco2_per_kwh") == "gCO2e/kWh");
  CHECK(unit_of_key("cost.energy_mwh") == "MWh");
  CHECK(unit_of_key("cost.tco2e") == "tCO2e");
  CHECK(unit_of_key("cost.avg_power_w_per_gpu") == "W");
  CHECK(unit_of_key("cost.gpu_hours") == "GPU-hours");
  CHECK(unit_of_key("run.days_p50") == "days");
  CHECK(unit_of_key("run.days_per_trial[4]") == "days");
  CHECK(unit_of_key("run.failure_free_days") == "days");
  CHECK(unit_of_key("run.seconds") == "s");
  CHECK(unit_of_key("run.ettr") == "fraction");
  CHECK(unit_of_key("run.ettr_p10") == "fraction");
  CHECK(unit_of_key("step.tokens_per_s") == "tokens/s");
  CHECK(unit_of_key("step.tflops_per_gpu") == "TFLOP/s");
  CHECK(unit_of_key("step.model_flops") == "FLOP");
  CHECK(unit_of_key("run.checkpoint_bytes") == "bytes");
  // By cause: in the unit of the parent.
  CHECK(unit_of_key("cost.by_cause.rework") == "USD");
  CHECK(unit_of_key("cost.energy_mwh_by_cause.idle") == "MWh");
  CHECK(unit_of_key("cost.gpu_hours_by_cause.idle") == "GPU-hours");
  CHECK(unit_of_key("cost.usd_per_million_tokens_by_cause.rework") == "USD/million tokens");
  CHECK(unit_of_key("cost.accelerator_tdp_mwh") == "MWh");
  CHECK(unit_of_key("run.eval_s") == "s");
  CHECK(unit_of_key("cost.by_cause.evaluation") == "USD");
  CHECK(unit_of_key("cost.tco2e_by_cause.restart") == "tCO2e");
  CHECK(unit_of_key("run.time_by_cause.rework_s") == "s");
  CHECK(unit_of_key("run.interruptions_by_cause.gpu") == "");
  // Counts, ratios and names have none.
  CHECK(unit_of_key("cluster.gpus") == "");
  CHECK(unit_of_key("cost.pue") == "");
  CHECK(unit_of_key("plan.tp") == "");
}

TEST_CASE("CSV text cannot run as a spreadsheet formula") {
  const std::string csv = render_csv_report({{"scenario", {{"name", "=HYPERLINK(\"x\")"}, {"description", "-1+2"}}}});
  CHECK(csv ==
        "key,value,unit\r\n"
        "scenario.description,'-1+2,\r\n"
        "scenario.name,\"'=HYPERLINK(\"\"x\"\")\",\r\n");
  // Numbers are not text: a negative number stays a number.
  CHECK(render_csv_report({{"x", {{"delta_s", -1.5}}}}) == "key,value,unit\r\nx.delta_s,-1.5,s\r\n");
}

TEST_CASE("CSV of the results JSON carries every key with its exact value") {
  const RunReport r = test::sample_run_report();
  const json j = results_json(r.scenario, r.step, r.run, r.cost);
  std::map<std::string, json> expected;
  leaves(j, "", expected);
  const std::string csv = render_csv_report(j);
  std::stringstream ss(csv);
  std::string line;
  std::getline(ss, line);
  CHECK(line == "key,value,unit\r");
  std::set<std::string> seen;
  while (std::getline(ss, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string key = line.substr(0, line.find(','));
    INFO(line);
    REQUIRE(expected.count(key) == 1);
    CHECK(seen.insert(key).second);
    const json& v = expected.at(key);
    if (v.is_number()) {
      const std::size_t a = line.find(',') + 1;
      // Shortest round-trip digits: the CSV value parses back to the same double.
      CHECK(std::stod(line.substr(a, line.find(',', a) - a)) == v.get<double>());
    }
  }
  CHECK(seen.size() == expected.size());
}
