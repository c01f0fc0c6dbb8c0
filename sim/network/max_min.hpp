#pragma once
// MaxMinFlowModel: max-min fair rates of flows over capacitated links.
// Standalone: no engine, no topology; links and flows are plain indices.
//
// The maths (as in SimGrid's lmm solver, without weights or bounds):
// links l with capacity C_l; flows f, each crossing a set of links P_f.
// A rate vector r is feasible when sum_{f : l in P_f} r_f <= C_l for every l.
// It is max-min fair when no r_f can grow without shrinking some r_g <= r_f.
// Every flow then has a bottleneck link: one that is saturated and on which
// no flow has a larger rate.
//
// Progressive filling (water-filling) computes it:
//   R_l = C_l, n_l = number of unfrozen flows on l, for every l
//   repeat until every flow is frozen:
//     l* = argmin_{l : n_l > 0} R_l / n_l           (the most constrained link)
//     s  = R_{l*} / n_{l*}
//     freeze every unfrozen flow f on l* at r_f = s, and for each link l of P_f:
//        R_l -= s,  n_l -= 1
// The shares R_l / n_l never decrease while filling (s is the smallest share,
// so (R - s)/(n - 1) >= R/n). So a min-heap holding one entry per link, whose
// key may be stale (lower than the link's current share), still finds l*:
// an outdated entry that reaches the top takes its current share and sinks.
// A solve costs O((L + F * hops) log L) at worst over the links L and flows F
// it covers, and usually far fewer heap operations than share updates.
//
// Incremental solving: the solution decomposes over the connected components
// of the bipartite flow-link graph (flows sharing no link, even indirectly,
// do not interact). add_flow / remove_flow only mark the links of the changed
// flow; solve() walks (breadth first) from those links to the components that
// contain them and re-solves just those. Flows in untouched components keep
// their rates and are not visited, so a change costs O(its component), not
// O(all flows). resolved_flows() lists the flows whose rates were recomputed.
//
// Flow indices are reused (last freed, first reused) and the storage of a
// removed flow is kept for the next one, so a steady stream of adds and
// removes does not allocate.
#include <cstdint>
#include <span>
#include <vector>

namespace orrery {

class MaxMinFlowModel {
public:
  using LinkIndex = std::uint32_t;
  using FlowIndex = std::uint32_t;

  MaxMinFlowModel() = default;
  explicit MaxMinFlowModel(std::span<const double> capacities);

  // Capacity in any unit of rate (bytes/s for the network); finite, >= 0.
  LinkIndex add_link(double capacity);
  std::size_t link_count() const { return links_.size(); }
  double link_capacity(LinkIndex l) const;

  // A flow over `path` (distinct link indices, at least one). Its rate is 0
  // until the next solve().
  FlowIndex add_flow(std::span<const LinkIndex> path);
  void remove_flow(FlowIndex f);
  bool has_flow(FlowIndex f) const { return f < flows_.size() && flows_[f].alive; }
  std::size_t flow_count() const { return live_flows_; }
  std::span<const LinkIndex> path(FlowIndex f) const;

  // Re-solves the components touched since the last solve().
  void solve();
  double rate(FlowIndex f) const;
  // Sum of the rates of the flows crossing `l` (<= its capacity after solve()).
  double link_load(LinkIndex l) const;

  // Flows (alive) whose rates the last solve() recomputed, component by component.
  std::span<const FlowIndex> resolved_flows() const { return resolved_flows_; }
  // Links the last solve() visited.
  std::size_t resolved_link_count() const { return resolved_links_; }

private:
  struct LinkEntry {
    FlowIndex flow;
    std::uint32_t hop;  // position of this link in the flow's path
  };
  struct Link {
    double capacity = 0;
    std::vector<LinkEntry> flows;  // flows crossing the link, any order
  };
  struct Flow {
    std::vector<LinkIndex> links;
    std::vector<std::uint32_t> slot;  // slot[k]: position in links_[links[k]].flows
    double rate = 0;
    bool alive = false;
  };
  struct HeapEntry {
    double share;
    LinkIndex link;
    std::uint32_t version;
  };

  struct LinkState {  // scratch of one solve, packed: touched together
    double remaining = 0;
    std::uint32_t unfrozen = 0;
    std::uint32_t version = 0;
  };

  void solve_component(std::size_t first_flow, std::size_t first_link);
  void heap_sift_down(std::size_t i);

  std::vector<Link> links_;
  std::vector<Flow> flows_;
  std::vector<FlowIndex> free_flows_;
  std::size_t live_flows_ = 0;
  std::vector<LinkIndex> dirty_links_;

  // Scratch of solve(), reused between calls. Marks are epoch-stamped so that
  // nothing has to be cleared between solves.
  std::uint32_t epoch_ = 0;
  std::vector<std::uint32_t> link_mark_, flow_mark_;
  std::vector<LinkState> state_;
  std::vector<std::uint8_t> frozen_;
  std::vector<LinkIndex> component_links_;
  std::vector<FlowIndex> resolved_flows_;
  std::vector<HeapEntry> heap_;
  std::size_t resolved_links_ = 0;
  std::vector<LinkIndex> sorted_scratch_;  // add_flow's duplicate check of long paths
};

}  // namespace orrery
