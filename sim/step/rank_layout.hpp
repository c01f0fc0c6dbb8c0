#pragma once
// RankLayout: where each rank sits in the (tp, dp, pp) grid and which GPU it
// runs on. Megatron's order: tensor-parallel ranks are adjacent (so a TP
// group shares a node's NVLink domain), then data-parallel, then pipeline:
//   rank = stage * (dp * tp) + dp_index * tp + tp_index,   GPU = rank.
// Stages get layers as evenly as possible; when layers do not divide, the
// extra layers go to the middle stages (stage 0 carries the embedding and
// the last stage the output layer and loss).
#include <vector>

namespace orrery {

struct RankCoords {
  int tp_index = 0;
  int dp_index = 0;
  int stage = 0;
};

struct StageSpan {
  int first_layer = 0;
  int layers = 0;
};

class RankLayout {
public:
  RankLayout(int tp, int pp, int dp, int model_layers);

  int tp() const { return tp_; }
  int pp() const { return pp_; }
  int dp() const { return dp_; }
  int ranks() const { return tp_ * pp_ * dp_; }

  RankCoords coords(int rank) const;
  int rank(const RankCoords& c) const { return c.stage * dp_ * tp_ + c.dp_index * tp_ + c.tp_index; }

  // Group ids: TP groups are indexed by (stage, dp_index), DP groups by (stage, tp_index).
  int tp_group_of(int rank) const;
  int dp_group_of(int rank) const;
  int tp_groups() const { return pp_ * dp_; }
  int dp_groups() const { return pp_ * tp_; }
  std::vector<int> tp_group_members(int group) const;   // ranks, in ring order
  std::vector<int> dp_group_members(int group) const;

  const StageSpan& stage_span(int stage) const { return spans_[static_cast<std::size_t>(stage)]; }

private:
  int tp_, pp_, dp_;
  std::vector<StageSpan> spans_;
};

}  // namespace orrery
