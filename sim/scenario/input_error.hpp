#pragma once
// InputError: what every bad input becomes. It names the JSON path, the
// offending value, what is allowed and a hint, and the CLI turns it into
// exit code 2. Nothing that a user can type should surface as any other error.
#include <stdexcept>
#include <string>

namespace orrery {

class InputError : public std::runtime_error {
public:
  InputError(std::string path, std::string value, std::string allowed, std::string hint = {})
      : std::runtime_error(format(path, value, allowed, hint)),
        path_(std::move(path)), value_(std::move(value)), allowed_(std::move(allowed)), hint_(std::move(hint)) {}
  const std::string& path() const { return path_; }
  const std::string& value() const { return value_; }
  const std::string& allowed() const { return allowed_; }
  const std::string& hint() const { return hint_; }

private:
  static std::string format(const std::string& path, const std::string& value,
                            const std::string& allowed, const std::string& hint) {
    std::string m = path.empty() ? std::string("input") : path;
    if (!value.empty()) m += ": " + value;
    if (!allowed.empty()) m += " — " + allowed;
    if (!hint.empty()) m += " (hint: " + hint + ")";
    return m;
  }
  std::string path_, value_, allowed_, hint_;
};

}  // namespace orrery
