#pragma once
// FlowNetwork: transfers on the topology, driven by the engine. Active flows
// share link capacity by max-min fairness (MaxMinFlowModel, re-solved only
// for the flows that share links with the change). A flow of B bytes
// finishes when its last byte arrives; its listener is then called after the
// path latency.
#include <cstdint>
#include <span>

#include "sim/engine/engine.hpp"
#include "sim/network/topology.hpp"

namespace orrery {

class FlowListener {
public:
  virtual ~FlowListener() = default;
  virtual void on_flow_done(Engine& engine, std::uint64_t token) = 0;
};

class FlowNetwork final : public EventHandler {
public:
  FlowNetwork(Engine& engine, const Topology& topology);
  ~FlowNetwork() override;
  FlowNetwork(const FlowNetwork&) = delete;
  FlowNetwork& operator=(const FlowNetwork&) = delete;

  // Starts moving `bytes` from src_gpu to dst_gpu now. When the last byte has
  // arrived and the path latency has passed, calls listener->on_flow_done(token).
  // bytes == 0 completes after the latency alone.
  void start_flow(int src_gpu, int dst_gpu, double bytes, FlowListener* listener,
                  std::uint64_t token, std::uint64_t flow_key = 0);

  // A bundle: several flows of `bytes` each over link-disjoint paths that move
  // in lockstep, as the edges of a pipelined ring do (each edge can forward
  // only what it has received, so the ring runs at its slowest edge's pace).
  // Modelled as ONE max-min flow over the union of their links (`links`,
  // distinct), so it gets the rate of its most constrained edge. Uncontended
  // this equals the separate flows' timing; it costs one flow instead of n.
  // The listener is called once, `latency_s` after the last byte. A bundle of
  // one path is a plain flow over those links (start_flow after routing).
  void start_bundle(std::span<const LinkId> links, double latency_s, double bytes, FlowListener* listener,
                    std::uint64_t token);

  std::size_t active_flows() const;
  // Total bytes delivered so far (statistics).
  double bytes_delivered() const;

  void on_event(Engine& engine, std::uint32_t tag, std::uint64_t arg) override;

private:
  struct Impl;
  Impl* impl_;
};

}  // namespace orrery
