#include "hardware/calibration_profile.hpp"

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

}  // namespace orrery
