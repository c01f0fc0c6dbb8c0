#include <catch2/catch.hpp>

#include "sim/scenario/suggest.hpp"

using namespace orrery;

TEST_CASE("edit distance counts inserts, deletes and substitutions") {
  CHECK(edit_distance("kitten", "sitting") == 3);   // k->s, e->i, +g
  CHECK(edit_distance("tp", "tpp") == 1);           // one insert
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("TP", "tp") == 0);            // case-insensitive
  CHECK(edit_distance("micro_bach", "micro_batch") == 1);
}

TEST_CASE("closest match suggests within 3 edits, ties to the closest length") {
  const std::vector<std::string> keys = {"tp", "pp", "dp", "micro_batch", "schedule"};
  CHECK(closest_match("tpp", keys) == "tp");           // distance 1 to tp and pp: first wins
  CHECK(closest_match("micro_bach", keys) == "micro_batch");
  CHECK(closest_match("shedule", keys) == "schedule");
  CHECK(closest_match("zzzzzzzz", keys).empty());      // nothing within 3 edits
  CHECK(closest_match("x", keys).empty());             // 2 edits from "tp" = a full rewrite
  // llama3-7b is 1 edit from both llama3-8b (substitute) and llama3-70b (insert).
  CHECK(closest_match("llama3-7b", {"llama3-405b", "llama3-70b", "llama3-8b"}) == "llama3-8b");
}

TEST_CASE("hint helpers") {
  CHECK(join_or({"1", "2", "4", "8"}) == "1, 2, 4 or 8");
  CHECK(join_or({"1"}) == "1");
  CHECK(join({"a", "b", "c"}) == "a, b, c");
  CHECK(divisors(64) == std::vector<std::int64_t>{1, 2, 4, 8, 16, 32, 64});
  CHECK(divisors(80) == std::vector<std::int64_t>{1, 2, 4, 5, 8, 10, 16, 20, 40, 80});
  CHECK(divisors(1) == std::vector<std::int64_t>{1});
}
