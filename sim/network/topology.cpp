#include "sim/network/topology.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/visitors.hpp>
#include <fmt/format.h>

// How the fat tree is sized (see docs/network-model.md):
// - d = radix/2 down-ports per leaf. Rail-optimized: NIC r of node i goes to
//   leaf (i / d) * nics_per_node + r (one leaf per rail per group of d nodes);
//   otherwise NICs fill leaves in order, node by node (leaf = nic / d).
// - Every leaf has uplink bandwidth U = a * nic_bw / oversubscription, a the
//   NICs on the fullest leaf (a partly filled last leaf is cabled like the rest).
//   S = ceil(max U / fabric link bw) spine planes (at most radix/2); the leaf
//   reaches each with ONE edge of U / S: parallel cables are aggregated, so the
//   oversubscription is exact even when U is not a whole number of cables.
// - 2 tiers: S spines, every leaf to every spine (spine radix not enforced).
// - 3 tiers: pods of radix/2 leaves, S spines per pod; spine j of every pod
//   connects to the C cores of plane j with edges of D / spine_oversubscription
//   / C, D the down bandwidth of the fullest pod's spines (a partly filled last
//   pod is cabled like the rest; 1: nothing above the leaf tier is
//   oversubscribed); C counts spine_link cables.
// Vertices and edges grow linearly with GPUs; routes are computed from this
// structure in O(hops), never by a graph search.

namespace orrery {

namespace {

enum class VertexKind : std::uint8_t { gpu, scale_up_switch, nic, leaf, spine, core };

struct VertexProps {
  VertexKind kind = VertexKind::gpu;
  std::uint32_t index = 0;  // among the vertices of its kind
};
struct EdgeProps {
  LinkId link = 0;
};
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, VertexProps, EdgeProps>;
using Vertex = Graph::vertex_descriptor;

// add_vertex(props, g) goes through Boost's named-graph lookup, which GCC's
// -Wuninitialized misreads (an empty boost::optional) once inlined; adding the
// vertex and then setting its properties is the same thing without the lookup.
Vertex add_vertex(Graph& g, VertexKind kind, std::uint32_t index) {
  const Vertex v = boost::add_vertex(g);
  g[v] = VertexProps{kind, index};
  return v;
}

std::uint64_t mix64(std::uint64_t z) {  // splitmix64's finalizer
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::uint64_t ecmp_hash(int src, int dst, std::uint64_t key) {
  return mix64(mix64(mix64(static_cast<std::uint64_t>(src)) ^ static_cast<std::uint64_t>(dst)) ^ key);
}

int ceil_div(long long a, long long b) { return static_cast<int>((a + b - 1) / b); }

// Number of parallel edges (at least 1, at most max_edges) that carry
// `bandwidth` in units of `unit`; a hair of tolerance so 4.0000000001 -> 4.
int edge_count(double bandwidth, double unit, int max_edges) {
  const double n = std::ceil(bandwidth / unit - 1e-9);
  return static_cast<int>(std::clamp(n, 1.0, static_cast<double>(std::max(1, max_edges))));
}

const char* kind_name(VertexKind k) {
  switch (k) {
    case VertexKind::gpu: return "gpu";
    case VertexKind::scale_up_switch: return "nvswitch";
    case VertexKind::nic: return "nic";
    case VertexKind::leaf: return "leaf";
    case VertexKind::spine: return "spine";
    case VertexKind::core: return "core";
  }
  return "?";
}

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("Topology: " + what);
}

}  // namespace

struct Topology::Impl {
  int gpus = 0, gpus_per_node = 0, nodes = 0, nics_per_node = 0, tiers = 1;
  bool has_scale_up = false;  // more than one GPU per node
  bool nvls = false;
  bool torus = false;
  std::vector<int> dims;           // torus: chips per dimension
  std::vector<LinkId> torus_up;    // torus: chip g -> its +1 neighbour in dimension d: [g * dims + d]
  bool has_fabric = false;    // more than one node
  bool d_mod_k = false;       // destination-based up-path choice (InfiniBand), else ECMP hashing
  std::vector<std::uint32_t> dest_index;   // D-mod-K: NIC n's global down-port, leaf * radix/2 + port
  int leaves = 0, spine_planes = 0, leaves_per_pod = 1, pods = 1, cores_per_plane = 0;
  Vertex nvs_base = 0, nic_base = 0, leaf_base = 0, spine_base = 0, core_base = 0;

  Graph graph;
  std::vector<LinkInfo> links;
  std::vector<std::uint32_t> link_from, link_to;
  // Structural indices. Every physical link is a pair of ids: the first goes
  // up (towards the fabric's top), id + 1 comes back down.
  std::vector<LinkId> gpu_up;      // GPU g -> its scale-up switch
  std::vector<LinkId> gpu_nic;     // GPU g -> its NIC
  std::vector<LinkId> nic_up;      // NIC n -> its leaf
  std::vector<LinkId> leaf_up;     // leaf l -> spine plane j: [l * S + j]
  std::vector<LinkId> spine_up;    // spine (pod p, plane j) -> core c of plane j: [(p * S + j) * C + c]
  std::vector<std::uint32_t> leaf_of_nic;

  LinkId add_pair(Vertex u, Vertex v, double capacity, double latency_up_s, double latency_down_s,
                  const char* kind) {
    const auto id = static_cast<LinkId>(links.size());
    links.push_back(LinkInfo{capacity, latency_up_s, kind});
    links.push_back(LinkInfo{capacity, latency_down_s, kind});
    link_from.push_back(static_cast<std::uint32_t>(u));
    link_to.push_back(static_cast<std::uint32_t>(v));
    link_from.push_back(static_cast<std::uint32_t>(v));
    link_to.push_back(static_cast<std::uint32_t>(u));
    boost::add_edge(u, v, EdgeProps{id}, graph);
    boost::add_edge(v, u, EdgeProps{id + 1}, graph);
    return id;
  }

  int nic_of_gpu(int g) const {
    const int node = g / gpus_per_node, local = g % gpus_per_node;
    return node * nics_per_node + local * nics_per_node / gpus_per_node;
  }

  void check_pair(int src, int dst) const {
    if (src < 0 || src >= gpus || dst < 0 || dst >= gpus)
      throw std::out_of_range(fmt::format("Topology: GPU pair ({}, {}) outside 0..{}", src, dst, gpus - 1));
    if (src == dst) throw std::invalid_argument(fmt::format("Topology: no route from GPU {} to itself", src));
  }

  // Dimension-order routing, each dimension the short way round.
  std::size_t torus_route(int src, int dst, LinkId* out) const {
    std::size_t n = 0;
    const auto D = dims.size();
    int stride = 1, cur = src;
    for (std::size_t d = 0; d < D; ++d) {
      const int size = dims[d];
      const int from = (cur / stride) % size, to = (dst / stride) % size;
      const int forward = ((to - from) % size + size) % size;
      if (forward <= size / 2) {
        for (int k = 0, c = from; k < forward; ++k, c = (c + 1) % size) {
          out[n++] = torus_up[static_cast<std::size_t>(cur) * D + d];
          cur += ((c + 1) % size - c) * stride;
        }
      } else {
        for (int k = 0, c = from; k < size - forward; ++k, c = (c + size - 1) % size) {
          const int prev = cur + ((c + size - 1) % size - c) * stride;
          out[n++] = torus_up[static_cast<std::size_t>(prev) * D + d] + 1;  // prev's + link, walked backwards
          cur = prev;
        }
      }
      stride *= size;
    }
    return n;
  }

  // Up to the lowest common ancestor tier, then down: O(hops).
  std::size_t route_links(int src, int dst, std::uint64_t key, LinkId* out) const {
    check_pair(src, dst);
    if (torus) return torus_route(src, dst, out);
    const int src_node = src / gpus_per_node, dst_node = dst / gpus_per_node;
    if (src_node == dst_node) {
      out[0] = gpu_up[static_cast<std::size_t>(src)];
      out[1] = gpu_up[static_cast<std::size_t>(dst)] + 1;
      return 2;
    }
    const auto src_nic = static_cast<std::size_t>(nic_of_gpu(src));
    const auto dst_nic = static_cast<std::size_t>(nic_of_gpu(dst));
    std::size_t n = 0;
    out[n++] = gpu_nic[static_cast<std::size_t>(src)];
    out[n++] = nic_up[src_nic];
    const std::size_t src_leaf = leaf_of_nic[src_nic], dst_leaf = leaf_of_nic[dst_nic];
    if (src_leaf != dst_leaf) {
      const auto planes = static_cast<std::size_t>(spine_planes);
      const auto cores = static_cast<std::size_t>(std::max(1, cores_per_plane));
      // D-mod-K: the plane is the destination's index mod S and the core the
      // next digit, (d / S) mod C: what the subnet manager writes into every
      // switch's forwarding table, independent of the source and the flow.
      const std::uint64_t h = d_mod_k ? 0 : ecmp_hash(src, dst, key);
      const std::size_t d = d_mod_k ? dest_index[dst_nic] : 0;
      const std::size_t j = d_mod_k ? d % planes : h % planes;
      const std::size_t src_pod = src_leaf / static_cast<std::size_t>(leaves_per_pod);
      const std::size_t dst_pod = dst_leaf / static_cast<std::size_t>(leaves_per_pod);
      out[n++] = leaf_up[src_leaf * planes + j];
      if (src_pod != dst_pod) {
        const std::size_t c = d_mod_k ? (d / planes) % cores : (h >> 32) % cores;
        out[n++] = spine_up[(src_pod * planes + j) * cores + c];
        out[n++] = spine_up[(dst_pod * planes + j) * cores + c] + 1;
      }
      out[n++] = leaf_up[dst_leaf * planes + j] + 1;
    }
    out[n++] = nic_up[dst_nic] + 1;
    out[n++] = gpu_nic[static_cast<std::size_t>(dst)] + 1;
    return n;
  }

  Vertex gpu_vertex(int g) const { return static_cast<Vertex>(g); }
  std::string vertex_name(Vertex v) const {
    const VertexProps& p = graph[v];
    return fmt::format("{}{}", kind_name(p.kind), p.index);
  }
};

Topology::Topology(const ClusterSpec& cluster) : impl_(new Impl) {
  Impl& t = *impl_;
  const FabricSpec& fabric = cluster.fabric;
  try {
    require(cluster.nodes >= 1, fmt::format("cluster.nodes must be >= 1, got {}", cluster.nodes));
    require(cluster.node.gpus_per_node >= 1,
            fmt::format("node.gpus_per_node must be >= 1, got {}", cluster.node.gpus_per_node));
    t.nodes = cluster.nodes;
    t.gpus_per_node = cluster.node.gpus_per_node;
    t.gpus = cluster.gpus();
    if (fabric.topology == "torus") {
      t.torus = true;
      t.dims = fabric.torus_dims;
      long long product = 1;
      for (int d : t.dims) {
        require(d >= 1 && d <= kMaxTorusDim,
                fmt::format("fabric.torus_dims: every dimension must be 1 to {}, got {}", kMaxTorusDim, d));
        product *= d;
      }
      require(!t.dims.empty() && t.dims.size() <= 3,
              fmt::format("fabric.torus_dims needs 1 to 3 dimensions, got {}", t.dims.size()));
      require(product == t.gpus, fmt::format("fabric.torus_dims hold {} chips but the cluster has {} GPUs",
                                             product, t.gpus));
      require(cluster.scale_up.bandwidth_gb_per_s > 0,
              fmt::format("scale-up link '{}' needs a bandwidth > 0", cluster.scale_up.name));
      const auto D = t.dims.size();
      const double bw = cluster.scale_up.achievable_bytes_per_s() / (2.0 * static_cast<double>(D));
      const double lat = cluster.scale_up.latency_us * 1e-6;
      for (int g = 0; g < t.gpus; ++g) add_vertex(t.graph, VertexKind::gpu, static_cast<std::uint32_t>(g));
      t.torus_up.assign(static_cast<std::size_t>(t.gpus) * D, 0);
      int stride = 1;
      for (std::size_t d = 0; d < D; ++d) {
        const int size = t.dims[d];
        for (int g = 0; g < t.gpus; ++g) {
          if (size < 2) continue;
          const int c = (g / stride) % size;
          const int next = g + ((c + 1) % size - c) * stride;
          t.torus_up[static_cast<std::size_t>(g) * D + d] =
              t.add_pair(t.gpu_vertex(g), t.gpu_vertex(next), bw, lat, lat, "ici");
        }
        stride *= size;
      }
      return;
    }
    t.has_scale_up = t.gpus_per_node > 1;
    t.nvls = t.has_scale_up && cluster.node.nvls;
    t.has_fabric = t.nodes > 1;
    if (t.has_scale_up)
      require(cluster.scale_up.bandwidth_gb_per_s > 0,
              fmt::format("scale-up link '{}' needs a bandwidth > 0", cluster.scale_up.name));
    if (t.has_fabric) {
      t.nics_per_node = cluster.node.nics_per_node;
      require(t.nics_per_node >= 1,
              fmt::format("node.nics_per_node must be >= 1 with several nodes, got {}", t.nics_per_node));
      require(cluster.gpu_nic.bandwidth_gb_per_s > 0,
              fmt::format("GPU-NIC link '{}' needs a bandwidth > 0", cluster.gpu_nic.name));
      require(cluster.nic.bandwidth_gb_per_s > 0,
              fmt::format("NIC link '{}' needs a bandwidth > 0", cluster.nic.name));
      require(fabric.topology == "fat_tree",
              fmt::format("fabric.topology '{}' is not supported; use \"fat_tree\" or \"torus\"", fabric.topology));
      require(fabric.tiers >= 1 && fabric.tiers <= 3,
              fmt::format("fabric.tiers must be 1, 2 or 3, got {}", fabric.tiers));
      require(fabric.oversubscription >= 1 && std::isfinite(fabric.oversubscription),
              fmt::format("fabric.oversubscription must be >= 1, got {}", fabric.oversubscription));
      require(fabric.switch_radix >= 2,
              fmt::format("fabric.switch_radix must be >= 2, got {}", fabric.switch_radix));
      require(fabric.link.bandwidth_gb_per_s >= 0, "fabric.link bandwidth must be >= 0");
      require(fabric.spine_oversubscription >= 1 && std::isfinite(fabric.spine_oversubscription),
              fmt::format("fabric.spine_oversubscription must be >= 1, got {}", fabric.spine_oversubscription));
      require(fabric.spine_link.bandwidth_gb_per_s >= 0, "fabric.spine_link bandwidth must be >= 0");
      t.tiers = fabric.tiers;
      const std::string& routing = fabric.routing == "auto" ? fabric.link.routing : fabric.routing;
      require(routing == "ecmp" || routing == "d_mod_k",
              fmt::format("fabric.routing '{}' (fabric link '{}') is not supported; use \"ecmp\", \"d_mod_k\" or "
                          "\"auto\"",
                          routing, fabric.link.name));
      t.d_mod_k = routing == "d_mod_k";
    }

    const double us = 1e-6;
    const double switch_s = fabric.switch_latency_us * us;
    const double nic_bw = cluster.nic.achievable_bytes_per_s();
    const double fabric_bw = fabric.link.bandwidth_gb_per_s > 0 ? fabric.link.achievable_bytes_per_s() : nic_bw;
    const LinkSpec& spine_link = fabric.spine_link.bandwidth_gb_per_s > 0 ? fabric.spine_link : fabric.link;
    const double spine_bw = spine_link.bandwidth_gb_per_s > 0 ? spine_link.achievable_bytes_per_s() : fabric_bw;
    const int half_radix = std::max(1, fabric.switch_radix / 2);
    const int total_nics = t.nodes * t.nics_per_node;

    // Fabric shape (leaves, planes, pods, cores) before any vertex exists.
    std::vector<int> attached;
    std::vector<double> leaf_up_bw;
    if (t.has_fabric) {
      t.leaf_of_nic.resize(static_cast<std::size_t>(total_nics));
      if (t.tiers == 1) {
        t.leaves = 1;  // one big switch; the radix is ignored
      } else if (fabric.rail_optimized) {
        t.leaves = ceil_div(t.nodes, half_radix) * t.nics_per_node;
        for (int n = 0; n < total_nics; ++n)
          t.leaf_of_nic[static_cast<std::size_t>(n)] = static_cast<std::uint32_t>(
              (n / t.nics_per_node) / half_radix * t.nics_per_node + n % t.nics_per_node);
      } else {
        t.leaves = ceil_div(total_nics, half_radix);
        for (int n = 0; n < total_nics; ++n)
          t.leaf_of_nic[static_cast<std::size_t>(n)] = static_cast<std::uint32_t>(n / half_radix);
      }
      attached.assign(static_cast<std::size_t>(t.leaves), 0);
      // A NIC's down-port on its leaf is its order among the leaf's NICs (before ++).
      t.dest_index.resize(static_cast<std::size_t>(total_nics));
      for (std::size_t n = 0; n < t.leaf_of_nic.size(); ++n) {
        const std::uint32_t l = t.leaf_of_nic[n];
        t.dest_index[n] = l * static_cast<std::uint32_t>(half_radix) + static_cast<std::uint32_t>(attached[l]);
        ++attached[l];
      }
      if (t.tiers >= 2) {
        // Every leaf is cabled like the fullest one: the job's last, partly
        // filled leaf has as many uplinks as its siblings. (Sized by its own
        // NICs, its per-plane edges would be thinner than a cable, and a
        // D-mod-K route, which takes one plane, would crawl through them.)
        const int fullest = *std::max_element(attached.begin(), attached.end());
        const double max_up = fullest * nic_bw / fabric.oversubscription;
        leaf_up_bw.assign(attached.size(), max_up);
        t.spine_planes = edge_count(max_up, fabric_bw, half_radix);
        t.leaves_per_pod = t.tiers == 3 ? half_radix : t.leaves;
        t.pods = ceil_div(t.leaves, t.leaves_per_pod);
      }
    }
    const int spines = t.spine_planes * t.pods;

    // Spine down bandwidth sizes the cores (3 tiers).
    std::vector<double> spine_down_bw;
    if (t.tiers == 3) {
      spine_down_bw.assign(static_cast<std::size_t>(spines), 0.0);
      for (int l = 0; l < t.leaves; ++l)
        for (int j = 0; j < t.spine_planes; ++j)
          spine_down_bw[static_cast<std::size_t>((l / t.leaves_per_pod) * t.spine_planes + j)] +=
              leaf_up_bw[static_cast<std::size_t>(l)] / t.spine_planes;
      // Like the leaves, every spine is cabled like the fullest one: a partly
      // filled last pod's spines have as many core uplinks as the others.
      const double max_down = *std::max_element(spine_down_bw.begin(), spine_down_bw.end());
      spine_down_bw.assign(spine_down_bw.size(), max_down);
      t.cores_per_plane = edge_count(max_down / fabric.spine_oversubscription, spine_bw, half_radix);
    }
    const int cores = t.spine_planes * t.cores_per_plane;

    // Vertices: GPUs, scale-up switches, NICs, leaves, spines, cores.
    const std::size_t nvs_count = t.has_scale_up ? static_cast<std::size_t>(t.nodes) : 0;
    t.nvs_base = static_cast<Vertex>(t.gpus);
    t.nic_base = t.nvs_base + nvs_count;
    t.leaf_base = t.nic_base + static_cast<std::size_t>(total_nics);
    t.spine_base = t.leaf_base + static_cast<std::size_t>(t.leaves);
    t.core_base = t.spine_base + static_cast<std::size_t>(spines);
    // Added in this order, so vertex ids are base + index (vecS storage).
    const auto add_vertices = [&](std::size_t count, VertexKind kind) {
      for (std::size_t i = 0; i < count; ++i) add_vertex(t.graph, kind, static_cast<std::uint32_t>(i));
    };
    add_vertices(static_cast<std::size_t>(t.gpus), VertexKind::gpu);
    add_vertices(nvs_count, VertexKind::scale_up_switch);
    add_vertices(static_cast<std::size_t>(total_nics), VertexKind::nic);
    add_vertices(static_cast<std::size_t>(t.leaves), VertexKind::leaf);
    add_vertices(static_cast<std::size_t>(spines), VertexKind::spine);
    add_vertices(static_cast<std::size_t>(cores), VertexKind::core);
    if (boost::num_vertices(t.graph) != t.core_base + static_cast<std::size_t>(cores))
      throw std::logic_error("Topology: vertex layout mismatch");

    std::size_t pairs = 0;
    if (t.has_scale_up) pairs += static_cast<std::size_t>(t.gpus);
    if (t.has_fabric)
      pairs += static_cast<std::size_t>(t.gpus) + static_cast<std::size_t>(total_nics) +
               static_cast<std::size_t>(t.leaves) * static_cast<std::size_t>(t.spine_planes) +
               static_cast<std::size_t>(spines) * static_cast<std::size_t>(t.cores_per_plane);
    t.links.reserve(2 * pairs);
    t.link_from.reserve(2 * pairs);
    t.link_to.reserve(2 * pairs);

    // Edges. Latency of a link = its LinkSpec latency + switch_latency_us when
    // it enters a fabric switch (leaf, spine, core).
    if (t.has_scale_up) {
      const double bw = cluster.scale_up.achievable_bytes_per_s(), lat = cluster.scale_up.latency_us * us;
      t.gpu_up.resize(static_cast<std::size_t>(t.gpus));
      for (int g = 0; g < t.gpus; ++g)
        t.gpu_up[static_cast<std::size_t>(g)] =
            t.add_pair(t.gpu_vertex(g), t.nvs_base + static_cast<std::size_t>(g / t.gpus_per_node), bw, lat,
                       lat, "scale_up");
    }
    if (t.has_fabric) {
      const double pcie_bw = cluster.gpu_nic.achievable_bytes_per_s(), pcie_lat = cluster.gpu_nic.latency_us * us;
      t.gpu_nic.resize(static_cast<std::size_t>(t.gpus));
      for (int g = 0; g < t.gpus; ++g)
        t.gpu_nic[static_cast<std::size_t>(g)] =
            t.add_pair(t.gpu_vertex(g), t.nic_base + static_cast<std::size_t>(t.nic_of_gpu(g)), pcie_bw, pcie_lat,
                       pcie_lat, "gpu_nic");
      const double nic_lat = cluster.nic.latency_us * us;
      t.nic_up.resize(static_cast<std::size_t>(total_nics));
      for (int n = 0; n < total_nics; ++n)
        t.nic_up[static_cast<std::size_t>(n)] =
            t.add_pair(t.nic_base + static_cast<std::size_t>(n), t.leaf_base + t.leaf_of_nic[static_cast<std::size_t>(n)],
                       nic_bw, nic_lat + switch_s, nic_lat, "nic");
      const double fabric_lat = fabric.link.latency_us * us + switch_s;
      if (t.tiers >= 2) {
        const auto planes = static_cast<std::size_t>(t.spine_planes);
        t.leaf_up.resize(static_cast<std::size_t>(t.leaves) * planes);
        for (std::size_t l = 0; l < static_cast<std::size_t>(t.leaves); ++l)
          for (std::size_t j = 0; j < planes; ++j) {
            const std::size_t spine = (l / static_cast<std::size_t>(t.leaves_per_pod)) * planes + j;
            t.leaf_up[l * planes + j] = t.add_pair(t.leaf_base + l, t.spine_base + spine,
                                                   leaf_up_bw[l] / t.spine_planes, fabric_lat, fabric_lat, "fabric");
          }
      }
      if (t.tiers == 3) {
        const double spine_lat = spine_link.latency_us * us + switch_s;
        const auto planes = static_cast<std::size_t>(t.spine_planes);
        const auto per_plane = static_cast<std::size_t>(t.cores_per_plane);
        t.spine_up.resize(static_cast<std::size_t>(spines) * per_plane);
        for (std::size_t s = 0; s < static_cast<std::size_t>(spines); ++s)
          for (std::size_t c = 0; c < per_plane; ++c) {
            const std::size_t core = (s % planes) * per_plane + c;
            t.spine_up[s * per_plane + c] =
                t.add_pair(t.spine_base + s, t.core_base + core,
                           spine_down_bw[s] / fabric.spine_oversubscription / t.cores_per_plane, spine_lat,
                           spine_lat, "fabric");
          }
      }
    }
  } catch (...) {
    delete impl_;
    throw;
  }
}

Topology::~Topology() { delete impl_; }
Topology::Topology(Topology&& other) noexcept : impl_(other.impl_) { other.impl_ = nullptr; }
Topology& Topology::operator=(Topology&& other) noexcept {
  if (this != &other) {
    delete impl_;
    impl_ = other.impl_;
    other.impl_ = nullptr;
  }
  return *this;
}

int Topology::gpus() const { return impl_->gpus; }
int Topology::gpus_per_node() const { return impl_->gpus_per_node; }
bool Topology::in_switch_reduction() const { return impl_->nvls; }
std::size_t Topology::link_count() const { return impl_->links.size(); }
std::size_t Topology::vertex_count() const { return boost::num_vertices(impl_->graph); }

const LinkInfo& Topology::link(LinkId id) const {
  if (id >= impl_->links.size()) throw std::out_of_range(fmt::format("Topology: no link {}", id));
  return impl_->links[id];
}

std::vector<LinkId> Topology::route(int src_gpu, int dst_gpu, std::uint64_t flow_key) const {
  LinkId buffer[max_route_links];
  const std::size_t n = impl_->route_links(src_gpu, dst_gpu, flow_key, buffer);
  return std::vector<LinkId>(buffer, buffer + n);
}

std::size_t Topology::route_into(int src_gpu, int dst_gpu, std::uint64_t flow_key, std::span<LinkId> out) const {
  if (out.size() < max_route_links) throw std::invalid_argument("Topology::route_into: buffer smaller than max_route_links");
  return impl_->route_links(src_gpu, dst_gpu, flow_key, out.data());
}

double Topology::path_latency_s(int src_gpu, int dst_gpu) const {
  LinkId buffer[max_route_links];
  const std::size_t n = impl_->route_links(src_gpu, dst_gpu, 0, buffer);
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += impl_->links[buffer[i]].latency_s;
  return sum;
}

int Topology::bfs_hops(int src_gpu, int dst_gpu) const {
  impl_->check_pair(src_gpu, dst_gpu);
  const Graph& g = impl_->graph;
  constexpr int unreached = std::numeric_limits<int>::max();
  std::vector<int> distance(boost::num_vertices(g), unreached);
  distance[static_cast<std::size_t>(src_gpu)] = 0;
  auto distance_map = boost::make_iterator_property_map(distance.begin(), boost::get(boost::vertex_index, g));
  boost::breadth_first_search(
      g, impl_->gpu_vertex(src_gpu),
      boost::visitor(boost::make_bfs_visitor(boost::record_distances(distance_map, boost::on_tree_edge()))));
  const int d = distance[static_cast<std::size_t>(dst_gpu)];
  return d == unreached ? -1 : d;
}

bool Topology::is_path(int src_gpu, int dst_gpu, std::span<const LinkId> links) const {
  const Impl& t = *impl_;
  if (links.empty() || src_gpu < 0 || src_gpu >= t.gpus || dst_gpu < 0 || dst_gpu >= t.gpus) return false;
  Vertex at = t.gpu_vertex(src_gpu);
  for (LinkId id : links) {
    if (id >= t.links.size() || t.link_from[id] != at) return false;
    // Among the out-edges (a torus dimension of 2 has parallel edges).
    bool found = false;
    for (auto [e, end] = boost::out_edges(at, t.graph); e != end && !found; ++e)
      found = boost::target(*e, t.graph) == t.link_to[id] && t.graph[*e].link == id;
    if (!found) return false;
    at = t.link_to[id];
  }
  return at == t.gpu_vertex(dst_gpu);
}

std::string Topology::to_dot() const {
  const Impl& t = *impl_;
  std::string out = "graph orrery {\n  node [shape=box, fontsize=10];\n";
  for (Vertex v = 0; v < boost::num_vertices(t.graph); ++v)
    out += fmt::format("  {};\n", t.vertex_name(v));
  // One undirected edge per full-duplex pair (ids 2k and 2k + 1).
  for (std::size_t id = 0; id < t.links.size(); id += 2)
    out += fmt::format("  {} -- {} [label=\"{:g} GB/s\"];\n", t.vertex_name(t.link_from[id]),
                       t.vertex_name(t.link_to[id]), t.links[id].capacity_bytes_per_s / 1e9);
  out += "}\n";
  return out;
}

}  // namespace orrery
