#pragma once
// Writes an output file whole or not at all: the content goes to a temporary
// file beside the target, which is renamed over it only when complete.
#include <string>

namespace orrery {

// Throws std::runtime_error with the path and the OS reason on failure.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace orrery
