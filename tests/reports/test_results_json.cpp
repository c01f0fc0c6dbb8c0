#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "models/parameters.hpp"
#include "reports/json_report.hpp"
#include "sample_run_report.hpp"

using namespace orrery;
using nlohmann::json;

namespace {

json sample_json() {
  return results_json(test::sample_scenario(), test::sample_step(), test::sample_run_simulation(),
                      test::sample_run_cost());
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
  CHECK(b.at("exposed_ep_comm_s").get<double>() == 0);   // a dense model without cp
  CHECK(b.at("exposed_cp_comm_s").get<double>() == 0);
  CHECK(b.size() == 8);
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
  const RunSimulation run = test::sample_run_simulation();
  const RunCost cost = test::sample_run_cost();
  StepResult step = test::sample_step();

  // Stage 1 over capacity even though the step claims to fit: still false.
  step.fits = true;
  CHECK(results_json(sc, step, run, cost).at("memory").at("fits") == false);

  // Stage 1 brought to 79.5 GiB: every stage fits, peak is 79.5.
  step.memory[1].peak_gib = 79.5;
  json j = results_json(sc, step, run, cost);
  CHECK(j.at("memory").at("fits") == true);
  CHECK(j.at("memory").at("peak_gib").get<double>() == 79.5);

  // The step's own verdict (e.g. a rank-level check) is honoured too.
  step.fits = false;
  CHECK(results_json(sc, step, run, cost).at("memory").at("fits") == false);

  // No stages: peak 0, an empty array (not null).
  step.memory.clear();
  step.fits = true;
  j = results_json(sc, step, run, cost);
  CHECK(j.at("memory").at("per_stage").is_array());
  CHECK(j.at("memory").at("per_stage").empty());
  CHECK(j.at("memory").at("peak_gib").get<double>() == 0.0);
  CHECK(j.at("memory").at("fits") == true);
}

TEST_CASE("results JSON carries the simulated run") {
  const json j = sample_json();
  const json& run = j.at("run");
  CHECK(run.at("steps").get<double>() == 1e12 / 4194304);
  // sample_run_report.hpp: five trials of 10.1, 9.8, 10.9, 10.0 and 10.3 days.
  CHECK(run.at("days").get<double>() == 10.22);        // the mean
  CHECK(run.at("days_mean").get<double>() == 10.22);
  CHECK(run.at("seconds").get<double>() == Approx(883008).epsilon(1e-12));   // 10.22 x 86,400
  CHECK(run.at("days_p10").get<double>() == 9.88);
  CHECK(run.at("days_p50").get<double>() == 10.1);
  CHECK(run.at("days_p90").get<double>() == 10.66);
  CHECK(run.at("days_per_trial") == json::array({10.1, 9.8, 10.9, 10.0, 10.3}));
  CHECK(run.at("failure_free_days").get<double>() == Approx(9.38221260).epsilon(1e-9));
  CHECK(run.at("gpu_hours").get<double>() == Approx(31395.84).epsilon(1e-12));   // 128 x 883,008 s / 3600
  CHECK(run.at("trials") == 5);
  CHECK(run.at("seed") == 7);
  CHECK(run.at("step_time_s").get<double>() == 3.4);
  CHECK(run.at("ettr").get<double>() == Approx(810623.17 / 883008).epsilon(1e-7));
  CHECK(run.at("job_mtbf_s").get<double>() == 86400);
  CHECK(run.at("interruptions").get<double>() == 10);
  CHECK(run.at("interruptions_by_cause") == json({{"gpu", 6}, {"host", 2.4}, {"software", 1.6}}));
  CHECK(run.at("checkpoint_interval_s").get<double>() == 3600);
  CHECK(run.at("checkpoint_interval_rule") == "fixed");
  CHECK(run.at("checkpoint_bytes").get<double>() == 6738415616.0 * 14);
  CHECK(run.at("checkpoint_stall_s").get<double>() == Approx(0.94337818624).epsilon(1e-9));   // 94.3 GB / 100 GB/s
  CHECK(run.at("checkpoint_load_s").get<double>() == Approx(0.47168909312).epsilon(1e-9));
  const json& t = run.at("time_by_cause");
  CHECK(t.at("restart_s").get<double>() == 9000);
  CHECK(t.at("repair_wait_s").get<double>() == 20000);
  CHECK(t.at("checkpoint_s").get<double>() == 212.28);
  CHECK(t.at("maintenance_s").get<double>() == 0);
  // The parts add up to the mean wall time.
  double sum = 0;
  for (const auto& [key, v] : t.items()) sum += v.get<double>();
  CHECK(sum == Approx(883008).epsilon(1e-12));
}

TEST_CASE("results JSON carries the cost by cause, energy and carbon") {
  const json j = sample_json();
  const json& cost = j.at("cost");
  CHECK(cost.at("pricing") == "on_demand");
  CHECK(cost.at("usd").get<double>() == Approx(78489.6).epsilon(1e-12));   // 31,395.84 GPU-hours x $2.50
  CHECK(cost.at("usd_per_million_tokens").get<double>() == Approx(0.0784896).epsilon(1e-12));
  CHECK(cost.at("usd_per_gpu_hour").get<double>() == 2.5);
  CHECK(cost.at("allocated_gpus") == 128);
  CHECK(cost.at("gpu_hours").get<double>() == j.at("run").at("gpu_hours").get<double>());
  const json& usd = cost.at("by_cause");
  CHECK(usd.at("productive").get<double>() == Approx(72055.392795).epsilon(1e-9));
  CHECK(usd.at("restart").get<double>() == Approx(800).epsilon(1e-12));      // 128 x $2.50 x 9000 s / 3600
  CHECK(usd.at("checkpoint").get<double>() == Approx(18.869333333).epsilon(1e-9));
  CHECK(usd.at("idle").get<double>() == Approx(1777.7777778).epsilon(1e-9));   // 20,000 s of repair wait
  double total = 0;
  for (const auto& [key, v] : usd.items()) total += v.get<double>();
  CHECK(total == Approx(cost.at("usd").get<double>()).epsilon(1e-12));
  CHECK(usd.size() == 6);   // productive, evaluation, rework, restart, checkpoint, idle
  CHECK(cost.at("energy_mwh").get<double>() == Approx(32.0).epsilon(1e-12));   // 29.4 + 1.6 + 0.3 + 0.02 + 0.68
  CHECK(cost.at("energy_mwh_by_cause").at("rework").get<double>() == 1.6);
  CHECK(cost.at("energy_usd").get<double>() == Approx(2560).epsilon(1e-12));
  CHECK(cost.at("tco2e").get<double>() == Approx(12.8).epsilon(1e-12));       // 32 MWh x 0.4 t/MWh
  CHECK(cost.at("tco2e_by_cause").at("productive").get<double>() == 11.76);
  CHECK(cost.at("embodied_tco2e").get<double>() == 0.5);
  CHECK(cost.at("avg_power_w_per_gpu").get<double>() == 600);
  // Inputs echoed from the scenario; the intensity is the one the cost used.
  CHECK(cost.at("price_usd_per_gpu_hour").get<double>() == 2.5);
  CHECK(cost.at("pue").get<double>() == 1.2);
  CHECK(cost.at("electricity_usd_per_kwh").get<double>() == 0.08);
  CHECK(cost.at("grid_region") == "custom");
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
        "run.steps", "run.seconds", "run.days", "run.gpu_hours", "run.days_p50", "run.days_p90", "run.ettr",
        "run.interruptions", "run.interruptions_by_cause.gpu", "run.checkpoint_interval_s",
        "cost.by_cause.productive", "cost.by_cause.rework", "cost.by_cause.restart", "cost.by_cause.checkpoint",
        "cost.by_cause.idle", "cost.usd", "cost.usd_per_million_tokens",
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
