#include "hardware/calibration_profile.hpp"

#include <fmt/format.h>

namespace orrery {

const char* to_string(GemmOrigin o) {
  switch (o) {
    case GemmOrigin::grid: return "grid";
    case GemmOrigin::transformer: return "transformer";
    case GemmOrigin::attention: return "attention";
  }
  return "unknown";
}

bool parse_gemm_origin(const std::string& s, GemmOrigin& out) {
  for (GemmOrigin o : {GemmOrigin::grid, GemmOrigin::transformer, GemmOrigin::attention}) {
    if (s == to_string(o)) {
      out = o;
      return true;
    }
  }
  return false;
}

const std::vector<std::string>& memory_kernel_names() {
  // Immutable after first use.
  static const std::vector<std::string> names = {"read",    "write", "copy",   "rmsnorm",
                                                 "layernorm", "softmax", "gelu", "swiglu",
                                                 "residual_add"};
  return names;
}

std::string accelerator_mismatch(const CalibrationProfile& profile, const AcceleratorSpec& accelerator) {
  if (accelerator.sm_count <= 0 || profile.device.sm_count == accelerator.sm_count) return "";
  return fmt::format("it was measured on {} ({} SMs), and {} has {} SMs", profile.device.name,
                     profile.device.sm_count, accelerator.name, accelerator.sm_count);
}

}  // namespace orrery
