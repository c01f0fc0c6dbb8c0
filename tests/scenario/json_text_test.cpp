// Reading JSON text: every way a file can be wrong becomes an InputError,
// quickly and without unbounded allocation.
#include <chrono>
#include <filesystem>

#include <catch2/catch.hpp>

#include "scenario_test_support.hpp"
#include "sim/scenario/limits.hpp"
#include "sim/scenario/scenario_loader.hpp"

using namespace orrery;
using orrery::test::input_error_of;
using orrery::test::TempDir;
using Catch::Matchers::Contains;

TEST_CASE("syntax errors give line and column") {
  // "[1,2": nlohmann reads 4 characters plus the end of input = column 5.
  auto e = input_error_of([] { parse_json_text("[1,2", "a.json"); });
  CHECK(e.path() == "a.json");
  CHECK(e.value() == "line 1, column 5");
  CHECK_THAT(e.allowed(), Contains("unexpected end of input"));

  // Trailing comma: line 2 is `  "a": 1,}`; its 10th character, the '}', is where a key was expected.
  e = input_error_of([] { parse_json_text("{\n  \"a\": 1,}\n", "b.json"); });
  CHECK(e.value() == "line 2, column 10");
  CHECK_THAT(e.allowed(), Contains("invalid JSON"));
  CHECK_THAT(e.hint(), Contains("trailing commas"));
}

TEST_CASE("empty input is its own error") {
  for (const char* text : {"", "  \n\t "}) {
    const auto e = input_error_of([&] { parse_json_text(text, "empty.json"); });
    CHECK(e.path() == "empty.json");
    CHECK(e.value() == "empty");
  }
}

TEST_CASE("numbers beyond the double range are located") {
  // Line 2 is ` "total_tokens": 1e400}`; the '1' is its 18th character.
  const auto e = input_error_of([] { parse_json_text("{\n \"total_tokens\": 1e400}", "big.json"); });
  CHECK(e.value() == "line 2, column 18");
  CHECK_THAT(e.allowed(), Contains("1e400 is too large"));
}

TEST_CASE("duplicate keys are errors with their path") {
  auto e = input_error_of([] { parse_json_text(R"({"parallelism": {"tp": 8, "tp": 4}})", "d.json"); });
  CHECK(e.path() == "d.json: parallelism.tp");
  CHECK(e.value() == "duplicate key");
  e = input_error_of([] { parse_json_text(R"({"a": [{"b": 1}, 2, {"b": 1, "b": 2}]})", "d.json"); });
  CHECK(e.path() == "d.json: a[2].b");
  // The same key in sibling objects is fine.
  CHECK(parse_json_text(R"({"x": {"k": 1}, "y": {"k": 2}})", "ok.json").at("y").at("k") == 2);
}

TEST_CASE("deep nesting fails fast, before nlohmann builds it") {
  const auto start = std::chrono::steady_clock::now();
  // 100000 nested arrays; then 5 MiB of them (2.6 million levels).
  for (std::size_t depth : {std::size_t{100000}, std::size_t{5} << 19}) {
    const std::string text = std::string(depth, '[') + std::string(depth, ']');
    const auto e = input_error_of([&] { parse_json_text(text, "deep.json"); });
    // The 65th '[' is the first one too deep.
    CHECK(e.value() == "line 1, column 65");
    CHECK_THAT(e.allowed(), Contains("deeper than 64 levels"));
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  // 64 levels are fine.
  CHECK_NOTHROW(parse_json_text(std::string(64, '[') + std::string(64, ']'), "ok.json"));
}

TEST_CASE("text larger than kMaxScenarioBytes is refused") {
  const std::string text(kMaxScenarioBytes + 1, ' ');
  const auto e = input_error_of([&] { parse_json_text(text, "huge.json"); });
  CHECK(e.value() == "16.0 MiB");
  CHECK_THAT(e.allowed(), Contains("at most 16.0 MiB"));
}

TEST_CASE("files: missing, a directory, too large, empty, fine") {
  TempDir dir("json-text");
  auto e = input_error_of([&] { read_json_file((dir.path() / "nope.json").string()); });
  CHECK(e.value() == "no such file");

  e = input_error_of([&] { read_json_file(dir.path().string()); });
  CHECK(e.value() == "a directory");

  // A sparse 17 MiB file: refused from its size, before any byte is read.
  const std::string big = dir.write("big.json", "{}");
  std::filesystem::resize_file(big, 17u << 20);
  e = input_error_of([&] { read_json_file(big); });
  CHECK(e.path() == big);
  CHECK(e.value() == "17.0 MiB");

  const std::string empty = dir.write("empty.json", "");
  e = input_error_of([&] { read_json_file(empty); });
  CHECK(e.value() == "empty");

  const std::string ok = dir.write("ok.json", R"({"k": [1, 2]})");
  CHECK(read_json_file(ok).at("k").at(1) == 2);
}

TEST_CASE("invalid UTF-8 is a syntax error, not a crash") {
  const auto e = input_error_of([] { parse_json_text("{\"name\": \"\xff\xfe\"}", "u.json"); });
  CHECK(e.path() == "u.json");
  CHECK_THAT(e.allowed(), Contains("invalid JSON"));
}
