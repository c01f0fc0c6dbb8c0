#pragma once
// The cluster's sizes that the run and cost models need, computed from the
// scenario's numbers alone (the Boost graph of sim/network is not built):
// how many GPUs, NICs and fabric switches there are, and how many nodes one
// leaf switch failure takes out of the job. Sizing follows the fat tree of
// sim/network/topology.cpp (d = radix / 2 down-ports per leaf; rail-optimized:
// one leaf per rail per group of d nodes).
#include "hardware/cluster.hpp"

namespace orrery {

struct ClusterShape {
  int nodes = 0;
  int gpus = 0;
  int nics = 0;              // fabric NICs
  int nodes_per_leaf = 0;    // nodes that lose their path through one leaf switch (0: no fabric)
  int switches = 0;          // fabric switches (leaf + spine + core), an estimate for the power model
};

// `nodes`: how many nodes to size for (the job's, or the job's plus spares).
ClusterShape cluster_shape(const ClusterSpec& cluster, int nodes);

}  // namespace orrery
