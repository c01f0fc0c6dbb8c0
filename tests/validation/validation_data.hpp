#pragma once
// The published figures and scenarios the validation suites read, by their
// path in the source tree.
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace orrery::test {

inline nlohmann::json source_json(const std::string& relative) {
  std::ifstream in(std::string(ORRERY_SOURCE_DIR) + "/" + relative);
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

}  // namespace orrery::test
