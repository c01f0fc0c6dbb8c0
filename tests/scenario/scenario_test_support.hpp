#pragma once
// Shared by the scenario tests: catching the InputError a call must throw,
// a valid base scenario to break one field at a time, and a temp folder.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "sim/scenario/input_error.hpp"

namespace orrery::test {

template <class F>
InputError input_error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e;
  }
  FAIL("expected an InputError");
  throw std::logic_error("unreachable");
}

// llama3-70b on 32 x dgx-h100 (256 GPUs), tp 8, pp 4, dp derived (= 8).
inline nlohmann::json base_scenario() {
  return nlohmann::json::parse(R"({
    "name": "test",
    "model": "llama3-70b",
    "cluster": {"node": "dgx-h100", "nodes": 32},
    "training": {"seq_len": 8192, "global_batch": 512},
    "parallelism": {"tp": 8, "pp": 4}
  })");
}

// A fresh folder under the system temp dir, removed when the test ends.
class TempDir {
public:
  explicit TempDir(const std::string& tag) {
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path() / ("orrery-" + tag + "-" + std::to_string(stamp));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return (path_ / name).string();
  }

private:
  std::filesystem::path path_;
};

}  // namespace orrery::test
