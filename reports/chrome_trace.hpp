#pragma once
// The step's timeline in the Chrome trace-event JSON format (Perfetto and
// chrome://tracing open it): one process per rank, one thread per stream,
// complete ("X") events with microsecond timestamps.
#include <string>

#include "sim/step/step_result.hpp"

namespace orrery {

std::string chrome_trace_json(const StepTimeline& timeline);

}  // namespace orrery
