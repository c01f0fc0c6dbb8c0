#pragma once
// RankLayout: where each rank sits in the (tp, cp, dp, pp) grid and which GPU
// it runs on. Megatron's order: tensor-parallel ranks are adjacent (so a TP
// group shares a node's NVLink domain), then context-parallel, then
// data-parallel, then pipeline:
//   rank = stage * (dp * cp * tp) + dp_index * (cp * tp) + cp_index * tp + tp_index,   GPU = rank.
// Expert parallelism adds no dimension: Megatron carves the EP groups out of
// the data-parallel ranks of a stage, ep consecutive dp indices with the
// same tp and cp index; the ranks that hold the same experts (same position
// in their EP group) form the expert-data-parallel group, dp cp / ep ranks.
// Gradients of the non-expert parameters are reduced over dp x cp (the "DP
// group" below: CP ranks see different tokens of the same sequences), those
// of the routed experts over the expert-DP group.
// Stages get layers as evenly as possible; when layers do not divide, the
// extra layers go to the middle stages (stage 0 carries the embedding and
// the last stage the output layer and loss).
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace orrery {

struct RankCoords {
  int tp_index = 0;
  int dp_index = 0;
  int stage = 0;
  int cp_index = 0;
};

struct StageSpan {
  int first_layer = 0;
  int layers = 0;
};

class RankLayout {
public:
  // ep must divide dp (the scenario's plan checks say so with numbers).
  RankLayout(int tp, int pp, int dp, int model_layers, int cp = 1, int ep = 1);
  RankLayout(const ParallelismSpec& p, int model_layers) : RankLayout(p.tp, p.pp, p.dp, model_layers, p.cp, p.ep) {}

  int tp() const { return tp_; }
  int pp() const { return pp_; }
  int dp() const { return dp_; }
  int cp() const { return cp_; }
  int ep() const { return ep_; }
  int ranks() const { return tp_ * cp_ * dp_ * pp_; }
  // Ranks that reduce the non-expert gradients together: dp x cp.
  int dp_group_size() const { return dp_ * cp_; }
  // Ranks that reduce one expert's gradients together: dp x cp / ep.
  int expert_dp_group_size() const { return dp_ * cp_ / ep_; }

  RankCoords coords(int rank) const;
  int rank(const RankCoords& c) const {
    return ((c.stage * dp_ + c.dp_index) * cp_ + c.cp_index) * tp_ + c.tp_index;
  }

  // Group ids: TP groups by (stage, dp_index, cp_index), DP groups by
  // (stage, tp_index), CP groups by (stage, dp_index, tp_index), EP groups by
  // (stage, dp_index / ep, cp_index, tp_index), expert-DP groups by
  // (stage, tp_index, dp_index % ep). With cp = ep = 1 the TP and DP ids are
  // those of the (tp, dp, pp) layout.
  int tp_group_of(int rank) const;
  int dp_group_of(int rank) const;
  int cp_group_of(int rank) const;
  int ep_group_of(int rank) const;
  int expert_dp_group_of(int rank) const;
  int tp_groups() const { return pp_ * dp_ * cp_; }
  int dp_groups() const { return pp_ * tp_; }
  int cp_groups() const { return pp_ * dp_ * tp_; }
  int ep_groups() const { return pp_ * (dp_ / ep_) * cp_ * tp_; }
  int expert_dp_groups() const { return pp_ * tp_ * ep_; }
  // Members in ring order (rank order).
  std::vector<int> tp_group_members(int group) const;
  std::vector<int> dp_group_members(int group) const;
  std::vector<int> cp_group_members(int group) const;
  std::vector<int> ep_group_members(int group) const;
  std::vector<int> expert_dp_group_members(int group) const;
  // The stage a group of each kind belongs to.
  int stage_of_dp_group(int group) const { return group / tp_; }
  int stage_of_expert_dp_group(int group) const { return group / (tp_ * ep_); }

  const StageSpan& stage_span(int stage) const { return spans_[static_cast<std::size_t>(stage)]; }

private:
  int tp_, pp_, dp_, cp_, ep_;
  std::vector<StageSpan> spans_;
};

}  // namespace orrery
