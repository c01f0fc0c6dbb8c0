#include "sim/run/cluster_shape.hpp"

#include <algorithm>
#include <cmath>

namespace orrery {

namespace {

int ceil_div(long long a, long long b) { return static_cast<int>((a + b - 1) / b); }

}  // namespace

ClusterShape cluster_shape(const ClusterSpec& cluster, int nodes) {
  ClusterShape s;
  s.nodes = nodes;
  s.gpus = nodes * cluster.node.gpus_per_node;
  const int nics_per_node = cluster.node.nics_per_node;
  s.nics = nodes * nics_per_node;
  if (nodes <= 1) return s;  // one node: no fabric to fail or to power

  const FabricSpec& f = cluster.fabric;
  const int radix = std::max(2, f.switch_radix);
  const int half = radix / 2;
  if (f.tiers == 1) {
    s.nodes_per_leaf = nodes;  // one switch: everything hangs on it
    s.switches = 1;
    return s;
  }
  int leaves = 0, attached = 0;  // attached: NICs on the fullest leaf
  if (f.rail_optimized) {
    leaves = ceil_div(nodes, half) * nics_per_node;
    attached = std::min(nodes, half);
    s.nodes_per_leaf = attached;  // every node of its group loses that rail
  } else {
    leaves = ceil_div(s.nics, half);
    attached = std::min(s.nics, half);
    // A node's NICs fill leaves in order; a leaf carries NICs of about
    // half / nics_per_node nodes (at least one node).
    s.nodes_per_leaf = std::max(1, std::min(nodes, ceil_div(half, nics_per_node)));
  }
  // Uplink cables per leaf: its attached NIC bandwidth over the
  // oversubscription, in fabric links.
  const double nic_bw = cluster.nic.bandwidth_gb_per_s;
  const double link_bw = f.link.bandwidth_gb_per_s > 0 ? f.link.bandwidth_gb_per_s : nic_bw;
  const double up_cables = link_bw > 0 ? std::ceil(attached * nic_bw / f.oversubscription / link_bw - 1e-9) : 0;
  const double uplinks = leaves * std::max(1.0, up_cables);
  int spines = 0, cores = 0;
  if (f.tiers == 2) {
    spines = static_cast<int>(std::ceil(uplinks / radix));      // all spine ports face down
  } else {
    spines = static_cast<int>(std::ceil(uplinks / half));       // half down, half up
    cores = static_cast<int>(std::ceil(spines * static_cast<double>(half) / radix));
  }
  s.switches = leaves + spines + cores;
  return s;
}

}  // namespace orrery
