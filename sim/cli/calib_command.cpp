// `orrery calib check | show PROFILE`: how well the calibrated device model
// reproduces a measured profile, and a readable summary of one. Profiles are
// written by orrery-calib (calib/README.md).
#include <algorithm>
#include <cctype>
#include <cstdio>

#include <fmt/format.h>

#include "calib/profile_check.hpp"
#include "calib/profile_json.hpp"
#include "calib/profile_summary.hpp"
#include "sim/cli/commands.hpp"
#include "sim/scenario/catalog.hpp"
#include "sim/scenario/input_error.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace orrery::cli {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The catalog accelerator a profile was measured on, when exactly one entry
// has its SM count and the first word of its name ("h100" of "h100-sxm") in
// the driver's device name.
const AcceleratorSpec* guess_accelerator(const CalibrationProfile& p, const Catalog& catalog) {
  const std::string device = lower(p.device.name);
  const AcceleratorSpec* found = nullptr;
  for (const std::string& name : catalog.names("accelerators")) {
    const AcceleratorSpec& acc = catalog.accelerator(name);
    const std::string word = lower(name.substr(0, name.find('-')));
    if (acc.sm_count != p.device.sm_count || word.empty() || device.find(word) == std::string::npos) continue;
    if (found) return nullptr;   // ambiguous
    found = &acc;
  }
  return found;
}

}  // namespace

int calib(const CalibArgs& args, const std::vector<std::string>& catalogs) {
  try {
    const CalibrationProfile profile = profile_from_json(read_json_file(args.profile), args.profile);
    if (args.action == "check") {
      std::fputs(render_check(profile, check_profile(profile)).c_str(), stdout);
      return 0;
    }
    const Catalog catalog = Catalog::load(catalogs);
    const AcceleratorSpec* peak = nullptr;
    std::string note;
    if (!args.accelerator.empty()) {
      peak = &catalog.accelerator(args.accelerator, "--accelerator");
    } else if ((peak = guess_accelerator(profile, catalog))) {
      note = fmt::format("(peaks: catalog accelerator {}, matched by name and SM count; --accelerator NAME picks "
                         "another)\n\n",
                         peak->name);
    }
    std::fputs((note + render_profile_summary(profile, peak)).c_str(), stdout);
    return 0;
  } catch (const InputError& e) {
    std::fprintf(stderr, "orrery: error: %s\n", e.what());
    return 2;
  } catch (const std::invalid_argument& e) {
    // A profile that validates but that the model cannot use.
    std::fprintf(stderr, "orrery: error: %s: %s\n", args.profile.c_str(), e.what());
    return 2;
  }
}

}  // namespace orrery::cli
