#include "sim/cli/commands.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include <fmt/format.h>

#include "models/parameters.hpp"
#include "reports/chrome_trace.hpp"
#include "reports/json_report.hpp"
#include "reports/output_file.hpp"
#include "reports/summary_table.hpp"
#include "sim/cost/run_cost.hpp"
#include "sim/run/run_simulation.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/step/memory_estimate.hpp"
#include "sim/step/rank_layout.hpp"
#include "sim/step/simulate_step.hpp"

namespace orrery::cli {

int input_error(const std::string& message) {
  std::fprintf(stderr, "orrery: error: %s\n", message.c_str());
  return 2;
}

// The one-line verdict for a plan that does not fit, naming the worst stage.
std::string not_fit_message(const Scenario& s, const std::vector<StageMemory>& memory) {
  const auto worst = std::max_element(memory.begin(), memory.end(), [](const StageMemory& a, const StageMemory& b) {
    return a.peak_gib - a.capacity_gib < b.peak_gib - b.capacity_gib;
  });
  return fmt::format(
      "the plan does not fit in memory: pipeline stage {} needs {:.1f} GiB per GPU but the {} has {:.1f} GiB "
      "(short by {:.1f} GiB: weights {:.1f}, gradients {:.1f}, optimizer {:.1f}, activations {:.1f}, buffers {:.1f}) "
      "(hint: raise tp or pp, set parallelism.recompute to \"full\", or lower parallelism.micro_batch)",
      worst->stage, worst->peak_gib, s.cluster.accelerator.name, worst->capacity_gib,
      worst->peak_gib - worst->capacity_gib, worst->weights_gib, worst->gradients_gib, worst->optimizer_gib,
      worst->activations_gib, worst->buffers_gib);
}

void write_output(const std::string& path, const std::string& content) {
  if (path == "-") {
    std::fwrite(content.data(), 1, content.size(), stdout);
    return;
  }
  write_file_atomically(path, content);
}

RunReport simulate_scenario(const Scenario& s, const StepOptions& options) {
  RunReport r{s, simulate_step(s, options), {}, {}};
  // micro_batch "auto": report (and run) the plan the step search chose.
  if (s.parallelism.micro_batch_auto && r.step.micro_batch > 0) r.scenario.parallelism.micro_batch = r.step.micro_batch;
  if (!r.step.fits) return r;
  // Further steps of the plan the run needs, with the micro batch it chose.
  const TrainingSpec& t = r.scenario.training;
  auto variant = [&](int global_batch, bool forward_only) {
    Scenario v = r.scenario;
    v.training.global_batch = global_batch;
    v.parallelism.micro_batch_auto = false;
    StepOptions o;
    o.forward_only = forward_only;
    return simulate_step(v, o);
  };
  // A batch-size ramp: its first steps are smaller; one more step, at the
  // ramp's start, pins their time (run_plan.hpp, BatchRamp).
  StepResult ramp_start;
  if (t.batch_ramp_start > 0 && t.total_tokens > 0) ramp_start = variant(t.batch_ramp_start, false);
  // Evaluation: one forward-only global batch, simulated like the step.
  StepResult eval_batch;
  if (t.eval_interval_steps > 0 && t.total_tokens > 0) eval_batch = variant(t.global_batch, true);
  r.run = simulate_run(r.scenario, r.step, ramp_start.time_s > 0 ? &ramp_start : nullptr,
                       eval_batch.time_s > 0 ? &eval_batch : nullptr);
  r.cost = estimate_cost(r.scenario, r.step, r.run);
  return r;
}

std::vector<int> parse_rank_list(const std::string& spec, int ranks) {
  std::vector<int> out;
  if (spec == "all") {
    for (int r = 0; r < ranks; ++r) out.push_back(r);
    return out;
  }
  std::stringstream ss(spec);
  std::string item;
  auto number = [&](const std::string& text) {
    std::size_t used = 0;
    long v = -1;
    try {
      v = std::stol(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != text.size() || text.empty() || v < 0 || v >= ranks)
      throw InputError("--trace-ranks", fmt::format("\"{}\"", text), fmt::format("ranks are 0 to {}", ranks - 1),
                       "give 'all' or a list like 0,8,16-23");
    return static_cast<int>(v);
  };
  while (std::getline(ss, item, ',')) {
    const auto dash = item.find('-');
    if (dash == std::string::npos) {
      out.push_back(number(item));
      continue;
    }
    const int lo = number(item.substr(0, dash)), hi = number(item.substr(dash + 1));
    if (hi < lo) throw InputError("--trace-ranks", item, "a range must run low to high", "e.g. 16-23");
    for (int r = lo; r <= hi; ++r) out.push_back(r);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

int run(const RunArgs& args, const std::vector<std::string>& catalogs) {
  try {
    const Catalog catalog = Catalog::load(catalogs);
    const Scenario s = args.scenario.empty() ? default_scenario(catalog) : load_scenario_file(args.scenario, catalog);
    StepOptions options;
    if (!args.trace_out.empty()) {
      const RankLayout layout(s.parallelism, s.model.layers);
      if (args.trace_ranks.empty()) {
        for (int r = 0; r < layout.ranks(); ++r)
          if (layout.coords(r).dp_index == 0) options.trace_ranks.push_back(r);
      } else {
        options.trace_ranks = parse_rank_list(args.trace_ranks, layout.ranks());
      }
    }
    const RunReport simulated = simulate_scenario(s, options);
    if (!simulated.step.fits) return input_error(not_fit_message(s, simulated.step.memory));
    const StepResult& step = simulated.step;
    const RunSimulation& run = simulated.run;
    const RunCost& cost = simulated.cost;
    // The simulated scenario: with micro_batch "auto", the micro batch chosen.
    const Scenario& plan = simulated.scenario;
    if (!args.quiet && args.json_out != "-") std::fputs(render_summary(plan, step, run, cost).c_str(), stdout);
    if (!args.json_out.empty()) write_output(args.json_out, results_json(plan, step, run, cost).dump(2) + "\n");
    if (!args.trace_out.empty()) write_output(args.trace_out, chrome_trace_json(step.timeline));
    return 0;
  } catch (const std::runtime_error& e) {
    // Bad input (InputError is a runtime_error) and output files that cannot
    // be written are the user's to fix.
    return input_error(e.what());
  }
}

int validate(const std::vector<std::string>& files, const std::vector<std::string>& catalogs) {
  Catalog catalog;
  try {
    catalog = Catalog::load(catalogs);
  } catch (const InputError& e) {
    return input_error(e.what());
  }
  int failed = 0;
  for (const auto& file : files) {
    try {
      const Scenario s = load_scenario_file(file, catalog);
      const RankLayout layout(s.parallelism, s.model.layers);
      const auto memory = estimate_memory(s, layout);
      if (!std::all_of(memory.begin(), memory.end(), [](const StageMemory& m) { return m.fits(); }))
        throw InputError("", "", not_fit_message(s, memory));
      std::printf("ok      %s  (%s: %d GPUs, tp %d pp %d dp %d)\n", file.c_str(), s.name.c_str(), s.cluster.gpus(),
                  s.parallelism.tp, s.parallelism.pp, s.parallelism.dp);
    } catch (const InputError& e) {
      ++failed;
      std::fprintf(stderr, "invalid %s: %s\n", file.c_str(), e.what());
    }
  }
  return failed == 0 ? 0 : 2;
}

int list(const std::string& what, const std::vector<std::string>& catalogs) {
  try {
    const Catalog c = Catalog::load(catalogs);
    for (const auto& name : c.names(what)) {
      std::string line;
      if (what == "accelerators") {
        const auto& a = c.accelerator(name);
        line = fmt::format("{:<18} {:>7.1f} TFLOP/s bf16  {:>6.1f} GiB  {:>6.0f} GB/s  {:>5.0f} W", name,
                           a.peak_tflops_bf16, a.hbm_gib, a.hbm_bandwidth_gb_per_s, a.tdp_w);
      } else if (what == "nodes") {
        const auto& n = c.node(name);
        line = fmt::format("{:<18} {} x {}, scale-up {}, {} x {}", name, n.gpus_per_node, n.accelerator,
                           n.scale_up_link, n.nics_per_node, n.nic_link);
      } else if (what == "links") {
        const auto& l = c.link(name);
        line = fmt::format("{:<18} {:>7.1f} GB/s per direction  {:>5.2f} us", name, l.bandwidth_gb_per_s, l.latency_us);
      } else {
        const auto& m = c.model(name);
        line = fmt::format("{:<22} {:>8.1f} B params  {:>3} layers  hidden {:>5}", name,
                           count_parameters(m).total / 1e9, m.layers, m.hidden);
      }
      std::printf("%s\n", line.c_str());
    }
    return 0;
  } catch (const InputError& e) {
    return input_error(e.what());
  }
}

int show(const std::string& what, const std::string& name, const std::vector<std::string>& catalogs) {
  try {
    const Catalog c = Catalog::load(catalogs);
    if (what == "model") {
      const ModelSpec& m = c.model(name, "model");
      const ParameterCount pc = count_parameters(m);
      std::string out = fmt::format("{} ({})\n", name, m.family);
      out += fmt::format("  layers {}, hidden {}, heads {} ({} kv), ffn {}, vocab {}, max seq {}\n", m.layers, m.hidden,
                         m.heads, m.kv_heads, m.ffn_hidden, m.vocab, m.max_seq_len);
      out += fmt::format("  {}, {}, {} positions, {} embeddings, linear bias {}\n", m.activation, m.norm, m.position,
                         m.tied_embeddings ? "tied" : "untied", m.linear_bias ? "yes" : "no");
      out += fmt::format("  parameters {:.3f} B (published {:.1f} B): embedding {:.3f} B, per layer {:.4f} B, output {:.3f} B\n",
                         pc.total / 1e9, m.published_params_billion, pc.embedding / 1e9, pc.per_layer / 1e9, pc.output / 1e9);
      if (m.moe())
        out += fmt::format("  experts {} (top {}, {} shared, width {}), first {} layers dense: {:.3f} B active per token\n",
                           m.experts, m.experts_per_token, m.shared_experts, m.expert_ffn(), m.dense_layers,
                           pc.active / 1e9);
      if (m.mla())
        out += fmt::format("  mla attention: q latent {}, kv latent {}, qk head {} + {} rope, v head {}\n", m.q_lora_rank,
                           m.kv_lora_rank, m.qk_nope_head_dim, m.qk_rope_head_dim, m.v_head_dim);
      for (int seq : {2048, m.max_seq_len}) {
        out += fmt::format("  training FLOPs per token at seq {}: {:.4g} (6N = {:.4g})\n", seq,
                           model_flops_per_token(m, seq), 6 * pc.total);
        if (seq == m.max_seq_len) break;
      }
      out += fmt::format("  source: {}\n", m.source);
      std::fputs(out.c_str(), stdout);
    } else {
      const std::string section = what == "accelerator" ? "accelerators" : what == "node" ? "nodes" : "links";
      std::printf("%s\n%s\n", name.c_str(), c.raw(section, name, what).dump(2).c_str());
    }
    return 0;
  } catch (const InputError& e) {
    return input_error(e.what());
  }
}

int docs(const std::string& what) {
  if (what == "scenario-format") std::fputs(scenario_format_markdown().c_str(), stdout);
  return 0;
}

}  // namespace orrery::cli
