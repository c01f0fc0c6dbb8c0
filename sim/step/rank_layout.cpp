#include "sim/step/rank_layout.hpp"

#include <stdexcept>

namespace orrery {

RankLayout::RankLayout(int tp, int pp, int dp, int model_layers) : tp_(tp), pp_(pp), dp_(dp) {
  if (tp < 1 || pp < 1 || dp < 1 || pp > model_layers)
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
  c.dp_index = (rank / tp_) % dp_;
  c.stage = rank / (tp_ * dp_);
  return c;
}

int RankLayout::tp_group_of(int rank) const {
  auto c = coords(rank);
  return c.stage * dp_ + c.dp_index;
}

int RankLayout::dp_group_of(int rank) const {
  auto c = coords(rank);
  return c.stage * tp_ + c.tp_index;
}

std::vector<int> RankLayout::tp_group_members(int group) const {
  std::vector<int> out;
  const int stage = group / dp_, d = group % dp_;
  for (int t = 0; t < tp_; ++t) out.push_back(rank({t, d, stage}));
  return out;
}

std::vector<int> RankLayout::dp_group_members(int group) const {
  std::vector<int> out;
  const int stage = group / tp_, t = group % tp_;
  for (int d = 0; d < dp_; ++d) out.push_back(rank({t, d, stage}));
  return out;
}

}  // namespace orrery
