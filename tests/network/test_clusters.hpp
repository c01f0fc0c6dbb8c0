#pragma once
// Small clusters with round numbers, shared by the network and collectives
// tests, so that every expected value can be derived by hand:
//   scale-up (GPU <-> NVSwitch): 400 GB/s = 4e11 B/s per direction, 1 us per link
//   GPU <-> NIC (PCIe):           64 GB/s,                          1 us
//   NIC <-> leaf:                 50 GB/s (400 Gb/s),               2 us
//   switch <-> switch:            50 GB/s,                          1 us
//   + 0.5 us on every link that enters a fabric switch (leaf/spine/core)
// So: intra-node path latency 2 x 1 = 2 us; through one leaf
// 1 + (2 + 0.5) + 2 + 1 = 6.5 us; through a spine 6.5 + 2 x 1.5 = 9.5 us;
// through a core 9.5 + 2 x 1.5 = 12.5 us.
#include "hardware/cluster.hpp"

namespace orrery::test {

inline ClusterSpec make_cluster(int nodes, int gpus_per_node, int nics_per_node, int tiers, int radix,
                                double oversubscription, bool rail_optimized) {
  ClusterSpec c;
  c.nodes = nodes;
  c.node.name = "test-node";
  c.node.gpus_per_node = gpus_per_node;
  c.node.nics_per_node = nics_per_node;
  c.scale_up = LinkSpec{"nvlink", 400, 1.0, "test"};
  c.gpu_nic = LinkSpec{"pcie", 64, 1.0, "test"};
  c.nic = LinkSpec{"ndr", 50, 2.0, "test"};
  c.fabric.tiers = tiers;
  c.fabric.switch_radix = radix;
  c.fabric.oversubscription = oversubscription;
  c.fabric.rail_optimized = rail_optimized;
  c.fabric.link = LinkSpec{"ndr", 50, 1.0, "test"};
  c.fabric.switch_latency_us = 0.5;
  return c;
}

}  // namespace orrery::test
