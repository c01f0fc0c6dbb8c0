// Pipeline schedules, sequence parallelism, selective recompute and ZeRO
// against closed forms, with the FLOP-proportional device (1 TFLOP/s,
// memory-bound kernels free) and latency-free links of step_schedule_test.
#include <catch2/catch.hpp>

#include "models/memory.hpp"
#include "models/parameters.hpp"
#include "models/transformer.hpp"
#include "sim/collectives/collective.hpp"
#include "sim/engine/engine.hpp"
#include "sim/network/flow_network.hpp"
#include "sim/network/topology.hpp"
#include "sim/step/memory_estimate.hpp"
#include "sim/step/pipeline_schedule.hpp"
#include "sim/step/simulate_step.hpp"
#include "sim/step/step_executor.hpp"
#include "sim/step/step_program.hpp"
#include "step_harness.hpp"
#include "test_scenario.hpp"

using namespace orrery;
using test::execute;
using test::layer_seconds;
using test::Network;
using test::Run;

namespace {

// Four stages of two layers, a vocabulary of 8 (the output layer is ~0.1% of
// a stage) and very fast links: uniform stages, free communication.
Scenario uniform_pipeline(const char* schedule, int vpp = 1) {
  Scenario s = test::tiny_scenario(1, 4, 1);
  s.model.vocab = 8;
  s.model.tied_embeddings = false;
  s.cluster.scale_up.bandwidth_gb_per_s = 1e6;
  s.parallelism.schedule = schedule;
  s.parallelism.vpp = vpp;
  return s;   // m = 8 microbatches
}

constexpr double kGib = 1024.0 * 1024 * 1024;

}  // namespace

TEST_CASE("GPipe has the 1F1B bubble: step = (m + p - 1)(tf + tb)") {
  // Forwards: the last stage finishes microbatch m-1 at (m + p - 1) tf; the
  // backwards then drain the same way, (m + p - 1) tb, with stage 0 last.
  const Scenario s = uniform_pipeline("gpipe");
  const int p = 4, m = 8;
  const auto [f, b] = layer_seconds(s);
  const double tf = 2 * f, tb = 2 * b;
  const Run r = execute(s);
  CHECK(r.time_s == Approx((m + p - 1) * (tf + tb)).epsilon(0.005));
  CHECK(r.slowest.bubble_s / r.time_s == Approx(double(p - 1) / (m + p - 1)).epsilon(0.01));
  const Run one = execute(uniform_pipeline("1f1b"));
  CHECK(r.time_s == Approx(one.time_s).epsilon(1e-6));
}

TEST_CASE("Interleaved 1F1B shrinks the bubble v times: step = (v m + p - 1)(tf + tb) / v") {
  // Each rank runs v m chunk-passes of (tf + tb) / v each. After the first
  // forward reaches stage 0's last chunk, the passes come back to back on
  // every rank; the fill and drain are p - 1 chunk-passes of one virtual
  // stage each ((p - 1) (tf + tb) / v): Narayanan et al. 2021, section 2.2.
  // The simulated Megatron order (warm-up 2 (p - i - 1) + (v - 1) p) gives
  // exactly that with free communication and uniform chunks.
  const int p = 4, m = 8, v = 2;
  const Scenario s = uniform_pipeline("interleaved", v);
  const auto [f, b] = layer_seconds(s);
  const double tf = 2 * f, tb = 2 * b;   // per stage: two chunks of one layer
  const Run r = execute(s);
  CHECK(r.program.chunks == v);
  CHECK(r.time_s == Approx((v * m + p - 1) * (tf + tb) / v).epsilon(0.005));
  CHECK(r.slowest.bubble_s == Approx((p - 1) * (tf + tb) / v).epsilon(0.02));
  CHECK(r.slowest.bubble_s / r.time_s == Approx(double(p - 1) / (v * m + p - 1)).epsilon(0.02));
}

TEST_CASE("Interleaved over uneven stages: chunks as even as possible, the short ones at the model's ends") {
  // Llama 3 405B: 8 layers per stage, one fewer on the first and the last.
  CHECK(chunk_sizes(7, 2, true) == std::vector<int>{3, 4});
  CHECK(chunk_sizes(7, 2, false) == std::vector<int>{4, 3});
  CHECK(chunk_sizes(8, 2, false) == std::vector<int>{4, 4});
  CHECK(chunk_sizes(20, 3, false) == std::vector<int>{7, 7, 6});
  CHECK(chunk_sizes(20, 3, true) == std::vector<int>{6, 7, 7});
  CHECK(chunk_sizes(5, 1, true) == std::vector<int>{5});

  // 6 layers on pp 2 with vpp 2: chunks of 1 and 2 layers. The stages do
  // the same work as under 1F1B (every layer once per microbatch), and the
  // longest chunk (2 of the stage's 3 layers) sets the interleaved pace:
  // step <= 1F1B's, and >= the work of one stage.
  Scenario s = test::tiny_scenario(1, 2, 1);
  s.model.layers = 6;
  s.model.vocab = 8;
  s.model.tied_embeddings = false;
  s.cluster.scale_up.bandwidth_gb_per_s = 1e6;
  const Run plain = execute(s);
  s.parallelism.schedule = "interleaved";
  s.parallelism.vpp = 2;
  const Run inter = execute(s);
  for (int stage = 0; stage < 2; ++stage)
    CHECK(inter.program.stages[static_cast<std::size_t>(stage)].hardware_flops ==
          Approx(plain.program.stages[static_cast<std::size_t>(stage)].hardware_flops));
  const auto [f, b] = layer_seconds(s);
  const int m = 8;
  CHECK(inter.time_s < plain.time_s);
  CHECK(inter.time_s >= m * 3 * (f + b));
}

TEST_CASE("Blocking pipeline sends put every transfer on the sender's timeline (GPipe, closed forms)") {
  // pp 2, m = 8, 4 layers per stage (tf, tb per stage), each activation or
  // gradient of 256 x 256 x 2 B = 131,072 B over a 0.1 GB/s link: c = 1.31 ms.
  // Async: stage 0's forwards run back to back and each lands c later, so
  //   step = (m + 1)(tf + tb) + 2c.
  // Blocking: each forward of stage 0 and each backward of stage 1 is
  // followed by c of waiting on its own send, and the other stage keeps up:
  //   step = m (tf + tb + 2c) + tf + tb.
  Scenario s = test::tiny_scenario(1, 2, 1);
  s.model.vocab = 8;                      // the output layer: ~0.1% of a stage
  s.model.tied_embeddings = false;
  s.cluster.scale_up.bandwidth_gb_per_s = 0.1;
  s.parallelism.schedule = "gpipe";
  const auto [f, b] = layer_seconds(s);
  const double tf = 4 * f, tb = 4 * b, c = 131072 / 0.1e9;
  const int m = 8;
  const Run async = execute(s);
  CHECK(async.time_s == Approx((m + 1) * (tf + tb) + 2 * c).epsilon(0.005));
  s.parallelism.blocking_p2p = true;
  const Run blocking = execute(s);
  CHECK(blocking.time_s == Approx(m * (tf + tb + 2 * c) + tf + tb).epsilon(0.005));
  // Stage 0 finishes last; its m blocking sends are exposed pipeline time.
  CHECK(blocking.slowest.pp_comm_s >= m * c * 0.999);
}

TEST_CASE("Activations in flight follow the schedule") {
  const int p = 4, m = 8;
  for (int stage = 0; stage < p; ++stage) {
    INFO("stage " << stage);
    CHECK(peak_chunks_in_flight(pipeline_order("gpipe", p, 1, m, stage)) == m);
    CHECK(peak_chunks_in_flight(pipeline_order("1f1b", p, 1, m, stage)) == std::min(p - stage, m));
    // Interleaved: 2 (p - i - 1) + (v - 1) p warm-up forwards, + 1 before the
    // first backward; chunks of 1/v of the stage.
    CHECK(peak_chunks_in_flight(pipeline_order("interleaved", p, 2, m, stage)) == 2 * (p - stage - 1) + p + 1);
  }
  // In memory: stage 0 holds m microbatches under GPipe, p under 1F1B, and
  // p (1 + (p - 1) / (p v)) under interleaving (Megatron: 11 chunks of 1 layer
  // = 5.5 stage-microbatches of 2 layers, vs 4).
  auto activations = [](const Scenario& s) {
    return estimate_memory(s, RankLayout(1, 4, 1, s.model.layers))[0].activations_gib;
  };
  const Scenario one = uniform_pipeline("1f1b");
  const double per_layer = activation_bytes_per_layer(one.model, layer_shape(one), Recompute::none) / kGib;
  CHECK(activations(one) == Approx(per_layer * 2 * p));
  CHECK(activations(uniform_pipeline("gpipe")) == Approx(per_layer * 2 * m));
  CHECK(activations(uniform_pipeline("interleaved", 2)) == Approx(per_layer * 2 * p * (1 + (p - 1) / (p * 2.0))));
}

TEST_CASE("Sequence parallelism: reduce-scatter + all-gather cost the all-reduce they replace") {
  Scenario s = test::tiny_scenario(2, 1, 1);
  Network n(s);
  const int gpus[] = {0, 1};
  const double bytes = 1.0 * 256 * 256 * 2;   // b s h e
  // Ring over n ranks: reduce-scatter and all-gather each (n-1)/n S/B, the
  // all-reduce 2 (n-1)/n S/B.
  const double t_rs = n.collectives.uncontended_seconds(CollectiveOp::reduce_scatter, gpus, bytes, CollectiveAlgorithm::ring);
  const double t_ag = n.collectives.uncontended_seconds(CollectiveOp::all_gather, gpus, bytes, CollectiveAlgorithm::ring);
  const double t_ar = n.collectives.uncontended_seconds(CollectiveOp::all_reduce, gpus, bytes, CollectiveAlgorithm::ring);
  CHECK(t_rs == Approx(bytes / 2 / 100e9));
  CHECK(t_rs + t_ag == Approx(t_ar));

  const Run plain = execute(s);
  s.parallelism.sp = true;
  const Run seq = execute(s);
  // 4 all-reduces per layer per microbatch become 4 reduce-scatters + 4
  // all-gathers; each collective rounds to whole ns.
  const double collectives = 8.0 * 8 * 8;
  CHECK(seq.slowest.tp_wait_s == Approx(plain.slowest.tp_wait_s).margin(2e-9 * collectives));
  CHECK(seq.slowest.tp_wait_s == Approx(collectives / 2 * (t_rs + t_ag)).margin(2e-9 * collectives));
  CHECK(seq.time_s == Approx(plain.time_s).margin(4e-9 * collectives));
}

TEST_CASE("Sequence parallelism and selective recompute: activation memory per Korthikanti et al. Table 2") {
  Scenario s = test::tiny_scenario(2, 1, 1);
  s.training.flash_attention = false;   // keep the 5 a s / h term
  const LayerShape shape = layer_shape(s);
  const double sbh = 256.0 * 1 * 256, t = 2, a = 8, sq = 256, h = 256;
  const double attention_term = 5 * a * sq / (h * t);
  CHECK(activation_bytes_per_layer(s.model, shape, Recompute::none) == Approx(sbh * (10 + 24 / t + attention_term)));
  CHECK(activation_bytes_per_layer(s.model, shape, Recompute::none, true) == Approx(sbh * (34 / t + attention_term)));
  CHECK(activation_bytes_per_layer(s.model, shape, Recompute::selective) == Approx(sbh * (10 + 24 / t)));
  CHECK(activation_bytes_per_layer(s.model, shape, Recompute::selective, true) == Approx(sbh * 34 / t));
  CHECK(activation_bytes_per_layer(s.model, shape, Recompute::full, true) == Approx(sbh * 2 / t));

  // The estimate uses them: 8 layers, one microbatch in flight (pp = 1).
  s.parallelism.sp = true;
  s.parallelism.recompute = "selective";
  const auto mem = estimate_memory(s, RankLayout(2, 1, 1, s.model.layers));
  CHECK(mem[0].activations_gib == Approx(8 * sbh * 34 / t / kGib));
}

TEST_CASE("Selective recompute re-runs the attention core in the backward") {
  for (bool flash : {true, false}) {
    INFO("flash " << flash);
    Scenario s = test::tiny_scenario(1, 1, 1);
    s.training.flash_attention = flash;
    const Run plain = execute(s);
    s.parallelism.recompute = "selective";
    const Run sel = execute(s);
    double core_flops = 0;
    for (const Op& op : transformer_layer_ops(s.model, layer_shape(s)).attention_forward) {
      const std::string name = op.name;
      if (name == "attn_core" || name == "attn_scores" || name == "softmax" || name == "attn_dropout" ||
          name == "attn_context")
        core_flops += op.flops;
    }
    REQUIRE(core_flops > 0);
    // m = 8 microbatches x 8 layers, each re-running the core once; ns rounding per block.
    CHECK(sel.time_s - plain.time_s == Approx(8 * 8 * core_flops * 1e-12).margin(1e-9 * 8 * 8 * 3));
    CHECK(sel.program.stages[0].hardware_flops - plain.program.stages[0].hardware_flops ==
          Approx(8 * 8 * core_flops));
  }
}

TEST_CASE("ZeRO shards 2 + 2 + 12 bytes per parameter over dp (Rajbhandari et al.)") {
  const int dp = 8;
  Scenario s = test::tiny_scenario(1, 1, dp);
  s.training.precision = Precision::fp16;   // the paper's mixed precision: fp16 gradients
  const RankLayout layout(1, 1, dp, s.model.layers);
  const double psi = stage_parameters_per_rank(s, layout, 0), n = dp;
  // 16 psi, 4 psi + 12 psi / N, 2 psi + 14 psi / N, 16 psi / N.
  const double expected[] = {16 * psi, 4 * psi + 12 * psi / n, 2 * psi + 14 * psi / n, 16 * psi / n};
  for (int zero = 0; zero <= 3; ++zero) {
    INFO("zero " << zero);
    s.parallelism.zero = zero;
    const StageMemory m = estimate_memory(s, layout)[0];
    CHECK((m.weights_gib + m.gradients_gib + m.optimizer_gib) * kGib == Approx(expected[zero]));
  }
}

TEST_CASE("ZeRO-1: buckets reduce-scattered, then the parameters all-gathered on the critical path") {
  Scenario s = test::tiny_scenario(1, 1, 2);
  s.parallelism.zero = 1;
  const Run r = execute(s);
  const auto& items = r.program.stages[0].dp_items;
  REQUIRE(items.size() == 2);
  CHECK(items[0].op == CollectiveOp::reduce_scatter);
  CHECK(items[1].op == CollectiveOp::all_gather);
  const RankLayout layout(1, 1, 2, s.model.layers);
  const double params = stage_parameters_per_rank(s, layout, 0);
  CHECK(items[0].bytes == Approx(params * 4));   // fp32 gradients (bf16 training), one bucket
  CHECK(items[1].bytes == Approx(params * 2));   // bf16 parameters
  // Ring of 2 GPUs at B = 100 GB/s, no latency: each is (n-1)/n S/B = S / (2B),
  // both exposed (the optimizer is memory-bound: free under FlopTimer).
  const double t_rs = params * 4 / 2 / 100e9, t_ag = params * 2 / 2 / 100e9;
  CHECK(r.time_s == Approx(r.program.stages[0].compute_s + t_rs + t_ag).margin(1e-8));
  CHECK(r.slowest.dp_wait_s == Approx(t_rs + t_ag).margin(1e-8));
}

TEST_CASE("ZeRO-3: a gather per layer ahead of each forward and backward, a reduce-scatter after each backward") {
  Scenario s = test::tiny_scenario(1, 1, 2);
  s.parallelism.zero = 3;
  s.cluster.scale_up.bandwidth_gb_per_s = 1e6;   // gathers hidden behind the layer before
  const Run r = execute(s);
  const auto& items = r.program.stages[0].dp_items;
  const int m = 8, layers = 8;
  int gathers = 0, scatters = 0;
  for (const auto& it : items) (it.op == CollectiveOp::all_gather ? gathers : scatters) += 1;
  CHECK(gathers == 2 * m * layers);
  CHECK(scatters == m * layers);
  // Only the first gather of each pass and the last reduce-scatter are
  // exposed, each at most a few ns with these links.
  CHECK(r.time_s == Approx(r.program.stages[0].compute_s).margin(1e-9 * (2 * m + 1) * 4));
}

TEST_CASE("Every schedule and memory option together on two nodes: the step finishes and adds up") {
  for (int zero = 0; zero <= 3; ++zero)
    for (const char* schedule : {"gpipe", "1f1b", "interleaved"}) {
      INFO(schedule << " zero " << zero);
      Scenario s = test::tiny_scenario(2, 2, 4, 2);   // 16 GPUs: dp groups cross nodes
      s.training.global_batch = 32;                   // m = 8
      s.parallelism.schedule = schedule;
      s.parallelism.vpp = std::string(schedule) == "interleaved" ? 2 : 1;
      s.parallelism.sp = true;
      s.parallelism.recompute = "selective";
      s.parallelism.zero = zero;
      const StepResult r = simulate_step(s);
      REQUIRE(r.fits);
      const auto& d = r.breakdown;
      CHECK(d.compute_s + d.exposed_tp_comm_s + d.exposed_pp_comm_s + d.exposed_dp_comm_s + d.bubble_s + d.idle_s ==
            Approx(r.time_s));
      CHECK(d.compute_s < r.time_s);
      CHECK(r.mfu > 0);
    }
}

TEST_CASE("Pipeline scatter/gather: each TP rank sends 1/tp of the activation, the receivers all-gather it") {
  Scenario s = test::tiny_scenario(2, 2, 1);   // tp 2, pp 2, no sequence parallelism
  const double activation = 1.0 * s.training.seq_len * s.model.hidden * 2;   // micro batch 1, bf16
  auto count_after_receives = [](const StepProgram& p, int stage, double& gathered_bytes, double& sent_bytes) {
    int receives = 0, gathers = 0;
    const auto& instrs = p.stages[static_cast<std::size_t>(stage)].instrs;
    for (std::size_t i = 0; i < instrs.size(); ++i) {
      const Instr& in = instrs[i];
      if (in.kind == InstrKind::recv_forward || in.kind == InstrKind::recv_backward) {
        ++receives;
        sent_bytes = static_cast<double>(in.value);
        if (i + 1 < instrs.size() && instrs[i + 1].kind == InstrKind::tp_all_gather &&
            p.labels[instrs[i + 1].label] == "pp_gather") {
          ++gathers;
          gathered_bytes = static_cast<double>(instrs[i + 1].value);
        }
      }
    }
    return std::pair{receives, gathers};
  };
  double gathered = 0, sent = 0;
  const Run r = execute(s);
  for (int stage : {0, 1}) {
    const auto [receives, gathers] = count_after_receives(r.program, stage, gathered, sent);
    CHECK(receives == 8);   // 8 microbatches: stage 0 receives gradients, stage 1 activations
    CHECK(gathers == receives);
  }
  CHECK(sent == Approx(activation / 2));
  CHECK(gathered == Approx(activation));
  // With sequence parallelism each rank's 1/tp is what it needs: no gather
  // (the layer's own SP all-gather follows, not this one).
  s.parallelism.sp = true;
  const Run sp = execute(s);
  const auto [receives, gathers] = count_after_receives(sp.program, 1, gathered, sent);
  CHECK(receives == 8);
  CHECK(gathers == 0);
}
