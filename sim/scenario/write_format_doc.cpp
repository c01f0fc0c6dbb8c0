// Writes docs/scenario-format.md (or stdout): `orrery_scenario_doc [FILE]`.
#include <fstream>
#include <iostream>

#include "sim/scenario/scenario_loader.hpp"

int main(int argc, char** argv) {
  const std::string md = orrery::scenario_format_markdown();
  if (argc < 2) {
    std::cout << md;
    return 0;
  }
  std::ofstream out(argv[1], std::ios::binary);
  out << md;
  if (!out) {
    std::cerr << "cannot write " << argv[1] << "\n";
    return 1;
  }
  return 0;
}
