// docs/scenario-format.md is generated from the declarations; the committed
// copy must match byte for byte so the doc cannot drift from the code.
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "sim/scenario/schema.hpp"
#include "sim/scenario/scenario_loader.hpp"

using namespace orrery;
using Catch::Matchers::Contains;

TEST_CASE("docs/scenario-format.md equals the generated doc") {
  std::ifstream in(std::string(ORRERY_SOURCE_DIR) + "/docs/scenario-format.md", std::ios::binary);
  REQUIRE(in);
  std::stringstream committed;
  committed << in.rdbuf();
  const std::string generated = scenario_format_markdown();
  INFO("regenerate: cmake --build <build dir> --target scenario_format_doc");
  CHECK(committed.str() == generated);
}

TEST_CASE("the doc documents every declared key, with its default and range") {
  const std::string md = scenario_format_markdown();
  const Schema schema = make_schema();
  for (const auto& s : schema.sections)
    for (const auto& f : s.fields) CHECK_THAT(md, Contains("| `" + f.key + "` |"));
  CHECK_THAT(md, Contains("| `nodes` | integer | nodes | `1` | 1 to 16384 |"));
  CHECK_THAT(md, Contains("| `dp` | integer | — | GPUs / (tp x cp x pp) | 1 to 131072 |"));
  CHECK_THAT(md, Contains("| `cp` | integer | — | `1` | 1 to 1024 |"));
  CHECK_THAT(md, Contains("| `ep` | integer | — | `1` | 1 to 1024 |"));
  CHECK_THAT(md, Contains("## Catalog entries"));
}
