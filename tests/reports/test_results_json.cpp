#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "models/parameters.hpp"
#include "reports/json_report.hpp"
#include "sample_results.hpp"

using namespace orrery;
using nlohmann::json;

namespace {

json sample_json() {
  return results_json(test::sample_scenario(), test::sample_step(), test::sample_run());
}

// Dotted paths of every leaf; array elements as "name[]".
void leaf_paths(const json& j, const std::string& prefix, std::set<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [key, value] : j.items())
      leaf_paths(value, prefix.empty() ? key : prefix + "." + key, out);
  } else if (j.is_array()) {
    for (const json& e : j) leaf_paths(e, prefix + "[]", out);
  } else {
    out.insert(prefix);
  }
}

}  // namespace

TEST_CASE("results JSON carries the scenario, cluster, model and plan") {
  const json j = sample_json();
  CHECK(j.at("orrery").at("version") == "0.1.0");
  CHECK(j.at("scenario").at("name") == "llama2-7b-128gpu");
  CHECK(j.at("scenario").at("description") == "Llama-2-7B on 16 DGX H100 nodes");
  CHECK(j.at("scenario").at("seed") == 7);

  CHECK(j.at("cluster").at("gpus") == 128);  // 16 nodes x 8
  CHECK(j.at("cluster").at("nodes") == 16);
  CHECK(j.at("cluster").at("gpus_per_node") == 8);
  CHECK(j.at("cluster").at("node") == "dgx-h100");
  CHECK(j.at("cluster").at("accelerator") == "h100-sxm");

  CHECK(j.at("model").at("name") == "llama2-7b");
  // 6,738,415,616 by hand (sample_results.hpp), and by models/' own count.
  CHECK(j.at("model").at("params").get<double>() == 6738415616.0);
  CHECK(j.at("model").at("params").get<double>() == count_parameters(test::sample_scenario().model).total);
  CHECK(j.at("model").at("layers") == 32);
  CHECK(j.at("model").at("hidden") == 4096);

  CHECK(j.at("training").at("seq_len") == 4096);
  CHECK(j.at("training").at("global_batch") == 1024);
  CHECK(j.at("training").at("precision") == "bf16");
  CHECK(j.at("training").at("optimizer") == "adam");
  CHECK(j.at("training").at("total_tokens").get<double>() == 1e12);

  CHECK(j.at("plan").at("tp") == 2);
  CHECK(j.at("plan").at("pp") == 2);
  CHECK(j.at("plan").at("dp") == 32);
  CHECK(j.at("plan").at("micro_batch") == 1);
  CHECK(j.at("plan").at("microbatches") == 32);  // 1024 / (32 x 1)
  CHECK(j.at("plan").at("recompute") == "none");
  CHECK(j.at("plan").at("schedule") == "1f1b");
}

TEST_CASE("results JSON carries the step figures and breakdown exactly") {
  const json j = sample_json();
  const StepResult s = test::sample_step();
  const json& step = j.at("step");
  CHECK(step.at("time_s").get<double>() == 3.4);
  CHECK(step.at("tokens_per_s").get<double>() == 4194304 / 3.4);
  CHECK(step.at("tflops_per_gpu").get<double>() == 0.413 * 989);
  CHECK(step.at("mfu").get<double>() == 0.413);
  CHECK(step.at("hfu").get<double>() == 0.55);
  CHECK(step.at("compute_fraction").get<double>() == 0.77);
  CHECK(step.at("model_flops").get<double>() == s.model_flops);
  CHECK(step.at("hardware_flops").get<double>() == s.hardware_flops);
  CHECK(step.at("events").get<std::uint64_t>() == 123456);
  const json& b = step.at("breakdown");
  CHECK(b.at("compute_s").get<double>() == 2.6554);
  CHECK(b.at("exposed_tp_comm_s").get<double>() == 0.2);
  CHECK(b.at("exposed_pp_comm_s").get<double>() == 0.1);
  CHECK(b.at("exposed_dp_comm_s").get<double>() == 0.15);
  CHECK(b.at("bubble_s").get<double>() == 0.25);
  CHECK(b.at("idle_s").get<double>() == 0.0446);
  CHECK(b.size() == 6);
}

TEST_CASE("results JSON memory: per stage, the worst peak and the verdict") {
  const json j = sample_json();
  const json& memory = j.at("memory");
  REQUIRE(memory.at("per_stage").size() == 2);
  const json& s0 = memory.at("per_stage").at(0);
  CHECK(s0.at("stage") == 0);
  CHECK(s0.at("layers") == 16);
  CHECK(s0.at("weights_gib").get<double>() == 6.5);
  CHECK(s0.at("gradients_gib").get<double>() == 6.5);
  CHECK(s0.at("optimizer_gib").get<double>() == 26.0);
  CHECK(s0.at("activations_gib").get<double>() == 30.05);
  CHECK(s0.at("buffers_gib").get<double>() == 2.25);
  CHECK(s0.at("peak_gib").get<double>() == 71.3);
  CHECK(s0.at("capacity_gib").get<double>() == 80.0);
  CHECK(s0.at("fits") == true);
  const json& s1 = memory.at("per_stage").at(1);
  CHECK(s1.at("stage") == 1);
  CHECK(s1.at("activations_gib").get<double>() == 41.25);
  CHECK(s1.at("peak_gib").get<double>() == 82.5);
  CHECK(s1.at("fits") == false);  // 82.5 > 80
  CHECK(memory.at("peak_gib").get<double>() == 82.5);  // max(71.3, 82.5)
  CHECK(memory.at("fits") == false);
}

TEST_CASE("memory.fits is false when either the step or any stage says so") {
  const Scenario sc = test::sample_scenario();
  const RunEstimate run = test::sample_run();
  StepResult step = test::sample_step();

  // Stage 1 over capacity even though the step claims to fit: still false.
  step.fits = true;
  CHECK(results_json(sc, step, run).at("memory").at("fits") == false);

  // Stage 1 brought to 79.5 GiB: every stage fits, peak is 79.5.
  step.memory[1].peak_gib = 79.5;
  json j = results_json(sc, step, run);
  CHECK(j.at("memory").at("fits") == true);
  CHECK(j.at("memory").at("peak_gib").get<double>() == 79.5);

  // The step's own verdict (e.g. a rank-level check) is honoured too.
  step.fits = false;
  CHECK(results_json(sc, step, run).at("memory").at("fits") == false);

  // No stages: peak 0, an empty array (not null).
  step.memory.clear();
  step.fits = true;
  j = results_json(sc, step, run);
  CHECK(j.at("memory").at("per_stage").is_array());
  CHECK(j.at("memory").at("per_stage").empty());
  CHECK(j.at("memory").at("peak_gib").get<double>() == 0.0);
  CHECK(j.at("memory").at("fits") == true);
}

TEST_CASE("results JSON carries the run estimate and cost") {
  const json j = sample_json();
  const RunEstimate e = test::sample_run();
  CHECK(j.at("run").at("steps").get<double>() == 1e12 / 4194304);
  CHECK(j.at("run").at("seconds").get<double>() == e.seconds);
  CHECK(j.at("run").at("days").get<double>() == Approx(9.38221260).epsilon(1e-9));
  CHECK(j.at("run").at("gpu_hours").get<double>() == Approx(28822.157118).epsilon(1e-9));
  const json& cost = j.at("cost");
  CHECK(cost.at("usd").get<double>() == Approx(72055.392795).epsilon(1e-9));
  CHECK(cost.at("usd_per_million_tokens").get<double>() == Approx(0.0720553928).epsilon(1e-9));
  CHECK(cost.at("energy_mwh").get<double>() == Approx(29.3986002604).epsilon(1e-9));
  CHECK(cost.at("energy_usd").get<double>() == Approx(2351.88802083).epsilon(1e-9));
  CHECK(cost.at("tco2e").get<double>() == Approx(11.7594401042).epsilon(1e-9));
  CHECK(cost.at("avg_power_w_per_gpu").get<double>() == 600);
  CHECK(cost.at("price_usd_per_gpu_hour").get<double>() == 2.5);
  CHECK(cost.at("pue").get<double>() == 1.2);
  CHECK(cost.at("electricity_usd_per_kwh").get<double>() == 0.08);
  CHECK(cost.at("grid_gco2_per_kwh").get<double>() == 400);
}

TEST_CASE("results JSON is deterministic and round-trips its doubles") {
  const std::string a = sample_json().dump(2);
  const std::string b = sample_json().dump(2);
  CHECK(a == b);
  // Keys are sorted: "cluster" comes before "cost" before "memory".
  CHECK(a.find("\"cluster\"") < a.find("\"cost\""));
  CHECK(a.find("\"cost\"") < a.find("\"memory\""));
  // Shortest round-trip printing: parsing the text gives the same doubles.
  CHECK(json::parse(a) == sample_json());
  CHECK(a.find("\"time_s\": 3.4,") != std::string::npos);
}

TEST_CASE("every key in the results JSON is documented in docs/results-format.md") {
  std::set<std::string> paths;
  leaf_paths(sample_json(), "", paths);
  std::ifstream in(std::string(ORRERY_SOURCE_DIR) + "/docs/results-format.md");
  REQUIRE(in);
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  // The required stable keys, as the lead listed them: all present.
  for (const char* required :
       {"scenario.name", "scenario.description", "cluster.gpus", "cluster.nodes", "cluster.node",
        "cluster.accelerator", "model.name", "model.params", "model.layers", "model.hidden", "plan.tp",
        "plan.pp", "plan.dp", "plan.micro_batch", "plan.microbatches", "plan.recompute", "plan.schedule",
        "step.time_s", "step.tokens_per_s", "step.tflops_per_gpu", "step.mfu", "step.hfu",
        "step.model_flops", "step.hardware_flops", "step.breakdown.compute_s",
        "step.breakdown.exposed_tp_comm_s", "step.breakdown.exposed_pp_comm_s",
        "step.breakdown.exposed_dp_comm_s", "step.breakdown.bubble_s", "step.breakdown.idle_s",
        "step.events", "memory.per_stage[].stage", "memory.per_stage[].layers",
        "memory.per_stage[].weights_gib", "memory.per_stage[].gradients_gib",
        "memory.per_stage[].optimizer_gib", "memory.per_stage[].activations_gib",
        "memory.per_stage[].buffers_gib", "memory.per_stage[].peak_gib",
        "memory.per_stage[].capacity_gib", "memory.per_stage[].fits", "memory.fits", "memory.peak_gib",
        "run.steps", "run.seconds", "run.days", "run.gpu_hours", "cost.usd", "cost.usd_per_million_tokens",
        "cost.energy_mwh", "cost.energy_usd", "cost.tco2e", "cost.avg_power_w_per_gpu",
        "cost.price_usd_per_gpu_hour", "cost.pue", "cost.grid_gco2_per_kwh", "orrery.version"}) {
    INFO(required);
    CHECK(paths.count(required) == 1);
  }
  // Every key written is documented, as `key` in the format document.
  for (const std::string& p : paths) {
    INFO(p);
    CHECK(text.find("`" + p + "`") != std::string::npos);
  }
}
