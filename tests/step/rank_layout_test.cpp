#include <catch2/catch.hpp>

#include <algorithm>

#include "sim/step/rank_layout.hpp"

using namespace orrery;

TEST_CASE("RankLayout follows Megatron's order: tp fastest, then dp, then pp") {
  RankLayout l(2, 3, 4, 12);   // 24 ranks
  CHECK(l.ranks() == 24);
  // rank = stage*(dp*tp) + dp_index*tp + tp_index
  auto c = l.coords(2 * 8 + 3 * 2 + 1);
  CHECK(c.stage == 2);
  CHECK(c.dp_index == 3);
  CHECK(c.tp_index == 1);
  CHECK(l.rank(c) == 23);
  CHECK(l.tp_group_members(l.tp_group_of(23)) == std::vector<int>{22, 23});
  CHECK(l.dp_group_members(l.dp_group_of(23)) == std::vector<int>{17, 19, 21, 23});
}

TEST_CASE("RankLayout splits layers evenly, extras to the middle stages") {
  RankLayout even(1, 4, 1, 60);
  for (int s = 0; s < 4; ++s) CHECK(even.stage_span(s).layers == 15);
  RankLayout uneven(1, 4, 1, 10);   // 10 = 4 x 2 + 2: stages 1 and 2 get 3
  CHECK(uneven.stage_span(0).layers == 2);
  CHECK(uneven.stage_span(1).layers == 3);
  CHECK(uneven.stage_span(2).layers == 3);
  CHECK(uneven.stage_span(3).layers == 2);
  CHECK(uneven.stage_span(3).first_layer == 8);
}

TEST_CASE("RankLayout with context and expert parallelism: tp, cp, dp, pp, EP groups inside dp") {
  // tp 2, cp 2, dp 4, pp 2, ep 2: 32 ranks.
  // rank = stage*(dp*cp*tp) + dp_index*(cp*tp) + cp_index*tp + tp_index
  RankLayout l(2, 2, 4, 8, 2, 2);
  CHECK(l.ranks() == 32);
  const int r = 1 * 16 + 2 * 4 + 1 * 2 + 1;   // stage 1, dp 2, cp 1, tp 1 = 27
  const auto c = l.coords(r);
  CHECK(c.stage == 1);
  CHECK(c.dp_index == 2);
  CHECK(c.cp_index == 1);
  CHECK(c.tp_index == 1);
  CHECK(l.rank(c) == 27);
  CHECK(l.tp_group_members(l.tp_group_of(27)) == std::vector<int>{26, 27});
  // CP ring: same stage, dp index and tp index.
  CHECK(l.cp_group_members(l.cp_group_of(27)) == std::vector<int>{25, 27});
  // Gradients reduce over dp x cp = 8 ranks of the same stage and tp index.
  CHECK(l.dp_group_size() == 8);
  CHECK(l.dp_group_members(l.dp_group_of(27)) == std::vector<int>{17, 19, 21, 23, 25, 27, 29, 31});
  // EP group: dp indices {2, 3} (ep 2 consecutive replicas), same cp and tp index.
  CHECK(l.ep_group_members(l.ep_group_of(27)) == std::vector<int>{27, 31});
  // Expert-DP: the ranks at the same position of their EP group (dp index
  // even), every cp index: dp x cp / ep = 4.
  CHECK(l.expert_dp_group_size() == 4);
  CHECK(l.expert_dp_group_members(l.expert_dp_group_of(27)) == std::vector<int>{17, 19, 25, 27});
  // Every rank is in exactly one group of each kind, and group ids are dense.
  std::vector<int> seen_ep(static_cast<std::size_t>(l.ep_groups()), 0), seen_edp(static_cast<std::size_t>(l.expert_dp_groups()), 0),
      seen_cp(static_cast<std::size_t>(l.cp_groups()), 0);
  for (int rank = 0; rank < l.ranks(); ++rank) {
    ++seen_ep[static_cast<std::size_t>(l.ep_group_of(rank))];
    ++seen_edp[static_cast<std::size_t>(l.expert_dp_group_of(rank))];
    ++seen_cp[static_cast<std::size_t>(l.cp_group_of(rank))];
    const auto members = l.ep_group_members(l.ep_group_of(rank));
    CHECK(std::count(members.begin(), members.end(), rank) == 1);
    const auto experts = l.expert_dp_group_members(l.expert_dp_group_of(rank));
    CHECK(std::count(experts.begin(), experts.end(), rank) == 1);
  }
  for (int n : seen_ep) CHECK(n == 2);
  for (int n : seen_edp) CHECK(n == 4);
  for (int n : seen_cp) CHECK(n == 2);
}
