#include "hardware/specs.hpp"

namespace orrery {

const char* to_string(Precision p) {
  switch (p) {
    case Precision::fp32: return "fp32";
    case Precision::tf32: return "tf32";
    case Precision::bf16: return "bf16";
    case Precision::fp16: return "fp16";
    case Precision::fp8: return "fp8";
  }
  return "unknown";
}

// Exact, lower-case names only, so that to_string(parse(s)) == s; the scenario
// layer reports a bad value with the allowed list.
bool parse_precision(const std::string& s, Precision& out) {
  for (Precision p : {Precision::fp32, Precision::tf32, Precision::bf16, Precision::fp16,
                      Precision::fp8}) {
    if (s == to_string(p)) {
      out = p;
      return true;
    }
  }
  return false;
}

double AcceleratorSpec::peak_tflops(Precision p) const {
  switch (p) {
    case Precision::fp32: return peak_tflops_fp32;
    case Precision::tf32: return peak_tflops_tf32;
    case Precision::bf16: return peak_tflops_bf16;
    case Precision::fp16: return peak_tflops_fp16;
    case Precision::fp8: return peak_tflops_fp8;
  }
  return 0;
}

}  // namespace orrery
