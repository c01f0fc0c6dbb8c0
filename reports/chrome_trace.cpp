#include "reports/chrome_trace.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace orrery {

namespace {

// JSON string body (without quotes): escape quote, backslash and control
// characters; everything else, UTF-8 included, passes through.
std::string json_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  return out;
}

template <typename Int>
void append_int(std::string& out, Int value) {
  const fmt::format_int digits(value);
  out.append(digits.data(), digits.size());
}

// Nanoseconds as microseconds with exactly three decimals, by integer
// arithmetic: 1234567 ns -> "1234.567", with no binary floating-point noise.
void append_us(std::string& out, std::int64_t ns) {
  // Through unsigned so that INT64_MIN negates without overflow.
  const bool negative = ns < 0;
  const std::uint64_t magnitude =
      negative ? std::uint64_t{0} - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  if (negative) out += '-';
  append_int(out, magnitude / 1000);
  const auto frac = static_cast<int>(magnitude % 1000);
  const char decimals[] = {'.', static_cast<char>('0' + frac / 100), static_cast<char>('0' + frac / 10 % 10),
                           static_cast<char>('0' + frac % 10)};
  out.append(decimals, sizeof decimals);
}

}  // namespace

std::string chrome_trace_json(const StepTimeline& timeline) {
  // Check the indices up front: a span naming a stream or name that does not
  // exist is a bug in whoever filled the timeline, and must not produce a
  // trace that silently mislabels it.
  for (const TraceSpan& s : timeline.spans) {
    if (s.stream >= timeline.stream_names.size())
      throw std::out_of_range(fmt::format("trace span on rank {} has stream index {}, but only {} streams are named",
                                          s.rank, s.stream, timeline.stream_names.size()));
    if (s.name >= timeline.names.size())
      throw std::out_of_range(fmt::format("trace span on rank {} has name index {}, but only {} names are interned",
                                          s.rank, s.name, timeline.names.size()));
  }

  std::vector<std::string> streams;
  streams.reserve(timeline.stream_names.size());
  for (const std::string& n : timeline.stream_names) streams.push_back(json_escape(n));
  std::vector<std::string> names;
  names.reserve(timeline.names.size());
  for (const std::string& n : timeline.names) names.push_back(json_escape(n));

  // The (rank, stream) tracks that carry spans, sorted, for the metadata.
  std::vector<std::pair<std::int32_t, std::uint8_t>> tracks;
  tracks.reserve(timeline.spans.size());
  for (const TraceSpan& s : timeline.spans) {
    // Consecutive spans are usually on one track: skip those before sorting.
    if (tracks.empty() || tracks.back() != std::pair(s.rank, s.stream)) tracks.emplace_back(s.rank, s.stream);
  }
  std::sort(tracks.begin(), tracks.end());
  tracks.erase(std::unique(tracks.begin(), tracks.end()), tracks.end());

  // Built straight into the result. About 100 bytes per complete event;
  // reserving avoids regrowing and copying a string that may reach hundreds
  // of megabytes.
  std::string buf;
  buf.reserve(128 + tracks.size() * 200 + timeline.spans.size() * 100);
  auto out = std::back_inserter(buf);

  fmt::format_to(out, "{{\"displayTimeUnit\":\"ms\",\"traceEvents\":[");
  bool first = true;
  auto separator = [&] {
    if (!first) buf.push_back(',');
    first = false;
    buf.push_back('\n');
  };

  std::int32_t previous_rank = 0;
  bool have_rank = false;
  for (const auto& [rank, stream] : tracks) {
    if (!have_rank || rank != previous_rank) {
      separator();
      fmt::format_to(out, R"({{"ph":"M","pid":{0},"tid":0,"name":"process_name","args":{{"name":"rank {0}"}}}})",
                     rank);
      separator();
      fmt::format_to(out, R"({{"ph":"M","pid":{0},"tid":0,"name":"process_sort_index","args":{{"sort_index":{0}}}}})",
                     rank);
      previous_rank = rank;
      have_rank = true;
    }
    separator();
    fmt::format_to(out, R"({{"ph":"M","pid":{},"tid":{},"name":"thread_name","args":{{"name":"{}"}}}})", rank,
                   stream, streams[stream]);
    separator();
    fmt::format_to(out, R"({{"ph":"M","pid":{},"tid":{},"name":"thread_sort_index","args":{{"sort_index":{}}}}})",
                   rank, stream, stream);
  }

  // The hot loop, one per span: plain appends and fmt::format_int, no
  // format-string parsing (several times faster for millions of spans).
  for (const TraceSpan& s : timeline.spans) {
    separator();
    buf += R"({"ph":"X","pid":)";
    append_int(buf, s.rank);
    buf += R"(,"tid":)";
    append_int(buf, static_cast<unsigned>(s.stream));
    buf += R"(,"ts":)";
    append_us(buf, s.start_ns);
    buf += R"(,"dur":)";
    append_us(buf, s.duration_ns);
    buf += R"(,"name":")";
    buf += names[s.name];
    buf += R"(","cat":")";
    buf += streams[s.stream];
    buf += R"("})";
  }

  fmt::format_to(out, "\n]}}\n");
  return buf;
}

}  // namespace orrery
