// JSON text -> nlohmann::json with every failure an InputError: size, empty
// input, nesting depth, syntax (line and column), number overflow and
// duplicate keys (which nlohmann would silently resolve to the last value).
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "sim/scenario/limits.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/scenario/schema.hpp"

namespace orrery {

namespace {

struct LineColumn {
  std::size_t line = 1, column = 0;
};

// Same convention as nlohmann: `chars_read` characters consumed (end of input
// counts as one), column = characters read on the current line.
LineColumn line_column(const std::string& text, std::size_t chars_read) {
  const std::size_t end = std::min(chars_read, text.size());
  LineColumn lc;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < end; ++i)
    if (text[i] == '\n') {
      ++lc.line;
      line_start = i + 1;
    }
  lc.column = chars_read - line_start;
  return lc;
}

std::string at(const LineColumn& lc) { return fmt::format("line {}, column {}", lc.line, lc.column); }

std::string mib(std::uintmax_t bytes) { return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20)); }

// Rejects deep nesting before nlohmann sees it: its parser is iterative, but
// copies, comparisons and dumps of a value recurse.
void check_depth(const std::string& text, const std::string& origin) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        throw InputError(origin, at(line_column(text, i + 1)),
                         fmt::format("nesting deeper than {} levels", kMaxJsonDepth),
                         "scenario files nest 4 levels deep and catalog files 3");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

// Tracks the path of the value being parsed, to name duplicate keys.
class DuplicateKeyCheck {
public:
  explicit DuplicateKeyCheck(std::string origin) : origin_(std::move(origin)) {}

  bool operator()(int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start: frames_.push_back({true, {}, {}, 0}); break;
      case E::array_start: frames_.push_back({false, {}, {}, 0}); break;
      case E::key: {
        Frame& f = frames_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second)
          throw InputError(origin_ + ": " + path(), "duplicate key", "each key may appear only once in an object",
                           "JSON readers keep only one of the values; delete the other");
        break;
      }
      case E::value: next_element(); break;
      case E::object_end:
      case E::array_end:
        frames_.pop_back();
        next_element();
        break;
    }
    return true;
  }

private:
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string key;
    std::size_t index;
  };
  void next_element() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }
  std::string path() const {
    std::string p;
    for (const auto& f : frames_) p = f.object ? join_path(p, f.key) : p + fmt::format("[{}]", f.index);
    return p;
  }
  std::string origin_;
  std::vector<Frame> frames_;
};

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& origin) {
  if (text.size() > kMaxScenarioBytes)
    throw InputError(origin, mib(text.size()), fmt::format("at most {} of JSON", mib(kMaxScenarioBytes)),
                     "scenario and catalog files are a few kilobytes; is this the right file?");
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    throw InputError(origin, "empty", "expected a JSON object", "start from scenarios/default.json");
  check_depth(text, origin);
  try {
    return nlohmann::json::parse(text, DuplicateKeyCheck(origin));
  } catch (const nlohmann::json::parse_error& e) {
    // Keep nlohmann's description, drop its "[json.exception...] ... column N: " prefix.
    std::string what = e.what();
    if (auto col = what.find("column "); col != std::string::npos) {
      if (auto colon = what.find(": ", col); colon != std::string::npos) what = what.substr(colon + 2);
    }
    throw InputError(origin, at(line_column(text, e.byte)), "invalid JSON: " + what,
                     "JSON has no comments, no trailing commas, and keys in double quotes");
  } catch (const nlohmann::json::out_of_range& e) {
    // Numbers beyond the double range (1e400): nlohmann names the token but no position.
    std::string what = e.what(), where = "somewhere";
    if (auto q = what.find('\''); q != std::string::npos) {
      const std::string token = what.substr(q + 1, what.rfind('\'') - q - 1);
      if (auto pos = text.find(token); !token.empty() && pos != std::string::npos)
        where = at(line_column(text, pos + 1));
      what = "the number " + token + " is too large";
    }
    throw InputError(origin, where, what, "numbers must be finite doubles (at most about 1.8e308)");
  } catch (const nlohmann::json::exception& e) {
    throw InputError(origin, "unreadable JSON", e.what());
  }
}

nlohmann::json read_json_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st))
    throw InputError(path, "no such file", "expected a JSON file",
                     "relative paths start in " + fs::current_path(ec).string());
  if (fs::is_directory(st))
    throw InputError(path, "a directory", "expected a JSON file", "name a .json file inside it");
  if (!fs::is_regular_file(st)) throw InputError(path, "not a regular file", "expected a JSON file");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) throw InputError(path, "size unknown", "expected a readable JSON file", ec.message());
  if (size > kMaxScenarioBytes)
    throw InputError(path, mib(size), fmt::format("at most {} of JSON", mib(kMaxScenarioBytes)),
                     "scenario and catalog files are a few kilobytes; is this the right file?");

  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot be opened", "expected a readable JSON file", "check its permissions");
  // Read one byte past the measured size: a file that grew since is caught
  // by parse_json_text's own size check or fails to parse, never read unbounded.
  std::string text(static_cast<std::size_t>(size) + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_json_text(text, path);
}

}  // namespace orrery
