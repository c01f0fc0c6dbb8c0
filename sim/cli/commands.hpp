#pragma once
// The orrery subcommands. Each returns the process exit code:
// 0 success, 2 bad input (InputError, or a plan that does not fit), 1 a bug.
#include <string>
#include <vector>

namespace orrery::cli {

struct RunArgs {
  std::string scenario;            // empty: the built-in default
  std::string json_out;            // "-" for stdout
  std::string trace_out;
  std::string trace_ranks;         // "", "all", or "0,8,16-23"
  bool quiet = false;
};

int run(const RunArgs& args, const std::vector<std::string>& catalogs);
int validate(const std::vector<std::string>& files, const std::vector<std::string>& catalogs);
int list(const std::string& what, const std::vector<std::string>& catalogs);
int show(const std::string& what, const std::string& name, const std::vector<std::string>& catalogs);
int docs(const std::string& what);

// Parses "all" or a list of ranks and ranges ("0,8,16-23") against `ranks`.
std::vector<int> parse_rank_list(const std::string& spec, int ranks);

}  // namespace orrery::cli
