#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "sim/network/max_min.hpp"

using orrery::MaxMinFlowModel;
using Links = std::vector<MaxMinFlowModel::LinkIndex>;

namespace {

bool resolved(const MaxMinFlowModel& m, MaxMinFlowModel::FlowIndex f) {
  const auto r = m.resolved_flows();
  return std::find(r.begin(), r.end(), f) != r.end();
}

}  // namespace

TEST_CASE("one flow gets its bottleneck's capacity") {
  // Path over links of 10, 5 and 8: the flow is alone everywhere, so its rate
  // is min(10, 5, 8) = 5.
  const double caps[] = {10, 5, 8};
  MaxMinFlowModel m(caps);
  const auto f = m.add_flow(Links{0, 1, 2});
  CHECK(m.rate(f) == 0);  // nothing before solve()
  m.solve();
  CHECK(m.rate(f) == Approx(5));
  CHECK(m.link_load(1) == Approx(5));
}

TEST_CASE("n flows on one link get C/n each") {
  for (int n : {1, 2, 3, 7, 64}) {
    MaxMinFlowModel m;
    m.add_link(12);
    std::vector<MaxMinFlowModel::FlowIndex> flows;
    for (int i = 0; i < n; ++i) flows.push_back(m.add_flow(Links{0}));
    m.solve();
    for (auto f : flows) CHECK(m.rate(f) == Approx(12.0 / n));
    CHECK(m.link_load(0) == Approx(12));
  }
}

TEST_CASE("textbook: a long flow over three links and a short flow on each") {
  // Links 0, 1, 2 with capacities 1, 2, 3. The long flow L crosses all three;
  // short flows s0, s1, s2 cross one link each.
  // Shares: link 0: 1/2, link 1: 2/2 = 1, link 2: 3/2.
  // Link 0 is the most constrained: L = s0 = 1/2.
  // Then link 1 has 2 - 1/2 = 1.5 left for s1 alone, link 2 has 3 - 1/2 = 2.5 for s2.
  const double caps[] = {1, 2, 3};
  MaxMinFlowModel m(caps);
  const auto L = m.add_flow(Links{0, 1, 2});
  const auto s0 = m.add_flow(Links{0});
  const auto s1 = m.add_flow(Links{1});
  const auto s2 = m.add_flow(Links{2});
  m.solve();
  CHECK(m.rate(L) == Approx(0.5));
  CHECK(m.rate(s0) == Approx(0.5));
  CHECK(m.rate(s1) == Approx(1.5));
  CHECK(m.rate(s2) == Approx(2.5));
  // Every link is saturated: each flow has a bottleneck.
  for (MaxMinFlowModel::LinkIndex l = 0; l < 3; ++l) CHECK(m.link_load(l) == Approx(caps[l]));
}

TEST_CASE("two levels: the second bottleneck shares what the first leaves") {
  // Link A (10) carries f1, f2, f3; link B (4) carries f3, f4.
  // Shares: A 10/3 = 3.33, B 4/2 = 2 -> B first: f3 = f4 = 2.
  // A then has 10 - 2 = 8 for f1, f2: 4 each.
  const double caps[] = {10, 4};
  MaxMinFlowModel m(caps);
  const auto f1 = m.add_flow(Links{0});
  const auto f2 = m.add_flow(Links{0});
  const auto f3 = m.add_flow(Links{0, 1});
  const auto f4 = m.add_flow(Links{1});
  m.solve();
  CHECK(m.rate(f1) == Approx(4));
  CHECK(m.rate(f2) == Approx(4));
  CHECK(m.rate(f3) == Approx(2));
  CHECK(m.rate(f4) == Approx(2));
  // Removing f4 frees B: f3's share on B becomes 4, on A all three get 10/3.
  m.remove_flow(f4);
  m.solve();
  CHECK(m.rate(f1) == Approx(10.0 / 3));
  CHECK(m.rate(f3) == Approx(10.0 / 3));
}

TEST_CASE("incremental solve re-solves only the touched component") {
  // Component X: links 0, 1 with flows a (0), b (0, 1). Component Y: link 2
  // with flows c, d. Capacities 6, 2, 9.
  // X: link 1 share 2/1 = 2 < link 0 share 6/2 = 3 -> b = 2, a = 6 - 2 = 4.
  // Y: c = d = 9/2.
  const double caps[] = {6, 2, 9};
  MaxMinFlowModel m(caps);
  const auto a = m.add_flow(Links{0});
  const auto b = m.add_flow(Links{0, 1});
  const auto c = m.add_flow(Links{2});
  const auto d = m.add_flow(Links{2});
  m.solve();
  CHECK(m.resolved_flows().size() == 4);
  CHECK(m.rate(a) == Approx(4));
  CHECK(m.rate(b) == Approx(2));
  CHECK(m.rate(c) == Approx(4.5));

  // A third flow on link 0: shares link 0 6/3 = 2, link 1 2/1 = 2 -> a tie:
  // a = b = e = 2. Only X is re-solved; Y's flows are not even visited.
  const auto e = m.add_flow(Links{0});
  m.solve();
  CHECK(m.rate(a) == Approx(2));
  CHECK(m.rate(b) == Approx(2));
  CHECK(m.rate(e) == Approx(2));
  CHECK(m.resolved_flows().size() == 3);
  CHECK(m.resolved_link_count() == 2);
  CHECK_FALSE(resolved(m, c));
  CHECK_FALSE(resolved(m, d));
  CHECK(m.rate(c) == Approx(4.5));
  CHECK(m.rate(d) == Approx(4.5));

  // Removing d touches Y only: c = 9.
  m.remove_flow(d);
  m.solve();
  CHECK(m.resolved_flows().size() == 1);
  CHECK(resolved(m, c));
  CHECK(m.rate(c) == Approx(9));
  CHECK(m.rate(a) == Approx(2));

  // Nothing changed: nothing re-solved.
  m.solve();
  CHECK(m.resolved_flows().empty());
}

TEST_CASE("a removal that splits a component re-solves both halves") {
  // Links 0 (4) and 1 (10); flows p (0), q (1) and the bridge r (0, 1).
  // Link 0: 4/2 = 2 -> p = r = 2; link 1: q = 10 - 2 = 8.
  // Without r: p = 4 and q = 10, now two separate components.
  const double caps[] = {4, 10};
  MaxMinFlowModel m(caps);
  const auto p = m.add_flow(Links{0});
  const auto q = m.add_flow(Links{1});
  const auto r = m.add_flow(Links{0, 1});
  m.solve();
  CHECK(m.rate(p) == Approx(2));
  CHECK(m.rate(q) == Approx(8));
  CHECK(m.rate(r) == Approx(2));
  m.remove_flow(r);
  m.solve();
  CHECK(m.rate(p) == Approx(4));
  CHECK(m.rate(q) == Approx(10));
  // Flow indices are reused, last freed first.
  CHECK(m.add_flow(Links{1}) == r);
}

TEST_CASE("max-min model rejects bad input") {
  MaxMinFlowModel m;
  CHECK_THROWS_AS(m.add_link(-1), std::invalid_argument);
  m.add_link(1);
  CHECK_THROWS_AS(m.add_flow(Links{}), std::invalid_argument);
  CHECK_THROWS_AS(m.add_flow(Links{3}), std::out_of_range);
  CHECK_THROWS_AS(m.add_flow(Links{0, 0}), std::invalid_argument);
  CHECK_THROWS_AS(m.remove_flow(0), std::invalid_argument);
}
