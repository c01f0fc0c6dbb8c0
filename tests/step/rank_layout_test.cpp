#include <catch2/catch.hpp>

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
