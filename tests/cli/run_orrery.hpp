#pragma once
// Test support: the real `orrery` binary in a subprocess, and small file
// helpers, shared by the end-to-end suites (tests/cli, tests/calib).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include <catch2/catch.hpp>

namespace orrery::test {

struct CommandResult {
  int code = -1;
  std::string out;   // stdout, and stderr too unless with_stderr is false
};

inline CommandResult run_orrery(const std::string& args, bool with_stderr = true) {
  std::string cmd = std::string(ORRERY_BINARY_DIR) + "/orrery ";
  cmd += args;
  cmd += with_stderr ? " 2>&1" : " 2>/dev/null";
  CommandResult r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh, empty folder under the system's temporary directory.
inline std::filesystem::path fresh_temp_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / ("orrery-test-" + name);
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

inline bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace orrery::test
