// `orrery collective`: one collective over a whole cluster of catalog nodes at
// doubling sizes, timed on the simulator, printed like nccl-tests.
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "calib/profile_json.hpp"
#include "hardware/link_calibration.hpp"
#include "sim/cli/commands.hpp"
#include "sim/collectives/collective.hpp"
#include "sim/scenario/catalog.hpp"
#include "sim/scenario/input_error.hpp"
#include "sim/scenario/limits.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/scenario/schema.hpp"

namespace orrery::cli {

namespace {

// Caps keep a typo a clear error: every flow is simulated, and a direct
// all-to-all has n(n - 1) of them.
constexpr int kMaxCollectiveGpus = 4096;
constexpr int kMaxAllToAllGpus = 512;
constexpr double kMaxSizeBytes = 1099511627776.0;  // 1 TiB

// "1024", "64K", "8M", "2G", "1T" (binary units, as nccl-tests reads -b/-e).
bool parse_size(const std::string& text, double& out) {
  if (text.empty()) return false;
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15 || text.size() > digits + 1) return false;
  double v = std::stod(text.substr(0, digits));
  if (text.size() == digits + 1) {
    const char unit = text.back();
    const std::string units = "KMGT";
    const auto at = units.find(static_cast<char>(unit >= 'a' ? unit - 'a' + 'A' : unit));
    if (at == std::string::npos) return false;
    v *= std::pow(1024.0, static_cast<double>(at + 1));
  }
  out = v;
  return true;
}

// nccl-tests' bus bandwidth factors: what each rank's busiest link carries,
// relative to the buffer, for the optimal ring algorithm.
double bus_factor(CollectiveOp op, int n) {
  switch (op) {
    case CollectiveOp::all_reduce: return 2.0 * (n - 1) / n;
    case CollectiveOp::reduce_scatter:
    case CollectiveOp::all_gather:
    case CollectiveOp::all_to_all: return static_cast<double>(n - 1) / n;
    case CollectiveOp::send_recv: return 1.0;
  }
  return 1.0;
}

std::string op_names() {
  std::string out;
  for (std::size_t i = 0; i < kCollectiveOps; ++i) {
    if (i) out += ", ";
    out += to_string(static_cast<CollectiveOp>(i));
  }
  return out;
}

struct Row {
  double bytes = 0;
  double seconds = 0;
  CollectiveAlgorithm algorithm = CollectiveAlgorithm::ring;
  const CollectivePoint* measured = nullptr;   // the profile's point of this op, rank count and size
};

// --calibration: the profile, checked against the node's GPU, and what it
// says of the scale-up link (applied to `cluster`).
struct Calibration {
  CalibrationProfile profile;
  LinkCalibration link;
};

Calibration calibrate(const std::string& file, ClusterSpec& cluster, double step_overhead_s) {
  Calibration c;
  try {
    c.profile = profile_from_json(read_json_file(file), file);
  } catch (const InputError& e) {
    throw InputError("--calibration", quoted(file), e.what(), "a profile written by orrery-calib run");
  }
  if (const std::string why = accelerator_mismatch(c.profile, cluster.accelerator); !why.empty())
    throw InputError("--calibration", quoted(file), "a profile of " + cluster.node.name + "'s GPU: " + why,
                     "measure this node's GPU with orrery-calib run");
  c.link = calibrate_scale_up_link(c.profile, cluster.scale_up, cluster.node.nvls, step_overhead_s);
  if (c.link.measured) cluster.scale_up.efficiency = c.link.efficiency;
  return c;
}

// The profile measured send_recv as a ring over all its GPUs, which is not
// the pair this command times: no comparison for it.
const CollectivePoint* measured_point(const Calibration& c, const std::string& op, int ranks, double bytes) {
  if (op == "send_recv") return nullptr;
  for (const CollectivePoint& p : c.profile.collectives.points)
    if (p.op == op && p.ranks == ranks && p.bytes == bytes) return &p;
  return nullptr;
}

struct Listener final : CollectiveListener {
  std::int64_t done_ns = -1;
  void on_collective_done(Engine& engine, std::uint64_t) override { done_ns = engine.now().ns(); }
};

}  // namespace

std::vector<double> parse_size_range(const std::string& spec) {
  const auto dots = spec.find("..");
  const std::string from_text = dots == std::string::npos ? spec : spec.substr(0, dots);
  const std::string to_text = dots == std::string::npos ? spec : spec.substr(dots + 2);
  double from = 0, to = 0;
  const std::string allowed = "FROM..TO in bytes with an optional K, M, G or T (x1024 each), 1 to 1T, FROM <= TO";
  if (!parse_size(from_text, from) || !parse_size(to_text, to) || from < 1 || to > kMaxSizeBytes || from > to)
    throw InputError("--sizes", quoted(spec), allowed, "e.g. 1K..8G (sizes double from FROM until TO)");
  std::vector<double> sizes;
  for (double s = from; s <= to; s *= 2) sizes.push_back(s);
  return sizes;
}

int collective(const CollectiveArgs& args, const std::vector<std::string>& catalogs) {
  try {
    const Catalog catalog = Catalog::load(catalogs);
    CollectiveOp op{};
    if (!parse_collective_op(args.op, op))
      throw InputError("--op", quoted(args.op), "one of " + op_names());
    CollectiveAlgorithm algorithm{};
    if (!parse_collective_algorithm(args.algorithm, algorithm) || !algorithm_fits_op(op, algorithm)) {
      std::string fits;
      for (int a = 0; a <= static_cast<int>(CollectiveAlgorithm::pairwise); ++a)
        if (algorithm_fits_op(op, static_cast<CollectiveAlgorithm>(a)))
          fits += std::string(fits.empty() ? "" : ", ") + to_string(static_cast<CollectiveAlgorithm>(a));
      throw InputError("--algorithm", quoted(args.algorithm), std::string("for ") + args.op + ": one of " + fits);
    }
    if (args.nodes < 1 || args.nodes > kMaxNodes)
      throw InputError("--nodes", std::to_string(args.nodes), fmt::format("from 1 to {}", kMaxNodes));
    const std::vector<double> sizes = parse_size_range(args.sizes);
    if (!std::isfinite(args.step_overhead_us) || args.step_overhead_us < 0 || args.step_overhead_us > 10000)
      throw InputError("--step-overhead-us", format_number(args.step_overhead_us), "a number from 0 to 10000");

    ClusterSpec cluster;
    cluster.node = catalog.node(args.node, "--node");
    cluster.accelerator = catalog.accelerator(cluster.node.accelerator);
    cluster.scale_up = catalog.link(cluster.node.scale_up_link);
    cluster.gpu_nic = catalog.link(cluster.node.gpu_nic_link);
    cluster.nic = catalog.link(cluster.node.nic_link);
    cluster.nodes = args.nodes;
    cluster.fabric.link = cluster.nic;  // the scenario default: switch links as fast as the NICs
    const int gpus = cluster.gpus();
    if (gpus > kMaxCollectiveGpus || (op == CollectiveOp::all_to_all && gpus > kMaxAllToAllGpus))
      throw InputError("--nodes", std::to_string(args.nodes),
                       fmt::format("at most {} GPUs for {} ({} has {} per node)",
                                   op == CollectiveOp::all_to_all ? kMaxAllToAllGpus : kMaxCollectiveGpus,
                                   args.op, args.node, cluster.node.gpus_per_node),
                       "every flow is simulated");
    if (gpus < 2) throw InputError("--nodes", std::to_string(args.nodes), "at least 2 GPUs in all");

    // The group: every GPU; send_recv: GPU 0 to the first GPU of the next
    // node (or GPU 1 on a single node), the path pipeline stages cross.
    std::vector<int> group;
    if (op == CollectiveOp::send_recv) {
      group = {0, args.nodes > 1 ? cluster.node.gpus_per_node : 1};
    } else {
      for (int g = 0; g < gpus; ++g) group.push_back(g);
    }
    CollectiveParams params;
    params.step_overhead_s = args.step_overhead_us * 1e-6;
    std::optional<Calibration> calibration;
    if (!args.calibration.empty()) calibration = calibrate(args.calibration, cluster, params.step_overhead_s);
    const Topology topology(cluster);
    std::vector<Row> rows;
    for (double bytes : sizes) {
      Engine engine;
      FlowNetwork network(engine, topology);
      CollectiveRunner runner(engine, network, topology, params);
      Listener done;
      runner.start(op, group, bytes, algorithm, &done, 0);
      engine.run();
      if (done.done_ns < 0) throw std::logic_error("orrery collective: the collective never completed");
      rows.push_back({bytes, static_cast<double>(done.done_ns) * 1e-9,
                      runner.resolved_algorithm(op, group, bytes, algorithm),
                      calibration ? measured_point(*calibration, args.op, static_cast<int>(group.size()), bytes)
                                  : nullptr});
    }

    const int n = static_cast<int>(group.size());
    const double factor = bus_factor(op, n);
    if (args.json) {
      nlohmann::json j = {{"node", args.node},       {"nodes", args.nodes},     {"gpus", n},
                          {"op", args.op},           {"requested_algorithm", args.algorithm},
                          {"step_overhead_us", args.step_overhead_us}, {"bus_factor", factor}};
      if (calibration) {
        const LinkCalibration& l = calibration->link;
        j["calibration"] = {{"profile", args.calibration},
                            {"scale_up_efficiency", cluster.scale_up.efficiency},
                            {"scale_up_measured", l.measured}};
        j["calibration"][l.measured ? "basis" : "reason"] = l.measured ? l.basis : l.reason;
      }
      nlohmann::json& out = j["rows"] = nlohmann::json::array();
      for (const Row& r : rows) {
        nlohmann::json row = {{"size_bytes", r.bytes},
                              {"count", std::floor(r.bytes / 4)},
                              {"time_us", r.seconds * 1e6},
                              {"algbw_gb_per_s", r.bytes / r.seconds / 1e9},
                              {"busbw_gb_per_s", r.bytes / r.seconds / 1e9 * factor},
                              {"algorithm", to_string(r.algorithm)}};
        if (r.measured) {
          row["measured_time_us"] = r.measured->time.median_us;
          row["measured_busbw_gb_per_s"] = r.measured->bus_gb_per_s;
          row["error"] = r.seconds * 1e6 / r.measured->time.median_us - 1;
        }
        out.push_back(std::move(row));
      }
      std::fputs((j.dump(2) + "\n").c_str(), stdout);
      return 0;
    }
    std::string text = fmt::format("# orrery collective: {} over {} GPUs ({} x {}), algorithm {}\n", args.op, n,
                                   args.nodes, args.node, args.algorithm);
    text += fmt::format("# busbw = algbw x {:.4f} (nccl-tests' factor); count in float32 elements; simulated, "
                        "no other traffic\n",
                        factor);
    if (calibration) {
      const LinkCalibration& l = calibration->link;
      text += l.measured ? fmt::format("# {} at {:.3f} efficiency, measured by {}: {}\n", cluster.scale_up.name,
                                       l.efficiency, args.calibration, l.basis)
                         : fmt::format("# {} at the catalog's {:.3f} efficiency ({}: {})\n", cluster.scale_up.name,
                                       cluster.scale_up.efficiency, args.calibration, l.reason);
      text += "# measured: the profile's median time and bus bandwidth at this op, GPU count and size; "
              "error = simulated / measured time - 1\n";
    }
    // With a profile the algorithm column is padded for the measured columns after it.
    const auto algorithm_column = [&](const std::string& name) {
      return calibration ? fmt::format("{:<12}", name) : name;
    };
    text += fmt::format("#{:>14} {:>14} {:>12} {:>12} {:>12}  {}", "size(B)", "count", "time(us)", "algbw(GB/s)",
                        "busbw(GB/s)", algorithm_column("algorithm"));
    text += calibration ? fmt::format("{:>12} {:>12} {:>8}\n", "meas(us)", "meas busbw", "error") : "\n";
    for (const Row& r : rows) {
      const double algbw = r.bytes / r.seconds / 1e9;
      text += fmt::format(" {:>14.0f} {:>14.0f} {:>12.2f} {:>12.2f} {:>12.2f}  {}", r.bytes, std::floor(r.bytes / 4),
                          r.seconds * 1e6, algbw, algbw * factor, algorithm_column(to_string(r.algorithm)));
      if (r.measured)
        text += fmt::format("{:>12.2f} {:>12.2f} {:>+7.1f}%", r.measured->time.median_us, r.measured->bus_gb_per_s,
                            100 * (r.seconds * 1e6 / r.measured->time.median_us - 1));
      else if (calibration)
        text += fmt::format("{:>12} {:>12} {:>8}", "-", "-", "-");
      text += "\n";
    }
    std::fputs(text.c_str(), stdout);
    return 0;
  } catch (const InputError& e) {
    return input_error(e.what());
  } catch (const std::invalid_argument& e) {
    // The topology's own checks (a node type it cannot build).
    return input_error(e.what());
  }
}

}  // namespace orrery::cli
