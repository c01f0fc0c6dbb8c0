#pragma once
// The calibration profile's JSON form, "orrery-calibration-profile/1"
// (docs/calibration.md documents every field). Reading validates everything:
// types, units and ranges, spreads (p10 <= median <= p90), duplicate points
// and unknown keys, each failure an InputError naming the file and the JSON
// path. Writing gives one point per line, keys in a fixed order, numbers that
// read back to the same doubles.
//
// Why here and not in hardware/: the physics modules hold plain structs and
// no I/O (docs/architecture.md); the profile types and the model that uses
// them are in hardware/, their file format is calib/'s, next to the program
// that writes it. InputError is sim/scenario's header-only error type, the
// one every bad input becomes.
#include <string>

#include <nlohmann/json.hpp>

#include "hardware/calibration_profile.hpp"

namespace orrery {

// `origin` (a file name) prefixes every error's path.
CalibrationProfile profile_from_json(const nlohmann::json& doc, const std::string& origin);
nlohmann::ordered_json profile_to_json(const CalibrationProfile& profile);
// The text of a profile file (ends with a newline).
std::string profile_json_text(const CalibrationProfile& profile);

}  // namespace orrery
