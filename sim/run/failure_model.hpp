#pragma once
// Failure causes, their presets, and what each does to the job.
//
// A cause has a rate per component-hour; the job's rate is that times the
// number of such components in the job. What one failure takes out of the job
// (its blast radius): a GPU-, NIC-, host- or power-class failure takes its
// node; a switch/cable failure takes every node on that leaf switch; a
// software failure takes no node (restart only). Presets and their
// derivations: docs/run-model.md.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/run/cluster_shape.hpp"
#include "sim/scenario/scenario.hpp"

namespace orrery {

enum class FailureComponent { gpu, nic, node };

struct FailureCauseInfo {
  const char* name;              // "gpu", "hbm", ... (the scenario's keys)
  FailureComponent per;          // what the rate is counted per
  bool takes_node;               // false: restart only (software)
  bool whole_leaf;               // true: the blast radius is a leaf switch's nodes
};

// The nine causes a preset sets, in a fixed order (stream ids and report order).
const std::vector<FailureCauseInfo>& failure_causes();
// Spot preemption: the tenth cause, only with cost.pricing "spot".
const FailureCauseInfo& preemption_cause();

// Preset names (the scenario schema declares the same list; a test checks).
const std::vector<std::string>& failure_preset_names();
// Rates of a preset, per cause, in failures per million component-hours.
// Throws std::invalid_argument for an unknown name.
std::map<std::string, double> failure_preset_rates(const std::string& preset);

// One cause as it applies to this job.
struct JobFailureCause {
  std::string name;
  double rate_per_million_hours = 0;  // per component
  double components = 0;              // in the job
  double rate_per_s = 0;              // whole job: rate x components
  int blast_nodes = 0;                // nodes a failure takes out of the job (0: restart only)
  std::optional<double> detection_s;  // recovery.detection_s_by_cause; none: the plan's detection_s
};

// Every cause (the nine, then preemption), with the scenario's preset,
// overrides, spot rate and per-cause detection times applied.
std::vector<JobFailureCause> job_failure_causes(const Scenario& s, const ClusterShape& job);

}  // namespace orrery
