#include "sim/step/rank_layout.hpp"

#include <stdexcept>

namespace orrery {

RankLayout::RankLayout(int tp, int pp, int dp, int model_layers, int cp, int ep)
    : tp_(tp), pp_(pp), dp_(dp), cp_(cp), ep_(ep) {
  if (tp < 1 || pp < 1 || dp < 1 || cp < 1 || ep < 1 || dp % ep != 0 || pp > model_layers)
    throw std::logic_error("RankLayout: invalid plan (the scenario validator should have caught it)");
  const int base = model_layers / pp, extra = model_layers % pp;
  // Middle stages first: stages 1..pp-2 take the extra layers, then the ends.
  std::vector<int> count(static_cast<std::size_t>(pp), base);
  int left = extra;
  for (int s = 1; s + 1 < pp && left > 0; ++s, --left) ++count[static_cast<std::size_t>(s)];
  for (int s = 0; left > 0; s = pp - 1, --left) ++count[static_cast<std::size_t>(s)];
  int first = 0;
  for (int s = 0; s < pp; ++s) {
    spans_.push_back({first, count[static_cast<std::size_t>(s)]});
    first += count[static_cast<std::size_t>(s)];
  }
}

RankCoords RankLayout::coords(int rank) const {
  RankCoords c;
  c.tp_index = rank % tp_;
  c.cp_index = (rank / tp_) % cp_;
  c.dp_index = (rank / (tp_ * cp_)) % dp_;
  c.stage = rank / (tp_ * cp_ * dp_);
  return c;
}

int RankLayout::tp_group_of(int rank) const { return rank / tp_; }   // (stage, dp_index, cp_index)

int RankLayout::dp_group_of(int rank) const {
  const RankCoords c = coords(rank);
  return c.stage * tp_ + c.tp_index;
}

int RankLayout::cp_group_of(int rank) const {
  const RankCoords c = coords(rank);
  return (c.stage * dp_ + c.dp_index) * tp_ + c.tp_index;
}

int RankLayout::ep_group_of(int rank) const {
  const RankCoords c = coords(rank);
  return ((c.stage * (dp_ / ep_) + c.dp_index / ep_) * cp_ + c.cp_index) * tp_ + c.tp_index;
}

int RankLayout::expert_dp_group_of(int rank) const {
  const RankCoords c = coords(rank);
  return (c.stage * tp_ + c.tp_index) * ep_ + c.dp_index % ep_;
}

std::vector<int> RankLayout::tp_group_members(int group) const {
  std::vector<int> out;
  for (int t = 0; t < tp_; ++t) out.push_back(group * tp_ + t);
  return out;
}

std::vector<int> RankLayout::dp_group_members(int group) const {
  std::vector<int> out;
  const int stage = group / tp_, t = group % tp_;
  for (int d = 0; d < dp_; ++d)
    for (int c = 0; c < cp_; ++c) out.push_back(rank({t, d, stage, c}));
  return out;
}

std::vector<int> RankLayout::cp_group_members(int group) const {
  std::vector<int> out;
  const int t = group % tp_, d = (group / tp_) % dp_, stage = group / (tp_ * dp_);
  for (int c = 0; c < cp_; ++c) out.push_back(rank({t, d, stage, c}));
  return out;
}

std::vector<int> RankLayout::ep_group_members(int group) const {
  std::vector<int> out;
  const int t = group % tp_, c = (group / tp_) % cp_;
  const int block = (group / (tp_ * cp_)) % (dp_ / ep_), stage = group / (tp_ * cp_ * (dp_ / ep_));
  for (int j = 0; j < ep_; ++j) out.push_back(rank({t, block * ep_ + j, stage, c}));
  return out;
}

std::vector<int> RankLayout::expert_dp_group_members(int group) const {
  std::vector<int> out;
  const int j = group % ep_, t = (group / ep_) % tp_, stage = group / (ep_ * tp_);
  for (int d = j; d < dp_; d += ep_)
    for (int c = 0; c < cp_; ++c) out.push_back(rank({t, d, stage, c}));
  return out;
}

}  // namespace orrery
