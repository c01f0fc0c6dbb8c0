// Precision names, element sizes and the per-precision peak accessor.
#include <catch2/catch.hpp>

#include <string>

#include "hardware/specs.hpp"

using orrery::Precision;

namespace {
constexpr Precision kAll[] = {Precision::fp32, Precision::tf32, Precision::bf16, Precision::fp16,
                              Precision::fp8};
}

TEST_CASE("to_string and parse_precision round-trip every precision") {
  CHECK(std::string(orrery::to_string(Precision::fp32)) == "fp32");
  CHECK(std::string(orrery::to_string(Precision::tf32)) == "tf32");
  CHECK(std::string(orrery::to_string(Precision::bf16)) == "bf16");
  CHECK(std::string(orrery::to_string(Precision::fp16)) == "fp16");
  CHECK(std::string(orrery::to_string(Precision::fp8)) == "fp8");
  for (Precision p : kAll) {
    Precision parsed = p == Precision::fp32 ? Precision::fp8 : Precision::fp32;  // not p
    REQUIRE(orrery::parse_precision(orrery::to_string(p), parsed));
    CHECK(parsed == p);
  }
}

TEST_CASE("parse_precision rejects unknown names and leaves its output untouched") {
  Precision out = Precision::tf32;
  for (const char* bad : {"", "BF16", "bf 16", "fp64", "int8", "float32", "fp8 "}) {
    CHECK_FALSE(orrery::parse_precision(bad, out));
    CHECK(out == Precision::tf32);
  }
}

TEST_CASE("bytes_per_element: 4 for fp32/tf32 (tf32 is stored as fp32), 2 for 16-bit, 1 for fp8") {
  CHECK(orrery::bytes_per_element(Precision::fp32) == 4);
  CHECK(orrery::bytes_per_element(Precision::tf32) == 4);
  CHECK(orrery::bytes_per_element(Precision::bf16) == 2);
  CHECK(orrery::bytes_per_element(Precision::fp16) == 2);
  CHECK(orrery::bytes_per_element(Precision::fp8) == 1);
}

TEST_CASE("AcceleratorSpec::peak_tflops returns the field of that precision, 0 when unsupported") {
  orrery::AcceleratorSpec a;
  a.peak_tflops_fp32 = 1;
  a.peak_tflops_tf32 = 2;
  a.peak_tflops_bf16 = 3;
  a.peak_tflops_fp16 = 4;
  CHECK(a.peak_tflops(Precision::fp32) == 1);
  CHECK(a.peak_tflops(Precision::tf32) == 2);
  CHECK(a.peak_tflops(Precision::bf16) == 3);
  CHECK(a.peak_tflops(Precision::fp16) == 4);
  CHECK(a.peak_tflops(Precision::fp8) == 0);  // the accessor does no fallback: DeviceModel does
}
