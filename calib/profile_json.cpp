#include "calib/profile_json.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "sim/scenario/input_error.hpp"

namespace orrery {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// Bounds that only reject nonsense (a typo, a corrupted file), never a
// plausible measurement.
constexpr double kMaxDim = 1 << 24;          // GEMM and attention extents
constexpr double kMaxBytes = 1ull << 50;     // 1 PiB
constexpr double kMaxMicroseconds = 1e9;     // 1000 s for one kernel
constexpr double kMaxRepetitions = 1e7;
constexpr double kMaxRanks = 1 << 20;
constexpr std::size_t kMaxText = 4000;

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: {
      std::string s = v.get<std::string>();
      if (s.size() > 60) s = s.substr(0, 57) + "...";
      return "the string " + json(s).dump();
    }
    case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    default: return v.dump();
  }
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

std::string child(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }
std::string element(const std::string& path, std::size_t i) { return fmt::format("{}[{}]", path, i); }

// Reads one profile document; every error names origin: path.
class Reader {
public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& value, const std::string& allowed,
                         const std::string& hint = {}) const {
    throw InputError(path.empty() ? origin_ : origin_ + ": " + path, value, allowed, hint);
  }

  // An object whose keys are all in `keys` and which has every key of `required`.
  const json& object(const json& v, const std::string& path, const std::vector<std::string>& keys,
                     const std::vector<std::string>& required) const {
    if (!v.is_object()) fail(path, describe(v), "expected an object");
    for (const auto& [key, value] : v.items()) {
      (void)value;
      if (std::find(keys.begin(), keys.end(), key) == keys.end())
        fail(child(path, key), "unknown key", "allowed keys: " + join(keys), "see docs/calibration.md");
    }
    for (const auto& key : required)
      if (!v.contains(key)) fail(child(path, key), "missing", "required", "see docs/calibration.md");
    return v;
  }

  const json& array(const json& obj, const std::string& key, const std::string& path) const {
    static const json empty = json::array();
    if (!obj.contains(key)) return empty;
    const json& v = obj.at(key);
    if (!v.is_array()) fail(child(path, key), describe(v), "expected an array");
    return v;
  }

  double number(const json& obj, const std::string& key, const std::string& path, double min, double max,
                bool min_exclusive = false) const {
    const std::string p = child(path, key);
    const json& v = obj.at(key);
    if (!v.is_number()) fail(p, describe(v), "expected a number");
    const double x = v.get<double>();
    const bool low = min_exclusive ? !(x > min) : !(x >= min);
    if (!std::isfinite(x) || low || x > max)
      fail(p, describe(v), fmt::format("a number {} {} and at most {}", min_exclusive ? "above" : "from", min, max));
    return x;
  }

  std::int64_t integer(const json& obj, const std::string& key, const std::string& path, double min,
                       double max) const {
    const std::string p = child(path, key);
    const json& v = obj.at(key);
    if (!v.is_number()) fail(p, describe(v), "expected an integer");
    const double x = v.get<double>();
    if (!std::isfinite(x) || x != std::floor(x) || x < min || x > max)
      fail(p, describe(v), fmt::format("an integer from {} to {}", min, max));
    return static_cast<std::int64_t>(x);
  }

  std::string text(const json& obj, const std::string& key, const std::string& path, bool non_empty = false) const {
    const std::string p = child(path, key);
    if (!obj.contains(key)) return {};
    const json& v = obj.at(key);
    if (!v.is_string()) fail(p, describe(v), "expected a string");
    std::string s = v.get<std::string>();
    if (s.size() > kMaxText) fail(p, fmt::format("{} characters", s.size()), fmt::format("at most {}", kMaxText));
    if (non_empty && s.empty()) fail(p, "an empty string", "a non-empty string");
    return s;
  }

  std::string choice(const json& obj, const std::string& key, const std::string& path,
                     const std::vector<std::string>& choices) const {
    const std::string p = child(path, key);
    const json& v = obj.at(key);
    if (!v.is_string() || std::find(choices.begin(), choices.end(), v.get<std::string>()) == choices.end())
      fail(p, describe(v), "one of " + join(choices));
    return v.get<std::string>();
  }

  bool boolean(const json& obj, const std::string& key, const std::string& path) const {
    const json& v = obj.at(key);
    if (!v.is_boolean()) fail(child(path, key), describe(v), "true or false");
    return v.get<bool>();
  }

  std::vector<std::string> strings(const json& obj, const std::string& key, const std::string& path) const {
    std::vector<std::string> out;
    const json& a = array(obj, key, path);
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string()) fail(element(child(path, key), i), describe(a[i]), "expected a string");
      out.push_back(a[i].get<std::string>());
    }
    return out;
  }

  // median_us, p10_us, p90_us, repetitions: a spread around the median.
  MeasuredTime time(const json& obj, const std::string& path) const {
    MeasuredTime t;
    t.median_us = number(obj, "median_us", path, 0, kMaxMicroseconds, true);
    t.p10_us = number(obj, "p10_us", path, 0, kMaxMicroseconds, true);
    t.p90_us = number(obj, "p90_us", path, 0, kMaxMicroseconds, true);
    t.repetitions = static_cast<int>(integer(obj, "repetitions", path, 1, kMaxRepetitions));
    if (t.p10_us > t.median_us)
      fail(child(path, "p10_us"), fmt::format("{} > median_us {}", t.p10_us, t.median_us),
           "p10_us <= median_us <= p90_us");
    if (t.p90_us < t.median_us)
      fail(child(path, "p90_us"), fmt::format("{} < median_us {}", t.p90_us, t.median_us),
           "p10_us <= median_us <= p90_us");
    return t;
  }

private:
  std::string origin_;
};

const std::vector<std::string> kTimeKeys = {"median_us", "p10_us", "p90_us", "repetitions"};

std::vector<std::string> with_time(std::vector<std::string> keys) {
  keys.insert(keys.end(), kTimeKeys.begin(), kTimeKeys.end());
  return keys;
}

std::vector<std::string> precision_names() {
  std::vector<std::string> out;
  for (Precision p : {Precision::fp32, Precision::tf32, Precision::bf16, Precision::fp16, Precision::fp8})
    out.emplace_back(to_string(p));
  return out;
}

void read_device(const Reader& r, const json& root, CalibrationDevice& d) {
  const std::string path = "device";
  const std::vector<std::string> keys = {
      "name", "compute_capability", "sm_count", "max_sm_clock_mhz", "measured_sm_clock_mhz", "memory_clock_mhz",
      "memory_bus_width_bits", "memory_gib", "pci_bus_id", "driver_version", "runtime_version", "cublaslt_version",
      "nccl_version", "visible_gpus"};
  const json& o = r.object(root.at("device"), path, keys, {"name", "sm_count"});
  d.name = r.text(o, "name", path, true);
  d.compute_capability = r.text(o, "compute_capability", path);
  d.sm_count = static_cast<int>(r.integer(o, "sm_count", path, 1, 100000));
  const auto optional_number = [&](const char* key, double max) {
    return o.contains(key) ? r.number(o, key, path, 0, max) : 0.0;
  };
  d.max_sm_clock_mhz = optional_number("max_sm_clock_mhz", 1e5);
  d.measured_sm_clock_mhz = optional_number("measured_sm_clock_mhz", 1e5);
  d.memory_clock_mhz = optional_number("memory_clock_mhz", 1e6);
  d.memory_bus_width_bits = static_cast<int>(o.contains("memory_bus_width_bits")
                                                 ? r.integer(o, "memory_bus_width_bits", path, 0, 1e6)
                                                 : 0);
  d.memory_gib = optional_number("memory_gib", 1e6);
  d.pci_bus_id = r.text(o, "pci_bus_id", path);
  d.driver_version = r.text(o, "driver_version", path);
  d.runtime_version = r.text(o, "runtime_version", path);
  d.cublaslt_version = r.text(o, "cublaslt_version", path);
  d.nccl_version = r.text(o, "nccl_version", path);
  d.visible_gpus = static_cast<int>(o.contains("visible_gpus") ? r.integer(o, "visible_gpus", path, 1, 1e5) : 1);
}

void read_conditions(const Reader& r, const json& root, CalibrationConditions& c) {
  if (!root.contains("conditions")) return;
  const std::string path = "conditions";
  const json& o = r.object(root.at("conditions"), path,
                           {"nvml", "other_processes", "memory_used_gib_at_start", "clock_events", "warnings"}, {});
  if (o.contains("nvml")) c.nvml = r.boolean(o, "nvml", path);
  if (o.contains("other_processes")) c.other_processes = static_cast<int>(r.integer(o, "other_processes", path, 0, 1e6));
  if (o.contains("memory_used_gib_at_start"))
    c.memory_used_gib_at_start = r.number(o, "memory_used_gib_at_start", path, 0, 1e6);
  c.clock_events = r.strings(o, "clock_events", path);
  c.warnings = r.strings(o, "warnings", path);
}

void read_gemm(const Reader& r, const json& root, std::vector<GemmPoint>& out) {
  const json& a = r.array(root, "gemm", "");
  const auto keys = with_time({"precision", "m", "n", "k", "batch", "origin"});
  std::set<std::tuple<int, std::int64_t, std::int64_t, std::int64_t, std::int64_t>> seen;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string path = element("gemm", i);
    const json& o = r.object(a[i], path, keys, keys);
    GemmPoint g;
    parse_precision(r.choice(o, "precision", path, precision_names()), g.precision);
    g.m = r.integer(o, "m", path, 1, kMaxDim);
    g.n = r.integer(o, "n", path, 1, kMaxDim);
    g.k = r.integer(o, "k", path, 1, kMaxDim);
    g.batch = r.integer(o, "batch", path, 1, kMaxDim);
    parse_gemm_origin(r.choice(o, "origin", path, {"grid", "transformer", "attention"}), g.origin);
    g.time = r.time(o, path);
    if (!seen.insert({static_cast<int>(g.precision), g.m, g.n, g.k, g.batch}).second)
      r.fail(path, fmt::format("{} {}x{}x{} batch {}", to_string(g.precision), g.m, g.n, g.k, g.batch),
             "each precision and shape may appear once", "merge the repeated measurements into one point");
    out.push_back(g);
  }
}

void read_memory(const Reader& r, const json& root, std::vector<MemoryPoint>& out) {
  const json& a = r.array(root, "memory", "");
  const auto keys = with_time({"kernel", "bytes", "rows", "cols"});
  std::set<std::tuple<std::string, double, std::int64_t, std::int64_t>> seen;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string path = element("memory", i);
    const json& o = r.object(a[i], path, keys, keys);
    MemoryPoint m;
    m.kernel = r.choice(o, "kernel", path, memory_kernel_names());
    m.bytes = r.number(o, "bytes", path, 0, kMaxBytes, true);
    m.rows = r.integer(o, "rows", path, 0, kMaxDim * 64);
    m.cols = r.integer(o, "cols", path, 0, kMaxDim);
    m.time = r.time(o, path);
    if (!seen.insert({m.kernel, m.bytes, m.rows, m.cols}).second)
      r.fail(path, fmt::format("{} of {} bytes", m.kernel, m.bytes), "each kernel and size may appear once");
    out.push_back(m);
  }
}

void read_attention(const Reader& r, const json& root, std::vector<AttentionPoint>& out) {
  const json& a = r.array(root, "attention", "");
  const auto keys = with_time({"direction", "method", "batch_heads", "seq", "head_dim"});
  std::set<std::tuple<std::string, std::string, std::int64_t, std::int64_t, std::int64_t>> seen;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string path = element("attention", i);
    const json& o = r.object(a[i], path, keys, keys);
    AttentionPoint p;
    p.direction = r.choice(o, "direction", path, {"forward", "backward"});
    p.method = r.choice(o, "method", path, {"unfused"});
    p.batch_heads = r.integer(o, "batch_heads", path, 1, kMaxDim);
    p.seq = r.integer(o, "seq", path, 1, kMaxDim);
    p.head_dim = r.integer(o, "head_dim", path, 1, 4096);
    p.time = r.time(o, path);
    if (!seen.insert({p.direction, p.method, p.batch_heads, p.seq, p.head_dim}).second)
      r.fail(path, fmt::format("{} {} {}x{}x{}", p.direction, p.method, p.batch_heads, p.seq, p.head_dim),
             "each direction, method and shape may appear once");
    out.push_back(p);
  }
}

void read_host_transfers(const Reader& r, const json& root, std::vector<HostTransferPoint>& out) {
  const json& a = r.array(root, "host_transfers", "");
  const auto keys = with_time({"direction", "bytes"});
  std::set<std::tuple<std::string, double>> seen;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string path = element("host_transfers", i);
    const json& o = r.object(a[i], path, keys, keys);
    HostTransferPoint h;
    h.direction = r.choice(o, "direction", path, {"h2d", "d2h"});
    h.bytes = r.number(o, "bytes", path, 0, kMaxBytes, true);
    h.time = r.time(o, path);
    if (!seen.insert({h.direction, h.bytes}).second)
      r.fail(path, fmt::format("{} of {} bytes", h.direction, h.bytes), "each direction and size may appear once");
    out.push_back(h);
  }
}

void read_collectives(const Reader& r, const json& root, CollectiveSection& c) {
  if (!root.contains("collectives")) {
    c.measured = false;
    c.reason = "not in the profile";
    return;
  }
  const std::string path = "collectives";
  const json& o = r.object(root.at("collectives"), path, {"measured", "reason", "points"}, {"measured"});
  c.measured = r.boolean(o, "measured", path);
  c.reason = r.text(o, "reason", path);
  const json& a = r.array(o, "points", path);
  if (!c.measured && !a.empty())
    r.fail(child(path, "points"), fmt::format("{} points", a.size()), "none when measured is false");
  if (!c.measured && c.reason.empty())
    r.fail(child(path, "reason"), "missing", "a reason when measured is false", "e.g. \"one visible GPU\"");
  if (c.measured && a.empty()) r.fail(child(path, "points"), "empty", "at least one point when measured is true");
  const auto keys = with_time({"op", "ranks", "bytes", "bus_gb_per_s"});
  std::set<std::tuple<std::string, std::int64_t, double>> seen;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string p = element(child(path, "points"), i);
    const json& e = r.object(a[i], p, keys, keys);
    CollectivePoint pt;
    pt.op = r.choice(e, "op", p, {"all_reduce", "all_gather", "reduce_scatter", "all_to_all", "send_recv"});
    pt.ranks = static_cast<int>(r.integer(e, "ranks", p, 2, kMaxRanks));
    pt.bytes = r.number(e, "bytes", p, 0, kMaxBytes, true);
    pt.time = r.time(e, p);
    pt.bus_gb_per_s = r.number(e, "bus_gb_per_s", p, 0, 1e7);
    if (!seen.insert({pt.op, pt.ranks, pt.bytes}).second)
      r.fail(p, fmt::format("{} over {} ranks of {} bytes", pt.op, pt.ranks, pt.bytes),
             "each collective, rank count and size may appear once");
    c.points.push_back(pt);
  }
}

ojson time_fields(ojson o, const MeasuredTime& t) {
  o["median_us"] = t.median_us;
  o["p10_us"] = t.p10_us;
  o["p90_us"] = t.p90_us;
  o["repetitions"] = t.repetitions;
  return o;
}

}  // namespace

CalibrationProfile profile_from_json(const json& doc, const std::string& origin) {
  const Reader r(origin);
  const std::vector<std::string> keys = {"format",    "tool",       "grid",   "date_utc",       "host",
                                         "notes",     "device",     "conditions", "launch_overhead", "gemm",
                                         "memory",    "attention",  "host_transfers", "collectives"};
  const json& root = r.object(doc, "", keys, {"format", "device", "launch_overhead"});
  CalibrationProfile p;
  const json& format = root.at("format");
  if (!format.is_string() || format.get<std::string>() != kCalibrationProfileFormat)
    r.fail("format", describe(format), fmt::format("\"{}\"", kCalibrationProfileFormat),
           "this file is not an Orrery calibration profile of a version this build reads; write it with "
           "orrery-calib run");
  p.tool = r.text(root, "tool", "");
  p.grid = r.text(root, "grid", "");
  p.date_utc = r.text(root, "date_utc", "");
  p.host = r.text(root, "host", "");
  p.notes = r.text(root, "notes", "");
  read_device(r, root, p.device);
  read_conditions(r, root, p.conditions);
  {
    const std::string path = "launch_overhead";
    const json& o = r.object(root.at("launch_overhead"), path, kTimeKeys, kTimeKeys);
    p.launch_overhead = r.time(o, path);
  }
  read_gemm(r, root, p.gemm);
  read_memory(r, root, p.memory);
  read_attention(r, root, p.attention);
  read_host_transfers(r, root, p.host_transfers);
  read_collectives(r, root, p.collectives);
  if (p.gemm.empty() && p.memory.empty())
    r.fail("", "no GEMM or memory measurements", "a profile with at least one GEMM or memory point",
           "orrery-calib run writes both");
  return p;
}

ojson profile_to_json(const CalibrationProfile& p) {
  ojson root;
  root["format"] = p.format;
  root["tool"] = p.tool;
  root["grid"] = p.grid;
  root["date_utc"] = p.date_utc;
  root["host"] = p.host;
  root["notes"] = p.notes;
  const CalibrationDevice& d = p.device;
  root["device"] = ojson{{"name", d.name},
                         {"compute_capability", d.compute_capability},
                         {"sm_count", d.sm_count},
                         {"max_sm_clock_mhz", d.max_sm_clock_mhz},
                         {"measured_sm_clock_mhz", d.measured_sm_clock_mhz},
                         {"memory_clock_mhz", d.memory_clock_mhz},
                         {"memory_bus_width_bits", d.memory_bus_width_bits},
                         {"memory_gib", d.memory_gib},
                         {"pci_bus_id", d.pci_bus_id},
                         {"driver_version", d.driver_version},
                         {"runtime_version", d.runtime_version},
                         {"cublaslt_version", d.cublaslt_version},
                         {"nccl_version", d.nccl_version},
                         {"visible_gpus", d.visible_gpus}};
  const CalibrationConditions& c = p.conditions;
  root["conditions"] = ojson{{"nvml", c.nvml},
                             {"other_processes", c.other_processes},
                             {"memory_used_gib_at_start", c.memory_used_gib_at_start},
                             {"clock_events", c.clock_events},
                             {"warnings", c.warnings}};
  root["launch_overhead"] = time_fields(ojson::object(), p.launch_overhead);
  ojson gemm = ojson::array();
  for (const GemmPoint& g : p.gemm)
    gemm.push_back(time_fields({{"precision", to_string(g.precision)},
                                {"m", g.m},
                                {"n", g.n},
                                {"k", g.k},
                                {"batch", g.batch},
                                {"origin", to_string(g.origin)}},
                               g.time));
  root["gemm"] = std::move(gemm);
  ojson memory = ojson::array();
  for (const MemoryPoint& m : p.memory)
    memory.push_back(
        time_fields({{"kernel", m.kernel}, {"bytes", m.bytes}, {"rows", m.rows}, {"cols", m.cols}}, m.time));
  root["memory"] = std::move(memory);
  ojson attention = ojson::array();
  for (const AttentionPoint& a : p.attention)
    attention.push_back(time_fields({{"direction", a.direction},
                                     {"method", a.method},
                                     {"batch_heads", a.batch_heads},
                                     {"seq", a.seq},
                                     {"head_dim", a.head_dim}},
                                    a.time));
  root["attention"] = std::move(attention);
  ojson transfers = ojson::array();
  for (const HostTransferPoint& h : p.host_transfers)
    transfers.push_back(time_fields({{"direction", h.direction}, {"bytes", h.bytes}}, h.time));
  root["host_transfers"] = std::move(transfers);
  ojson points = ojson::array();
  for (const CollectivePoint& cp : p.collectives.points) {
    ojson o = time_fields({{"op", cp.op}, {"ranks", cp.ranks}, {"bytes", cp.bytes}}, cp.time);
    o["bus_gb_per_s"] = cp.bus_gb_per_s;
    points.push_back(std::move(o));
  }
  root["collectives"] =
      ojson{{"measured", p.collectives.measured}, {"reason", p.collectives.reason}, {"points", std::move(points)}};
  return root;
}

std::string profile_json_text(const CalibrationProfile& profile) {
  // Pretty at the top, one line per point: a profile of thousands of points
  // stays readable and diffs line by line.
  const ojson root = profile_to_json(profile);
  std::string out = "{\n";
  bool first = true;
  for (const auto& [key, value] : root.items()) {
    if (!first) out += ",\n";
    first = false;
    out += "  " + ojson(key).dump() + ": ";
    const ojson* list = &value;
    std::string tail;
    if (key == "collectives") {
      // Its scalars inline, its points one per line.
      out += "{\"measured\": " + value.at("measured").dump() + ", \"reason\": " + value.at("reason").dump() +
             ", \"points\": ";
      list = &value.at("points");
      tail = "}";
    }
    if (list->is_array() && !list->empty()) {
      out += "[\n";
      for (std::size_t i = 0; i < list->size(); ++i) {
        out += "    ";
        out += (*list)[i].dump();
        out += i + 1 < list->size() ? ",\n" : "\n";
      }
      out += "  ]";
    } else {
      out += list->dump();
    }
    out += tail;
  }
  out += "\n}\n";
  return out;
}

}  // namespace orrery
