#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "reports/chrome_trace.hpp"

using namespace orrery;
using nlohmann::json;

namespace {

// Two ranks, compute and tp streams, four spans.
StepTimeline sample_timeline() {
  StepTimeline t;
  t.stream_names = {"compute", "tp", "pp", "dp"};
  t.names = {"fwd \"layer\" 0", "allreduce"};
  t.spans = {
      {0, 0, 0, 1234567, 1000},        // ts 1234.567 us, dur 1.000 us
      {0, 1, 1, 1235567, 250001},      // ts 1235.567, dur 250.001
      {1, 0, 0, 0, 999},               // ts 0.000, dur 0.999
      {1, 0, 0, 4000000000005, 7},     // 4e12 ns + 5: ts 4000000000.005, dur 0.007
  };
  return t;
}

std::vector<json> events_with_phase(const json& trace, const std::string& ph) {
  std::vector<json> out;
  for (const json& e : trace.at("traceEvents"))
    if (e.at("ph") == ph) out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE("chrome trace parses as JSON with one X event per span") {
  const json trace = json::parse(chrome_trace_json(sample_timeline()));
  CHECK(trace.at("displayTimeUnit") == "ms");
  const auto x = events_with_phase(trace, "X");
  REQUIRE(x.size() == 4);
  CHECK(x[0].at("pid") == 0);
  CHECK(x[0].at("tid") == 0);
  CHECK(x[0].at("name") == "fwd \"layer\" 0");  // quotes escaped and restored
  CHECK(x[0].at("cat") == "compute");
  CHECK(x[1].at("tid") == 1);
  CHECK(x[1].at("name") == "allreduce");
  CHECK(x[1].at("cat") == "tp");
  CHECK(x[2].at("pid") == 1);
}

TEST_CASE("chrome trace timestamps are exact microseconds with three decimals") {
  const std::string text = chrome_trace_json(sample_timeline());
  // The text itself, not a parsed double: 1,234,567 ns is exactly 1234.567 us.
  CHECK(text.find(R"("ts":1234.567,"dur":1.000,)") != std::string::npos);
  CHECK(text.find(R"("ts":1235.567,"dur":250.001,)") != std::string::npos);
  CHECK(text.find(R"("ts":0.000,"dur":0.999,)") != std::string::npos);
  // 4e12 ns (over an hour) still prints every nanosecond: no float rounding.
  CHECK(text.find(R"("ts":4000000000.005,"dur":0.007,)") != std::string::npos);
  const auto x = events_with_phase(json::parse(text), "X");
  CHECK(x[0].at("ts").get<double>() == 1234.567);
  CHECK(x[0].at("dur").get<double>() == 1.0);
}

TEST_CASE("chrome trace names each rank's process and each stream's thread") {
  const json trace = json::parse(chrome_trace_json(sample_timeline()));
  const auto m = events_with_phase(trace, "M");
  // Tracks with spans: (0,compute), (0,tp), (1,compute): 2 processes x 2
  // events + 3 threads x 2 events = 10 metadata events.
  REQUIRE(m.size() == 10);
  int process_names = 0, thread_names = 0;
  for (const json& e : m) {
    if (e.at("name") == "process_name") {
      ++process_names;
      CHECK(e.at("args").at("name") == "rank " + std::to_string(e.at("pid").get<int>()));
    } else if (e.at("name") == "thread_name") {
      ++thread_names;
      const int tid = e.at("tid").get<int>();
      CHECK(e.at("args").at("name") == (tid == 0 ? "compute" : "tp"));
    } else if (e.at("name") == "thread_sort_index") {
      CHECK(e.at("args").at("sort_index") == e.at("tid"));
    } else {
      CHECK(e.at("name") == "process_sort_index");
      CHECK(e.at("args").at("sort_index") == e.at("pid"));
    }
  }
  CHECK(process_names == 2);
  CHECK(thread_names == 3);
}

TEST_CASE("chrome trace is deterministic and handles edge cases") {
  CHECK(chrome_trace_json(sample_timeline()) == chrome_trace_json(sample_timeline()));

  // Empty timeline: still a valid trace with no events.
  const json empty = json::parse(chrome_trace_json(StepTimeline{}));
  CHECK(empty.at("traceEvents").empty());

  // Control characters in names are escaped.
  StepTimeline t;
  t.stream_names = {"compute"};
  t.names = {"a\\b\nc\x01"};
  t.spans = {{0, 0, 0, -1500, 2000}};  // a negative start (before step start) prints as -1.500
  const std::string text = chrome_trace_json(t);
  CHECK(text.find(R"("ts":-1.500,)") != std::string::npos);
  const auto x = events_with_phase(json::parse(text), "X");
  REQUIRE(x.size() == 1);
  CHECK(x[0].at("name") == "a\\b\nc\x01");

  // A span pointing past the interned names is a bug upstream: refused.
  t.spans = {{0, 0, 5, 0, 1}};
  CHECK_THROWS_AS(chrome_trace_json(t), std::out_of_range);
  t.spans = {{0, 3, 0, 0, 1}};
  CHECK_THROWS_AS(chrome_trace_json(t), std::out_of_range);
}
