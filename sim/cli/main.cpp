// orrery: the command line. Argument parsing is CLI11's; the work is in commands.cpp.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "sim/cli/commands.hpp"

namespace {

int dispatch(int argc, char** argv) {
  CLI::App app{"Orrery: a discrete-event simulator of AI training clusters and what they cost."};
  app.set_version_flag("--version", std::string("orrery ") + ORRERY_VERSION);
  app.require_subcommand(1);
  std::vector<std::string> catalogs;
  app.add_option("--catalog", catalogs, "Extra catalog folder of JSON files (repeatable; also ORRERY_CATALOG=DIR1:DIR2)")
      ->check(CLI::ExistingDirectory);

  orrery::cli::RunArgs run_args;
  auto* run = app.add_subcommand("run", "Simulate one training step and estimate the run and its cost");
  run->add_option("scenario", run_args.scenario, "Scenario file (default: the built-in default scenario)");
  run->add_option("--json", run_args.json_out, "Write the results as JSON to FILE ('-' for stdout)");
  run->add_option("--trace", run_args.trace_out, "Write the step's timeline (Chrome trace format, opens in Perfetto) to FILE");
  run->add_option("--trace-ranks", run_args.trace_ranks,
                  "Ranks to trace: 'all' or a list like '0,8,16-23' (default: data-parallel replica 0)");
  run->add_flag("-q,--quiet", run_args.quiet, "Print no summary");

  std::vector<std::string> validate_files;
  auto* validate = app.add_subcommand("validate", "Check scenario files without simulating them");
  validate->add_option("files", validate_files, "Scenario files")->required();

  std::string list_what;
  auto* list = app.add_subcommand("list", "List catalog entries");
  list->add_option("what", list_what, "accelerators, nodes, links or models")->required()
      ->check(CLI::IsMember({"accelerators", "nodes", "links", "models"}));

  std::string show_what, show_name;
  auto* show = app.add_subcommand("show", "Show one catalog entry");
  show->add_option("what", show_what, "model, accelerator, node or link")->required()
      ->check(CLI::IsMember({"model", "accelerator", "node", "link"}));
  show->add_option("name", show_name, "Entry name (see 'orrery list')")->required();

  std::string docs_what;
  auto* docs = app.add_subcommand("docs", "Print generated documentation");
  docs->add_option("what", docs_what, "scenario-format")->required()->check(CLI::IsMember({"scenario-format"}));

  orrery::cli::CalibArgs calib_args;
  auto* calib = app.add_subcommand("calib", "Check or summarize a calibration profile written by orrery-calib run");
  calib->add_option("action", calib_args.action, "check (held-out prediction errors) or show (summary)")
      ->required()->check(CLI::IsMember({"check", "show"}));
  calib->add_option("profile", calib_args.profile, "Profile JSON file")->required();
  calib->add_option("--accelerator", calib_args.accelerator,
                    "show: catalog accelerator whose peaks to compare with (default: guessed from the profile)");

  orrery::cli::ReportArgs report_args;
  auto* report = app.add_subcommand("report", "Simulate a scenario and write its cost report (HTML, Markdown, CSV or JSON)");
  report->add_option("scenario", report_args.scenario, "Scenario file (default: the built-in default scenario)");
  report->add_option("-o,--output", report_args.out, "Output file ('-' for stdout); its extension sets the format")
      ->required();
  report->add_option("--format", report_args.format, "html, md, csv or json (default: from the output file's extension)")
      ->check(CLI::IsMember({"html", "md", "csv", "json"}));

  orrery::cli::CompareArgs compare_args;
  auto* compare = app.add_subcommand("compare", "Simulate several parallelism plans (or scenarios) and compare them side by side");
  compare->add_option("scenarios", compare_args.scenarios,
                      "Scenario file for --plan (default: the built-in default scenario), or two or more scenario files");
  compare->add_option("--plan", compare_args.plans,
                      "Parallelism overrides, e.g. \"tp=8,pp=4,micro_batch=2\" (repeatable; without dp, dp = GPUs / (tp x pp))")
      ->allow_extra_args(false);
  compare->add_option("--json", compare_args.json_out, "Write the comparison as JSON to FILE ('-' for stdout)");
  compare->add_option("--csv", compare_args.csv_out, "Write the comparison as CSV to FILE ('-' for stdout)");

  orrery::cli::CollectiveArgs collective_args;
  auto* collective = app.add_subcommand("collective", "Time one collective over a cluster at doubling sizes (like nccl-tests)");
  collective->add_option("--node", collective_args.node, "Catalog node type (see 'orrery list nodes')")
      ->capture_default_str();
  collective->add_option("--nodes", collective_args.nodes, "Number of nodes; the group is every GPU")
      ->capture_default_str();
  collective->add_option("--op", collective_args.op, "all_reduce, reduce_scatter, all_gather, all_to_all or send_recv")
      ->capture_default_str();
  collective->add_option("--sizes", collective_args.sizes, "FROM..TO in bytes, K/M/G/T = x1024 (sizes double)")
      ->capture_default_str();
  collective->add_option("--algorithm", collective_args.algorithm,
                         "automatic, ring, hierarchical, tree, nvls (all_reduce), direct or pairwise (all_to_all)")
      ->capture_default_str();
  collective->add_option("--step-overhead-us", collective_args.step_overhead_us,
                         "Protocol and launch cost per algorithm step")
      ->capture_default_str();
  collective->add_option("--calibration", collective_args.calibration,
                         "Calibration profile of the node's GPU: its NCCL rings set the NVLink's efficiency, and its "
                         "measured points (one node) print beside the model's");
  collective->add_flag("--json", collective_args.json, "Print JSON instead of the table");

  auto* help = app.add_subcommand("help", "Print this help");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (*run) return orrery::cli::run(run_args, catalogs);
  if (*validate) return orrery::cli::validate(validate_files, catalogs);
  if (*list) return orrery::cli::list(list_what, catalogs);
  if (*show) return orrery::cli::show(show_what, show_name, catalogs);
  if (*docs) return orrery::cli::docs(docs_what);
  if (*calib) return orrery::cli::calib(calib_args, catalogs);
  if (*report) return orrery::cli::report(report_args, catalogs);
  if (*collective) return orrery::cli::collective(collective_args, catalogs);
  if (*compare) return orrery::cli::compare(compare_args, catalogs);
  if (*help) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "orrery: internal error: %s\n", e.what());
    return 1;
  }
}
