#include "reports/output_file.hpp"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace orrery {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& reason) {
  throw std::runtime_error("cannot write " + path + ": " + reason);
}

// The process umask, read without changing it (umask(2) can only set it,
// which would race with other threads creating files). Linux >= 4.7 reports
// it in /proc/self/status; elsewhere assume the common 022.
mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
  }
  return 022;
}

// Writes all of content to fd, resuming after short writes and signals.
bool write_all(int fd, const std::string& content) {
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

// Atomicity comes from rename(2) within one directory: readers see either
// the old file or the whole new one, and a crash mid-write leaves at most a
// stray .tmp-XXXXXX file, never a truncated target. There is deliberately no
// fsync: these are reproducible simulation outputs, so surviving a power
// loss is not worth the cost of syncing a trace of hundreds of megabytes.
void write_file_atomically(const std::string& path, const std::string& content) {
  if (path.empty()) fail(path, "empty path");
  std::vector<char> temp(path.begin(), path.end());
  const char suffix[] = ".tmp-XXXXXX";
  temp.insert(temp.end(), suffix, suffix + sizeof suffix);  // includes the terminating NUL
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) fail(path, std::strerror(errno));

  auto abandon = [&](int error, bool close_fd) {
    if (close_fd) ::close(fd);
    ::unlink(temp.data());
    fail(path, std::strerror(error));
  };
  // mkstemp creates the file 0600; give it the mode a plain open would.
  if (::fchmod(fd, 0666 & ~current_umask()) != 0) abandon(errno, true);
  if (!write_all(fd, content)) abandon(errno, true);
  if (::close(fd) != 0) abandon(errno, false);
  if (::rename(temp.data(), path.c_str()) != 0) abandon(errno, false);
}

}  // namespace orrery
