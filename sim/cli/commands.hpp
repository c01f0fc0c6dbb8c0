#pragma once
// The orrery subcommands. Each returns the process exit code:
// 0 success, 2 bad input (InputError, or a plan that does not fit), 1 a bug.
#include <string>
#include <vector>

#include "reports/run_report.hpp"
#include "sim/step/simulate_step.hpp"
#include "sim/collectives/collective_params.hpp"

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

// `orrery calib check|show PROFILE` (calib_command.cpp).
struct CalibArgs {
  std::string action;              // "check" or "show"
  std::string profile;             // a profile written by orrery-calib run
  std::string accelerator;         // show: catalog accelerator for the peaks ("" = guess from the profile)
};
int calib(const CalibArgs& args, const std::vector<std::string>& catalogs);

// `orrery report [SCENARIO] -o FILE [--format F]` (report_command.cpp).
struct ReportArgs {
  std::string scenario;            // empty: the built-in default
  std::string out;                 // "-" for stdout
  std::string format;              // "html", "md", "csv" or "json"; empty: from out's extension
};
int report(const ReportArgs& args, const std::vector<std::string>& catalogs);

// `orrery compare [SCENARIO...] [--plan P]... [--json F] [--csv F]` (compare_command.cpp):
// two or more plans (parallelism overrides, "tp=8,pp=4") of one scenario (the
// built-in default when none is named), or two or more scenario files.
struct CompareArgs {
  std::vector<std::string> scenarios;
  std::vector<std::string> plans;
  std::string json_out;            // "-" for stdout
  std::string csv_out;             // "-" for stdout
};
int compare(const CompareArgs& args, const std::vector<std::string>& catalogs);

// `orrery collective --node N --nodes K --op OP --sizes 1K..8G` (collective_command.cpp):
// one collective over every GPU of K catalog nodes at doubling sizes, like nccl-tests.
struct CollectiveArgs {
  std::string node = "dgx-h100";   // catalog node type
  int nodes = 1;
  std::string op = "all_reduce";
  std::string sizes = "1K..1G";    // FROM..TO, binary units
  std::string algorithm = "automatic";
  double step_overhead_us = CollectiveParams{}.step_overhead_s * 1e6;
  std::string calibration;         // a profile of the node's GPU: its NCCL rings set the NVLink's efficiency
  bool json = false;
};
int collective(const CollectiveArgs& args, const std::vector<std::string>& catalogs);
// "1K..8G" -> 1024, 2048, ..., 8 GiB; InputError (--sizes) when malformed.
std::vector<double> parse_size_range(const std::string& spec);

// The scenario simulated end to end, as `orrery run` and `orrery report` show
// it: one step of every rank, the whole run, its cost. A plan that does not
// fit in memory is not run: step.fits is false, run and cost are empty.
RunReport simulate_scenario(const Scenario& s, const StepOptions& options = {});
// The one-line verdict for a plan that does not fit, naming the worst stage.
std::string not_fit_message(const Scenario& s, const std::vector<StageMemory>& memory);
// Prints "orrery: error: MESSAGE" and returns exit code 2.
int input_error(const std::string& message);
// "-" writes to stdout; anything else is written atomically.
void write_output(const std::string& path, const std::string& content);

// Parses "all" or a list of ranks and ranges ("0,8,16-23") against `ranks`.
std::vector<int> parse_rank_list(const std::string& spec, int ranks);

}  // namespace orrery::cli
