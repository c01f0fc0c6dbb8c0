#pragma once
// `orrery calib show`: a readable summary of a profile. Achieved TFLOP/s of
// the square grid GEMMs by precision and size (and the fraction of the
// datasheet peak when an accelerator is given), the transformer-shape GEMMs,
// the bandwidth curves, host transfers, launch overhead and collectives.
#include <string>

#include "hardware/calibration_profile.hpp"
#include "hardware/specs.hpp"

namespace orrery {

// `peak`: the catalog accelerator to compare with, or null.
std::string render_profile_summary(const CalibrationProfile& profile, const AcceleratorSpec* peak);

}  // namespace orrery
