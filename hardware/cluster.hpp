#pragma once
// A cluster: nodes of one type joined by a fabric. Plain data.
#include <string>
#include <vector>

#include "hardware/specs.hpp"

namespace orrery {

// Chips per torus dimension at most (keeps routes within Topology::max_route_links).
inline constexpr int kMaxTorusDim = 32;

struct FabricSpec {
  std::string topology = "fat_tree";  // "fat_tree" (leaf/spine[/core] Clos) or "torus" (chips joined directly)
  std::vector<int> torus_dims;        // torus: chips per dimension (1 to 3 dims), product = all GPUs
  int tiers = 2;                      // 1: one switch; 2: leaf+spine; 3: leaf+spine+core
  double oversubscription = 1.0;      // downlink:uplink bandwidth ratio at the leaf tier (>= 1)
  double spine_oversubscription = 1.0;  // the same at the spine tier, towards the cores (3 tiers; >= 1)
  int switch_radix = 64;              // ports per switch
  bool rail_optimized = true;         // NIC i of every node goes to rail i's leaf
  LinkSpec link;                      // leaf-to-spine links
  LinkSpec spine_link;                // spine-to-core links (3 tiers); bandwidth 0: as `link`
  double switch_latency_us = 0.5;     // per switch hop
  // Path choice among equal-cost paths: "ecmp", "d_mod_k", or "auto" (the
  // fabric link's own, LinkSpec::routing). See sim/network/topology.hpp.
  std::string routing = "auto";
};

struct ClusterSpec {
  NodeSpec node;
  AcceleratorSpec accelerator;
  LinkSpec scale_up;   // node.scale_up_link resolved
  LinkSpec gpu_nic;    // node.gpu_nic_link resolved
  LinkSpec nic;        // node.nic_link resolved
  int nodes = 1;
  FabricSpec fabric;
  int gpus() const { return nodes * node.gpus_per_node; }
};

}  // namespace orrery
