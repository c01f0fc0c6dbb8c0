#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "reports/output_file.hpp"

using namespace orrery;
namespace fs = std::filesystem;

namespace {

// A fresh directory per test case, removed at the end.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "orrery-reports-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), fs::directory_iterator()));
  }
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("write_file_atomically writes, replaces, and leaves no temp file") {
  TempDir dir;
  const fs::path target = dir.path / "results.json";
  write_file_atomically(target.string(), "first version, longer than the second\n");
  CHECK(read_all(target) == "first version, longer than the second\n");
  // Replacing with shorter content leaves exactly the new bytes (no tail of
  // the old file, as an in-place truncating write could).
  write_file_atomically(target.string(), "second\n");
  CHECK(read_all(target) == "second\n");
  CHECK(dir.entries() == 1);  // only results.json: no .tmp-XXXXXX left

  // Binary content with NULs survives.
  const std::string binary("a\0b\0c", 5);
  write_file_atomically(target.string(), binary);
  CHECK(read_all(target) == binary);

  write_file_atomically(target.string(), "");
  CHECK(fs::file_size(target) == 0);
}

TEST_CASE("write_file_atomically gives the file the usual permissions") {
  // mkstemp creates 0600; the result must be readable like any output file:
  // 0666 minus the umask (read back without changing it).
  TempDir dir;
  const mode_t mask = ::umask(022);
  ::umask(mask);
  const fs::path target = dir.path / "summary.txt";
  write_file_atomically(target.string(), "x");
  struct stat st {};
  REQUIRE(::stat(target.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == (0666 & ~mask));
}

TEST_CASE("write_file_atomically into a missing directory throws and leaves nothing") {
  TempDir dir;
  const fs::path target = dir.path / "missing" / "results.json";
  try {
    write_file_atomically(target.string(), "data");
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    CHECK(what == "cannot write " + target.string() + ": No such file or directory");
  }
  CHECK_FALSE(fs::exists(target));
  CHECK(dir.entries() == 0);
}

TEST_CASE("write_file_atomically over a directory fails and removes its temp file") {
  // rename(2) of a file over a directory fails (EISDIR): the failure comes
  // after the temporary file was written, so this checks the cleanup path.
  TempDir dir;
  const fs::path target = dir.path / "taken";
  fs::create_directory(target);
  CHECK_THROWS_WITH(write_file_atomically(target.string(), "data"),
                    Catch::StartsWith("cannot write " + target.string() + ": "));
  CHECK(fs::is_directory(target));
  CHECK(dir.entries() == 1);  // just the directory
}

TEST_CASE("write_file_atomically refuses an empty path") {
  CHECK_THROWS_WITH(write_file_atomically("", "data"), "cannot write : empty path");
}
