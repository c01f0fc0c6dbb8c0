#include "sim/network/flow_network.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/network/max_min.hpp"

// How time advances (see docs/network-model.md):
// - start_flow() adds the flow to the max-min model and asks for ONE solve at
//   the current time (a zero-delay event), so the n flows a collective starts
//   together cost one re-solve, not n.
// - A solve re-rates only the flows of the touched components. Each of them
//   first banks the bytes moved at its old rate since its last update (lazy
//   progress), then gets a new finish time, rounded UP to a whole nanosecond,
//   kept in an indexed min-heap ordered by (finish, creation order).
// - One global "next completion" event is pending at a time: a new one is
//   scheduled only when the heap's top becomes earlier, with a new generation;
//   an event whose generation is stale is ignored, one that fires early just
//   re-arms. All flows due at the same nanosecond finish in one event (in
//   creation order) followed by one re-solve.
// - The listener is called after the path latency, by a second event. Flows
//   that finish in one completion event with the same latency (the n flows
//   of a ring step) share one delivery event; their listeners are called in
//   creation order, as n separate events at the same time would have been.

namespace orrery {

namespace {

enum Tag : std::uint32_t { kSolve = 0, kCompletion = 1, kDeliver = 2 };
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// ceil(seconds * 1e9), forgiving rounding noise a millionth of a nanosecond
// wide so that an exact B/C does not become B/C + 1 ns.
std::int64_t ceil_ns(double seconds) {
  const double ns = std::ceil(seconds * 1e9 - 1e-6);
  constexpr double cap = 4e18;  // beyond any simulated horizon (~127 years)
  if (!(ns < cap)) return static_cast<std::int64_t>(cap);
  return ns < 0 ? 0 : static_cast<std::int64_t>(ns);
}

}  // namespace

struct FlowNetwork::Impl {
  struct Flow {
    FlowListener* listener = nullptr;
    std::uint64_t token = 0;
    double bytes = 0;
    double remaining = 0;       // as of t_last_ns
    double rate = 0;            // bytes/s since t_last_ns
    std::int64_t t_last_ns = 0;
    std::int64_t finish_ns = 0;
    std::int64_t latency_ns = 0;
    std::uint64_t seq = 0;      // creation order: ties at the same nanosecond
    std::uint32_t model_id = kNone;
    std::uint32_t heap_pos = kNone;
  };

  Impl(Engine& e, const Topology& t) : engine(e), topology(t) {
    for (LinkId l = 0; l < t.link_count(); ++l) model.add_link(t.link(l).capacity_bytes_per_s);
  }

  Engine& engine;
  const Topology& topology;
  std::uint32_t handler = 0;
  MaxMinFlowModel model;
  std::vector<Flow> flows;                 // slots, reused through free_slots
  std::vector<std::uint32_t> free_slots;
  std::vector<std::uint32_t> slot_of_model;  // model flow index -> slot
  std::vector<std::uint32_t> heap;           // slots of transferring flows, by (finish, seq)
  std::vector<std::uint32_t> due;            // scratch of one completion event
  std::vector<std::vector<std::uint32_t>> batches;  // flows delivered by one event
  std::vector<std::uint32_t> free_batches;
  std::vector<std::uint32_t> delivering;     // scratch of one delivery event
  std::uint64_t next_seq = 0;
  std::size_t active = 0;
  double delivered = 0;
  bool solve_pending = false;
  std::int64_t completion_at = -1;  // time of the live completion event, -1: none
  std::uint64_t completion_gen = 0;

  bool heap_before(std::uint32_t a, std::uint32_t b) const {
    const Flow& x = flows[a];
    const Flow& y = flows[b];
    return x.finish_ns < y.finish_ns || (x.finish_ns == y.finish_ns && x.seq < y.seq);
  }
  void heap_place(std::size_t i, std::uint32_t slot) {
    heap[i] = slot;
    flows[slot].heap_pos = static_cast<std::uint32_t>(i);
  }
  void sift_up(std::size_t i) {
    const std::uint32_t slot = heap[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!heap_before(slot, heap[parent])) break;
      heap_place(i, heap[parent]);
      i = parent;
    }
    heap_place(i, slot);
  }
  void sift_down(std::size_t i) {
    const std::uint32_t slot = heap[i];
    const std::size_t n = heap.size();
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap_before(heap[child + 1], heap[child])) ++child;
      if (!heap_before(heap[child], slot)) break;
      heap_place(i, heap[child]);
      i = child;
    }
    heap_place(i, slot);
  }
  void heap_update(std::uint32_t slot) {
    Flow& f = flows[slot];
    if (f.heap_pos == kNone) {
      heap.push_back(slot);
      f.heap_pos = static_cast<std::uint32_t>(heap.size() - 1);
      sift_up(heap.size() - 1);
    } else {
      sift_up(f.heap_pos);
      sift_down(flows[slot].heap_pos);
    }
  }
  void heap_pop() {
    flows[heap.front()].heap_pos = kNone;
    const std::uint32_t last = heap.back();
    heap.pop_back();
    if (!heap.empty()) {
      heap_place(0, last);
      sift_down(0);
    }
  }

  std::uint32_t new_slot() {
    if (!free_slots.empty()) {
      const std::uint32_t s = free_slots.back();
      free_slots.pop_back();
      return s;
    }
    flows.emplace_back();
    return static_cast<std::uint32_t>(flows.size() - 1);
  }

  void request_solve() {
    if (solve_pending) return;
    solve_pending = true;
    engine.schedule_in(SimTime::zero(), handler, kSolve, 0);
  }

  void arm_completion() {
    if (heap.empty()) return;
    const std::int64_t t = flows[heap.front()].finish_ns;
    if (t == std::numeric_limits<std::int64_t>::max()) return;  // rate 0: it never finishes
    if (completion_at >= 0 && completion_at <= t) return;     // the live event fires first anyway
    completion_at = t;
    engine.schedule_at(SimTime::from_ns(t), handler, kCompletion, ++completion_gen);
  }

  void on_solve() {
    solve_pending = false;
    model.solve();
    const std::int64_t now = engine.now().ns();
    for (MaxMinFlowModel::FlowIndex m : model.resolved_flows()) {
      const std::uint32_t slot = slot_of_model[m];
      Flow& f = flows[slot];
      const double moved = f.rate * static_cast<double>(now - f.t_last_ns) * 1e-9;
      f.remaining = std::max(0.0, f.remaining - moved);
      f.t_last_ns = now;
      f.rate = model.rate(m);
      if (f.remaining <= 0)
        f.finish_ns = now;
      else if (f.rate > 0)
        f.finish_ns = now + ceil_ns(f.remaining / f.rate);
      else
        f.finish_ns = std::numeric_limits<std::int64_t>::max();  // a 0-capacity link: never
      heap_update(slot);
    }
    arm_completion();
  }

  void on_completion(std::uint64_t gen) {
    if (gen != completion_gen) return;  // superseded by an earlier one
    completion_at = -1;
    const std::int64_t now = engine.now().ns();
    due.clear();
    while (!heap.empty() && flows[heap.front()].finish_ns <= now) {
      due.push_back(heap.front());  // (finish, seq) order = creation order at one instant
      heap_pop();
    }
    std::uint32_t batch = kNone;
    std::int64_t batch_latency = -1;
    for (std::uint32_t slot : due) {
      Flow& f = flows[slot];
      f.remaining = 0;
      model.remove_flow(f.model_id);
      slot_of_model[f.model_id] = kNone;
      f.model_id = kNone;
      --active;
      if (batch == kNone || f.latency_ns != batch_latency) {
        batch = schedule_delivery(now + f.latency_ns);
        batch_latency = f.latency_ns;
      }
      batches[batch].push_back(slot);
    }
    if (!due.empty())
      request_solve();  // the solve re-arms the completion event
    else
      arm_completion();
  }

  // A new, empty delivery batch whose event fires at `at`.
  std::uint32_t schedule_delivery(std::int64_t at) {
    std::uint32_t b;
    if (!free_batches.empty()) {
      b = free_batches.back();
      free_batches.pop_back();
    } else {
      b = static_cast<std::uint32_t>(batches.size());
      batches.emplace_back();
    }
    engine.schedule_at(SimTime::from_ns(at), handler, kDeliver, b);
    return b;
  }

  void on_deliver(std::uint32_t batch) {
    // Listeners may start flows (and batches): work on a swapped-out copy.
    std::swap(delivering, batches[batch]);
    free_batches.push_back(batch);
    for (std::uint32_t slot : delivering) deliver(slot);
    delivering.clear();
  }

  void start(std::span<const LinkId> path, double latency_s, double bytes, FlowListener* listener,
             std::uint64_t token) {
    const std::uint32_t slot = new_slot();
    Flow& f = flows[slot];
    f.listener = listener;
    f.token = token;
    f.bytes = bytes;
    f.remaining = bytes;
    f.t_last_ns = engine.now().ns();
    f.latency_ns = SimTime::from_seconds(latency_s).ns();
    f.seq = next_seq++;
    if (bytes == 0) {
      const std::uint32_t batch = schedule_delivery(engine.now().ns() + f.latency_ns);
      batches[batch].push_back(slot);
      return;
    }
    f.model_id = model.add_flow(path);
    if (slot_of_model.size() <= f.model_id) slot_of_model.resize(f.model_id + 1, kNone);
    slot_of_model[f.model_id] = slot;
    ++active;
    request_solve();
  }

  void deliver(std::uint32_t slot) {
    Flow& f = flows[slot];
    FlowListener* listener = f.listener;
    const std::uint64_t token = f.token;
    delivered += f.bytes;
    f = Flow{};
    free_slots.push_back(slot);  // freed first: the listener may start flows
    if (listener != nullptr) listener->on_flow_done(engine, token);
  }
};

FlowNetwork::FlowNetwork(Engine& engine, const Topology& topology) : impl_(new Impl(engine, topology)) {
  impl_->handler = engine.add_handler(this);
}

FlowNetwork::~FlowNetwork() { delete impl_; }

void FlowNetwork::start_flow(int src_gpu, int dst_gpu, double bytes, FlowListener* listener, std::uint64_t token,
                             std::uint64_t flow_key) {
  Impl& n = *impl_;
  if (!std::isfinite(bytes) || bytes < 0)
    throw std::invalid_argument("FlowNetwork::start_flow: bytes must be finite and >= 0, got " + std::to_string(bytes));
  std::array<LinkId, Topology::max_route_links> path{};
  const std::size_t hops = n.topology.route_into(src_gpu, dst_gpu, flow_key, path);
  double latency_s = 0;
  for (std::size_t i = 0; i < hops; ++i) latency_s += n.topology.link(path[i]).latency_s;

  n.start(std::span<const LinkId>(path.data(), hops), latency_s, bytes, listener, token);
}

void FlowNetwork::start_bundle(std::span<const LinkId> links, double latency_s, double bytes, FlowListener* listener,
                               std::uint64_t token) {
  if (!std::isfinite(bytes) || bytes < 0)
    throw std::invalid_argument("FlowNetwork::start_bundle: bytes must be finite and >= 0, got " + std::to_string(bytes));
  if (!std::isfinite(latency_s) || latency_s < 0)
    throw std::invalid_argument("FlowNetwork::start_bundle: latency must be finite and >= 0, got " +
                                std::to_string(latency_s));
  impl_->start(links, latency_s, bytes, listener, token);
}

std::size_t FlowNetwork::active_flows() const { return impl_->active; }
double FlowNetwork::bytes_delivered() const { return impl_->delivered; }

void FlowNetwork::on_event(Engine&, std::uint32_t tag, std::uint64_t arg) {
  switch (tag) {
    case kSolve: impl_->on_solve(); break;
    case kCompletion: impl_->on_completion(arg); break;
    case kDeliver: impl_->on_deliver(static_cast<std::uint32_t>(arg)); break;
    default: throw std::logic_error("FlowNetwork: unknown event tag " + std::to_string(tag));
  }
}

}  // namespace orrery
