#include "sim/network/max_min.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace orrery {

MaxMinFlowModel::MaxMinFlowModel(std::span<const double> capacities) {
  links_.reserve(capacities.size());
  for (double c : capacities) add_link(c);
}

MaxMinFlowModel::LinkIndex MaxMinFlowModel::add_link(double capacity) {
  if (!std::isfinite(capacity) || capacity < 0)
    throw std::invalid_argument("MaxMinFlowModel: link capacity must be finite and >= 0, got " +
                                std::to_string(capacity));
  links_.push_back(Link{capacity, {}});
  link_mark_.push_back(0);
  state_.push_back(LinkState{});
  return static_cast<LinkIndex>(links_.size() - 1);
}

double MaxMinFlowModel::link_capacity(LinkIndex l) const {
  if (l >= links_.size()) throw std::out_of_range("MaxMinFlowModel: unknown link");
  return links_[l].capacity;
}

MaxMinFlowModel::FlowIndex MaxMinFlowModel::add_flow(std::span<const LinkIndex> path) {
  if (path.empty()) throw std::invalid_argument("MaxMinFlowModel: a flow needs at least one link");
  // A flow crossing a link twice would need a weight of 2 there; paths never do.
  // (Bundles of a whole ring's edges are long: check those by sorting.)
  const auto twice = [] { throw std::invalid_argument("MaxMinFlowModel: a path crosses a link twice"); };
  for (std::size_t k = 0; k < path.size(); ++k)
    if (path[k] >= links_.size()) throw std::out_of_range("MaxMinFlowModel: flow over an unknown link");
  if (path.size() <= 16) {
    for (std::size_t k = 1; k < path.size(); ++k)
      for (std::size_t j = 0; j < k; ++j)
        if (path[j] == path[k]) twice();
  } else {
    sorted_scratch_.assign(path.begin(), path.end());
    std::sort(sorted_scratch_.begin(), sorted_scratch_.end());
    if (std::adjacent_find(sorted_scratch_.begin(), sorted_scratch_.end()) != sorted_scratch_.end()) twice();
  }
  FlowIndex f;
  if (!free_flows_.empty()) {
    f = free_flows_.back();
    free_flows_.pop_back();
  } else {
    f = static_cast<FlowIndex>(flows_.size());
    flows_.emplace_back();
    flow_mark_.push_back(0);
    frozen_.push_back(0);
  }
  Flow& flow = flows_[f];
  flow.links.assign(path.begin(), path.end());
  flow.slot.resize(path.size());
  flow.rate = 0;
  flow.alive = true;
  for (std::size_t k = 0; k < path.size(); ++k) {
    auto& on_link = links_[path[k]].flows;
    flow.slot[k] = static_cast<std::uint32_t>(on_link.size());
    on_link.push_back(LinkEntry{f, static_cast<std::uint32_t>(k)});
    dirty_links_.push_back(path[k]);
  }
  ++live_flows_;
  return f;
}

void MaxMinFlowModel::remove_flow(FlowIndex f) {
  if (!has_flow(f)) throw std::invalid_argument("MaxMinFlowModel: remove_flow of a flow that is not there");
  Flow& flow = flows_[f];
  for (std::size_t k = 0; k < flow.links.size(); ++k) {
    auto& on_link = links_[flow.links[k]].flows;
    // Swap-remove in O(1); the moved entry's flow learns its new slot.
    const std::uint32_t pos = flow.slot[k];
    const LinkEntry moved = on_link.back();
    on_link[pos] = moved;
    flows_[moved.flow].slot[moved.hop] = pos;
    on_link.pop_back();
    dirty_links_.push_back(flow.links[k]);
  }
  flow.alive = false;
  flow.rate = 0;
  free_flows_.push_back(f);
  --live_flows_;
}

std::span<const MaxMinFlowModel::LinkIndex> MaxMinFlowModel::path(FlowIndex f) const {
  if (!has_flow(f)) throw std::invalid_argument("MaxMinFlowModel: no such flow");
  return flows_[f].links;
}

double MaxMinFlowModel::rate(FlowIndex f) const {
  if (!has_flow(f)) throw std::invalid_argument("MaxMinFlowModel: no such flow");
  return flows_[f].rate;
}

double MaxMinFlowModel::link_load(LinkIndex l) const {
  if (l >= links_.size()) throw std::out_of_range("MaxMinFlowModel: unknown link");
  double sum = 0;
  for (const LinkEntry& e : links_[l].flows) sum += flows_[e.flow].rate;
  return sum;
}

void MaxMinFlowModel::solve() {
  resolved_flows_.clear();
  component_links_.clear();
  resolved_links_ = 0;
  if (dirty_links_.empty()) return;
  if (++epoch_ == 0) {  // wrapped: old marks could collide with new epochs
    std::fill(link_mark_.begin(), link_mark_.end(), 0);
    std::fill(flow_mark_.begin(), flow_mark_.end(), 0);
    epoch_ = 1;
  }
  for (LinkIndex seed : dirty_links_) {
    if (link_mark_[seed] == epoch_) continue;
    // Breadth-first walk over the flow-link graph from `seed`: the queue is
    // component_links_ itself, read from first_link on.
    const std::size_t first_link = component_links_.size();
    const std::size_t first_flow = resolved_flows_.size();
    link_mark_[seed] = epoch_;
    component_links_.push_back(seed);
    for (std::size_t q = first_link; q < component_links_.size(); ++q) {
      for (const LinkEntry& e : links_[component_links_[q]].flows) {
        if (flow_mark_[e.flow] == epoch_) continue;
        flow_mark_[e.flow] = epoch_;
        resolved_flows_.push_back(e.flow);
        for (LinkIndex l : flows_[e.flow].links) {
          if (link_mark_[l] == epoch_) continue;
          link_mark_[l] = epoch_;
          component_links_.push_back(l);
        }
      }
    }
    if (resolved_flows_.size() > first_flow) solve_component(first_flow, first_link);
  }
  resolved_links_ = component_links_.size();
  dirty_links_.clear();
}

// A 4-ary min-heap of shares (half the depth of a binary one, siblings in
// one cache line). Ties between equal shares go by heap position: the heap
// operations are deterministic, so the result is the same on every run.
void MaxMinFlowModel::heap_sift_down(std::size_t i) {
  const std::size_t n = heap_.size();
  const HeapEntry e = heap_[i];
  for (;;) {
    const std::size_t first = 4 * i + 1;
    if (first >= n) break;
    const std::size_t end = std::min(first + 4, n);
    std::size_t best = first;
    for (std::size_t c = first + 1; c < end; ++c)
      if (heap_[c].share < heap_[best].share) best = c;
    if (!(heap_[best].share < e.share)) break;
    heap_[i] = heap_[best];
    i = best;
  }
  heap_[i] = e;
}

void MaxMinFlowModel::solve_component(std::size_t first_flow, std::size_t first_link) {
  heap_.clear();
  for (std::size_t i = first_link; i < component_links_.size(); ++i) {
    const LinkIndex l = component_links_[i];
    LinkState& st = state_[l];
    st.remaining = links_[l].capacity;
    st.unfrozen = static_cast<std::uint32_t>(links_[l].flows.size());
    ++st.version;
    if (st.unfrozen > 0) heap_.push_back(HeapEntry{st.remaining / st.unfrozen, l, st.version});
  }
  for (std::size_t i = heap_.size() / 4 + 1; i-- > 0;)  // heapify in O(L)
    if (i < heap_.size()) heap_sift_down(i);
  for (std::size_t i = first_flow; i < resolved_flows_.size(); ++i) frozen_[resolved_flows_[i]] = 0;

  // Lazy keys: a link keeps one heap entry, whose key may be older (hence
  // lower: shares only grow) than its current share. An outdated entry that
  // reaches the top gets its current share and sinks; an up-to-date entry on
  // top is the true minimum, since every other key is <= its link's share.
  while (!heap_.empty()) {
    HeapEntry& top = heap_.front();
    const LinkIndex l = top.link;
    LinkState& st = state_[l];
    if (st.unfrozen > 0 && top.version != st.version) {
      top = HeapEntry{st.remaining / st.unfrozen, l, st.version};
      heap_sift_down(0);
      continue;
    }
    const double share = top.share;
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) heap_sift_down(0);
    if (st.unfrozen == 0) continue;  // all its flows froze elsewhere
    for (const LinkEntry& e : links_[l].flows) {
      if (frozen_[e.flow]) continue;
      frozen_[e.flow] = 1;
      Flow& flow = flows_[e.flow];
      flow.rate = share;
      for (LinkIndex other : flow.links) {
        LinkState& o = state_[other];
        // Rounding may push the remainder a hair below zero; the true value is >= 0.
        o.remaining = std::max(0.0, o.remaining - share);
        --o.unfrozen;
        ++o.version;
      }
    }
  }
}

}  // namespace orrery
