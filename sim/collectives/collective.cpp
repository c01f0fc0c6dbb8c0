#include "sim/collectives/collective.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/collectives/collective_plan.hpp"
#include "sim/network/max_min.hpp"

// Timing of one phase (see docs/network-model.md): every flow of the phase
// starts together; the phase ends at
//   max over its flows of (the time its last byte left, i.e. done - latency)
//   + steps x alpha,   alpha = max path latency over the phase's flows + step overhead
// so uncontended it lasts flow_bytes / B + steps x alpha. steps x alpha is
// rounded to the nanosecond once, not once per step.

namespace orrery {

namespace collective_detail {

void validate_group(CollectiveOp op, std::span<const int> gpus, double bytes, CollectiveAlgorithm algorithm,
                    const Topology& topology, PlanScratch& scratch) {
  const std::string what = std::string("collective ") + to_string(op);
  if (!algorithm_fits_op(op, algorithm))
    throw std::invalid_argument(what + ": algorithm " + to_string(algorithm) + " does not implement it");
  if (gpus.empty()) throw std::invalid_argument(what + ": empty group");
  if (!std::isfinite(bytes) || bytes < 0)
    throw std::invalid_argument(what + ": bytes must be finite and >= 0, got " + std::to_string(bytes));
  if (op == CollectiveOp::send_recv && gpus.size() != 2)
    throw std::invalid_argument("collective send_recv: needs exactly 2 GPUs (sender, receiver), got " +
                                std::to_string(gpus.size()));
  const auto total = static_cast<std::size_t>(topology.gpus());
  if (scratch.seen.size() < total) scratch.seen.resize(total, 0);  // invariant: all 0 between calls
  std::string error;
  std::size_t checked = 0;
  for (; checked < gpus.size(); ++checked) {
    const int gpu = gpus[checked];
    if (gpu < 0 || static_cast<std::size_t>(gpu) >= total) {
      error = "GPU " + std::to_string(gpu) + " is outside 0.." + std::to_string(total - 1);
      break;
    }
    if (scratch.seen[static_cast<std::size_t>(gpu)]) {
      error = "GPU " + std::to_string(gpu) + " appears twice in the group";
      break;
    }
    scratch.seen[static_cast<std::size_t>(gpu)] = 1;
  }
  for (std::size_t i = 0; i < checked; ++i) scratch.seen[static_cast<std::size_t>(gpus[i])] = 0;
  if (!error.empty()) throw std::invalid_argument(what + ": " + error);
}

// `algorithm` is not automatic. Shapes an algorithm does not fit fall back
// to a ring (all-to-all: direct).
void plan_collective(CollectiveOp op, std::span<const int> gpus, double bytes, CollectiveAlgorithm algorithm,
                     const Topology& topology, PlanScratch& scratch, Plan& plan) {
  using A = CollectiveAlgorithm;
  if (op == CollectiveOp::all_to_all) {
    plan_all_to_all(gpus, bytes, algorithm == A::pairwise, plan);
    return;
  }
  if (gpus.size() >= 2) {
    if (algorithm == A::hierarchical && op != CollectiveOp::send_recv &&
        plan_hierarchical(op, gpus, bytes, topology, scratch, plan))
      return;
    if (algorithm == A::nvls && plan_nvls(gpus, bytes, topology, plan)) return;
    if (algorithm == A::tree) {
      plan_double_tree(gpus, bytes, plan);
      return;
    }
  }
  plan_ring(op, gpus, bytes, plan);
}

// Per phase: the flows' rates are the max-min shares of the phase's own flows
// alone (they may share links with each other, e.g. NICs shared by several
// GPUs); the phase lasts max(bytes / rate) + steps x alpha. Exact when the
// phase is symmetric (every flow gets the same rate), an upper bound
// otherwise (flows that finish early free bandwidth).
double plan_seconds(const Plan& plan, const Topology& topology, double step_overhead_s) {
  double total = 0;
  std::vector<LinkId> all_links;
  std::vector<std::size_t> path_start;
  std::vector<MaxMinFlowModel::LinkIndex> local_path;
  std::vector<LinkId> distinct;
  LinkId buffer[Topology::max_route_links];
  for (std::size_t p = 0; p < plan.phases.size(); ++p) {
    const Phase& phase = plan.phases[p];
    all_links.clear();
    path_start.assign(1, 0);
    double max_latency_s = 0;
    for_each_flow(plan, phase, [&](int src, int dst, std::uint32_t) {
      const std::size_t n = topology.route_into(src, dst, static_cast<std::uint64_t>(p), buffer);
      all_links.insert(all_links.end(), buffer, buffer + n);
      path_start.push_back(all_links.size());
      max_latency_s = std::max(max_latency_s, topology.path_latency_s(src, dst));
    });
    double transfer_s = 0;
    if (phase.flow_bytes > 0) {
      distinct = all_links;
      std::sort(distinct.begin(), distinct.end());
      distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
      MaxMinFlowModel model;
      for (LinkId l : distinct) model.add_link(topology.link(l).capacity_bytes_per_s);
      for (std::size_t f = 0; f + 1 < path_start.size(); ++f) {
        local_path.clear();
        for (std::size_t i = path_start[f]; i < path_start[f + 1]; ++i)
          local_path.push_back(static_cast<MaxMinFlowModel::LinkIndex>(
              std::lower_bound(distinct.begin(), distinct.end(), all_links[i]) - distinct.begin()));
        model.add_flow(local_path);
      }
      model.solve();
      for (std::size_t f = 0; f + 1 < path_start.size(); ++f)
        transfer_s = std::max(transfer_s, phase.flow_bytes / model.rate(static_cast<MaxMinFlowModel::FlowIndex>(f)));
    }
    total += transfer_s + phase.steps * (max_latency_s + step_overhead_s);
  }
  return total;
}

// automatic (docs/network-model.md, "Algorithm choice"), NCCL's tuner in
// spirit: every algorithm that fits the group's shape is costed with the
// closed form above, and the fastest wins (ties: the earlier candidate).
//   all_to_all: direct.  send_recv: the one flow.
//   one node: NVLS for an all-reduce where the node type has it, else a ring.
//   several nodes: ring, hierarchical (when every node holds the same
//   number >= 2 of members) and, for an all-reduce, the double binary tree.
CollectiveAlgorithm choose_algorithm(CollectiveOp op, std::span<const int> gpus, double bytes,
                                     const Topology& topology, double step_overhead_s, PlanScratch& scratch,
                                     Plan& plan) {
  using A = CollectiveAlgorithm;
  if (op == CollectiveOp::all_to_all) return A::direct;
  if (op == CollectiveOp::send_recv || gpus.size() < 2) return A::ring;
  const NodeShape shape = node_shape(gpus, topology, scratch, nullptr);
  if (shape.nodes == 1)
    return op == CollectiveOp::all_reduce && topology.in_switch_reduction() ? A::nvls : A::ring;
  A candidates[3] = {A::ring, A::hierarchical, A::tree};
  const int count = op == CollectiveOp::all_reduce ? 3 : 2;
  A best = A::ring;
  double best_s = std::numeric_limits<double>::infinity();
  for (int i = 0; i < count; ++i) {
    if (candidates[i] == A::hierarchical && !(shape.even && shape.per_node >= 2)) continue;
    plan_collective(op, gpus, bytes, candidates[i], topology, scratch, plan);
    const double s = plan_seconds(plan, topology, step_overhead_s);
    if (s < best_s) {
      best_s = s;
      best = candidates[i];
    }
  }
  return best;
}

// Validates, resolves automatic, and plans.
void plan_call(CollectiveOp op, std::span<const int> gpus, double bytes, CollectiveAlgorithm algorithm,
               const Topology& topology, const CollectiveParams& params, PlanScratch& scratch, Plan& plan) {
  validate_group(op, gpus, bytes, algorithm, topology, scratch);
  if (algorithm == CollectiveAlgorithm::automatic) {
    algorithm = params.algorithm[static_cast<std::size_t>(op)];
    if (!algorithm_fits_op(op, algorithm))
      throw std::invalid_argument(std::string("CollectiveParams.algorithm for ") + to_string(op) + ": " +
                                  to_string(algorithm) + " does not implement it");
  }
  if (algorithm == CollectiveAlgorithm::automatic)
    algorithm = choose_algorithm(op, gpus, bytes, topology, params.step_overhead_s, scratch, plan);
  plan_collective(op, gpus, bytes, algorithm, topology, scratch, plan);
}

}  // namespace collective_detail

using collective_detail::for_each_flow;
using collective_detail::Phase;
using collective_detail::Plan;

namespace {

constexpr std::uint32_t kPhaseDone = 0;

std::uint64_t flow_token(std::uint32_t slot, std::uint32_t index) {
  return (static_cast<std::uint64_t>(slot) << 32) | index;
}

}  // namespace

struct CollectiveRunner::Impl {
  struct Running {
    CollectiveListener* listener = nullptr;
    std::uint64_t token = 0;
    Plan plan;
    int phase = 0;
    std::uint32_t pending = 0;                 // flows of the phase not done yet
    std::int64_t last_byte_ns = 0;             // max over done flows of (done - latency)
    std::int64_t step_latency_ns = 0;          // steps x alpha of the phase
    std::vector<std::int64_t> flow_latency_ns;  // per flow of the phase
  };

  Impl(Engine& e, FlowNetwork& n, const Topology& t, CollectiveParams p)
      : engine(e), network(n), topology(t), params(p) {}

  Engine& engine;
  FlowNetwork& network;
  const Topology& topology;
  CollectiveParams params;
  std::uint32_t handler = 0;
  std::vector<Running> running;  // slots, reused through free_slots (their vectors keep capacity)
  std::vector<std::uint32_t> free_slots;
  collective_detail::PlanScratch scratch;

  // Scratch of start_phase: the phase's routed links (flow f's are
  // [path_start[f], path_start[f + 1])), their latencies, and per-link marks
  // (epoch-stamped) that tell whether the flows' paths are disjoint.
  std::vector<LinkId> phase_links;
  std::vector<std::size_t> path_start;
  std::vector<double> path_latency_s;
  std::vector<std::uint32_t> link_mark;
  std::uint32_t mark_epoch = 0;

  // A phase whose flows run over link-disjoint paths (a ring inside an
  // NVSwitch node, a ring shift over a collision-free fabric) starts as one
  // bundle (FlowNetwork::start_bundle: a pipelined ring runs at its slowest
  // edge's pace); one whose flows share links (they then share bandwidth
  // among themselves) starts flow by flow, each over the links routed here
  // (a flow is a bundle of one). Both take flow_bytes / rate + steps x alpha
  // uncontended.
  void start_phase(std::uint32_t slot, FlowListener* self) {
    Running& r = running[slot];
    const Phase& phase = r.plan.phases[static_cast<std::size_t>(r.phase)];
    const auto key = static_cast<std::uint64_t>(r.phase);
    r.flow_latency_ns.clear();
    phase_links.clear();
    path_start.assign(1, 0);
    path_latency_s.clear();
    if (link_mark.size() < topology.link_count()) link_mark.assign(topology.link_count(), 0);
    if (++mark_epoch == 0) {  // wrapped: clear the stale stamps
      std::fill(link_mark.begin(), link_mark.end(), 0);
      mark_epoch = 1;
    }
    bool disjoint = true;
    double max_latency_s = 0;
    LinkId buffer[Topology::max_route_links];
    for_each_flow(r.plan, phase, [&](int src, int dst, std::uint32_t) {
      const std::size_t hops = topology.route_into(src, dst, key, buffer);
      double latency_s = 0;
      for (std::size_t i = 0; i < hops; ++i) {
        latency_s += topology.link(buffer[i]).latency_s;
        if (link_mark[buffer[i]] == mark_epoch) disjoint = false;
        link_mark[buffer[i]] = mark_epoch;
        phase_links.push_back(buffer[i]);
      }
      if (hops == 0) disjoint = false;  // a GPU to itself: let the flow network say so
      path_start.push_back(phase_links.size());
      path_latency_s.push_back(latency_s);
      max_latency_s = std::max(max_latency_s, latency_s);
      // Rounded as FlowNetwork rounds it, so done - latency is the last byte's time.
      r.flow_latency_ns.push_back(SimTime::from_seconds(latency_s).ns());
    });
    r.last_byte_ns = 0;
    r.step_latency_ns = SimTime::from_seconds(phase.steps * (max_latency_s + params.step_overhead_s)).ns();
    if (disjoint && r.flow_latency_ns.size() > 1) {
      r.flow_latency_ns.assign(1, SimTime::from_seconds(max_latency_s).ns());
      r.pending = 1;
      network.start_bundle(phase_links, max_latency_s, phase.flow_bytes, self, flow_token(slot, 0));
      return;
    }
    r.pending = static_cast<std::uint32_t>(r.flow_latency_ns.size());
    const std::span<const LinkId> links(phase_links);
    for (std::uint32_t f = 0; f < r.pending; ++f)
      network.start_bundle(links.subspan(path_start[f], path_start[f + 1] - path_start[f]), path_latency_s[f],
                           phase.flow_bytes, self, flow_token(slot, f));
  }
};

CollectiveRunner::CollectiveRunner(Engine& engine, FlowNetwork& network, const Topology& topology,
                                   CollectiveParams params)
    : impl_(new Impl(engine, network, topology, params)) {
  std::string error;
  if (!std::isfinite(params.step_overhead_s) || params.step_overhead_s < 0)
    error = "CollectiveParams.step_overhead_s must be finite and >= 0";
  for (std::size_t op = 0; op < kCollectiveOps; ++op)
    if (!algorithm_fits_op(static_cast<CollectiveOp>(op), params.algorithm[op]))
      error = std::string("CollectiveParams.algorithm for ") + to_string(static_cast<CollectiveOp>(op)) + ": " +
              to_string(params.algorithm[op]) + " does not implement it";
  if (!error.empty()) {
    delete impl_;
    throw std::invalid_argument(error);
  }
  impl_->handler = engine.add_handler(this);
}

CollectiveRunner::~CollectiveRunner() { delete impl_; }

void CollectiveRunner::start(CollectiveOp op, std::span<const int> gpus, double bytes, CollectiveAlgorithm algorithm,
                             CollectiveListener* listener, std::uint64_t token) {
  Impl& c = *impl_;
  std::uint32_t slot;
  if (!c.free_slots.empty()) {
    slot = c.free_slots.back();
    c.free_slots.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(c.running.size());
    c.running.emplace_back();
  }
  Impl::Running& r = c.running[slot];
  try {
    collective_detail::plan_call(op, gpus, bytes, algorithm, c.topology, c.params, c.scratch, r.plan);
  } catch (...) {
    c.free_slots.push_back(slot);
    throw;
  }
  r.listener = listener;
  r.token = token;
  if (r.plan.phases.empty()) {  // a group of one: done now, through the engine
    r.phase = -1;
    c.engine.schedule_in(SimTime::zero(), c.handler, kPhaseDone, slot);
    return;
  }
  r.phase = 0;
  c.start_phase(slot, this);
}

namespace {

// The plan of one call, outside any run (validated, automatic resolved).
Plan plan_alone(CollectiveOp op, std::span<const int> gpus, double bytes, CollectiveAlgorithm algorithm,
                const Topology& topology, const CollectiveParams& params) {
  collective_detail::PlanScratch scratch;
  Plan plan;
  collective_detail::plan_call(op, gpus, bytes, algorithm, topology, params, scratch, plan);
  return plan;
}

}  // namespace

double CollectiveRunner::uncontended_seconds(CollectiveOp op, std::span<const int> gpus, double bytes,
                                             CollectiveAlgorithm algorithm) const {
  const Impl& c = *impl_;
  return collective_detail::plan_seconds(plan_alone(op, gpus, bytes, algorithm, c.topology, c.params), c.topology,
                                         c.params.step_overhead_s);
}

CollectiveAlgorithm CollectiveRunner::resolved_algorithm(CollectiveOp op, std::span<const int> gpus, double bytes,
                                                         CollectiveAlgorithm algorithm) const {
  const Impl& c = *impl_;
  return plan_alone(op, gpus, bytes, algorithm, c.topology, c.params).algorithm;
}

void CollectiveRunner::on_flow_done(Engine& engine, std::uint64_t token) {
  Impl& c = *impl_;
  const auto slot = static_cast<std::uint32_t>(token >> 32);
  const auto index = static_cast<std::uint32_t>(token & 0xffffffffu);
  Impl::Running& r = c.running[slot];
  const std::int64_t now = engine.now().ns();
  r.last_byte_ns = std::max(r.last_byte_ns, now - r.flow_latency_ns[index]);
  if (--r.pending > 0) return;
  const std::int64_t end = std::max(now, r.last_byte_ns + r.step_latency_ns);
  engine.schedule_at(SimTime::from_ns(end), c.handler, kPhaseDone, slot);
}

void CollectiveRunner::on_event(Engine& engine, std::uint32_t tag, std::uint64_t arg) {
  if (tag != kPhaseDone) throw std::logic_error("CollectiveRunner: unknown event tag " + std::to_string(tag));
  Impl& c = *impl_;
  const auto slot = static_cast<std::uint32_t>(arg);
  Impl::Running& r = c.running[slot];
  if (++r.phase < static_cast<int>(r.plan.phases.size())) {
    c.start_phase(slot, this);
    return;
  }
  CollectiveListener* listener = r.listener;
  const std::uint64_t token = r.token;
  r.listener = nullptr;
  c.free_slots.push_back(slot);  // freed first: the listener may start collectives
  if (listener != nullptr) listener->on_collective_done(engine, token);
}

}  // namespace orrery
