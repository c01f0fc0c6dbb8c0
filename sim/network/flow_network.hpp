#pragma once
// FlowNetwork: transfers on the topology, driven by the engine. Active flows
// share link capacity by max-min fairness (MaxMinFlowModel, re-solved only
// for the flows that share links with the change). A flow of B bytes
// finishes when its last byte arrives; its listener is then called after the
// path latency.
#include <cstdint>

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

  std::size_t active_flows() const;
  // Total bytes delivered so far (statistics).
  double bytes_delivered() const;

  void on_event(Engine& engine, std::uint32_t tag, std::uint64_t arg) override;

private:
  struct Impl;
  Impl* impl_;
};

}  // namespace orrery
