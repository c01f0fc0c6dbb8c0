#pragma once
// Topology: the cluster as a directed graph (Boost.Graph adjacency_list).
// Vertices: GPUs, one scale-up switch per node (NVSwitch), NICs, leaf, spine
// (and core) switches. Every physical link is full duplex and appears as two
// directed edges, each with the link's per-direction capacity. GPU g is
// node g / gpus_per_node, local index g % gpus_per_node.
//
// Routing: GPUs of one node talk through the node's scale-up switch; GPUs of
// different nodes go GPU -> NIC -> fabric -> NIC -> GPU over shortest paths
// (fewest hops). Among equal-cost paths (fabric.routing):
// - ecmp (Ethernet): a deterministic hash of (src, dst, flow key) picks one;
// - d_mod_k (InfiniBand; OpenSM's ftree engine, Zahavi et al. 2010): static
//   routing by destination only. With d = the destination NIC's global
//   down-port (leaf x radix/2 + its port on the leaf), a leaf sends up to
//   spine plane d mod S and a spine up to core (d / S) mod C. A shift
//   permutation (every NIC i sends to i + k) then puts at most one flow on
//   any link of a full fat tree: consecutive sources of one switch have
//   consecutive destinations, so distinct residues.
//
// Torus (fabric.topology "torus", TPU ICI): the chips are the only vertices;
// chip g = x + X (y + Y z) links to its +1 neighbour (with wrap-around) in
// every dimension of size >= 2, each link carrying scale_up / (2 x dims).
// Routes are dimension-ordered (x, then y, then z), each dimension the short
// way round (a tie goes +).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hardware/cluster.hpp"

namespace orrery {

using LinkId = std::uint32_t;

struct LinkInfo {
  double capacity_bytes_per_s = 0;
  double latency_s = 0;            // propagation + the switch hop this link enters
  std::string kind;                // "scale_up", "gpu_nic", "nic", "fabric", "ici" (torus) (for reports and tests)
};

class Topology {
public:
  explicit Topology(const ClusterSpec& cluster);
  ~Topology();
  Topology(Topology&&) noexcept;
  Topology& operator=(Topology&&) noexcept;

  int gpus() const;
  int gpus_per_node() const;
  // The node's scale-up switch can reduce and multicast (NVLS): node.nvls.
  bool in_switch_reduction() const;
  std::size_t link_count() const;
  const LinkInfo& link(LinkId id) const;

  // The directed links a flow from src_gpu to dst_gpu crosses, in order.
  // `flow_key` only chooses among equal-cost paths. src != dst.
  std::vector<LinkId> route(int src_gpu, int dst_gpu, std::uint64_t flow_key = 0) const;
  // Sum of the latencies along route(src, dst, key).
  double path_latency_s(int src_gpu, int dst_gpu) const;

  // --- Additions to the declared contract (all additive) ---
  // No route crosses more links than this: 8 in a fat tree
  // (GPU-NIC-leaf-spine-core-spine-leaf-NIC-GPU); in a torus of at most
  // kMaxTorusDim chips per dimension, 3 x kMaxTorusDim / 2.
  static constexpr int kMaxTorusDim = orrery::kMaxTorusDim;
  static constexpr std::size_t max_route_links = 3 * kMaxTorusDim / 2;
  // route() without allocating: writes the links into `out` (size >=
  // max_route_links) and returns how many there are.
  std::size_t route_into(int src_gpu, int dst_gpu, std::uint64_t flow_key,
                         std::span<LinkId> out) const;
  std::size_t vertex_count() const;
  // Hop count of a shortest src -> dst path found by Boost.Graph's breadth-first
  // search over the whole graph: O(V + E), for tests and debugging.
  int bfs_hops(int src_gpu, int dst_gpu) const;
  // True when `links` are edges of the graph that chain from src_gpu to dst_gpu.
  bool is_path(int src_gpu, int dst_gpu, std::span<const LinkId> links) const;

  // Graphviz DOT of the graph (for `orrery` debugging and the docs).
  std::string to_dot() const;

private:
  struct Impl;
  Impl* impl_;
};

}  // namespace orrery
