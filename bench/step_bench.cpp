// Whole-step simulation speed: a scenario file (default: Megatron's 76B row,
// 1,024 GPUs), every rank simulated. Prints wall time, events and peak RSS.
// Target (issue 2): the 76B row in under 2 s on the 2-core CI machine.
#include <chrono>
#include <cstdio>
#include <string>
#include <sys/resource.h>

#include "sim/scenario/scenario_loader.hpp"
#include "sim/step/simulate_step.hpp"

int main(int argc, char** argv) {
  const std::string file = argc > 1 ? argv[1] : std::string(ORRERY_SOURCE_DIR) + "/scenarios/validation/megatron-sc21-gpt-76.1b.json";
  const orrery::Catalog catalog = orrery::Catalog::builtin();
  orrery::Scenario s = orrery::load_scenario_file(file, catalog);
  // One step: micro_batch "auto" would simulate every candidate; time micro batch 1.
  s.parallelism.micro_batch_auto = false;
  const auto t0 = std::chrono::steady_clock::now();
  const orrery::StepResult r = orrery::simulate_step(s);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("%s: %d GPUs (tp %d pp %d dp %d, %d microbatches): simulated step %.3f s, %llu events, "
              "wall %.3f s (%.1f M events/s), peak RSS %.0f MiB\n",
              s.name.c_str(), s.cluster.gpus(), s.parallelism.tp, s.parallelism.pp, s.parallelism.dp,
              s.parallelism.microbatches(s.training.global_batch), r.time_s,
              static_cast<unsigned long long>(r.events), wall, r.events / wall / 1e6, ru.ru_maxrss / 1024.0);
  return 0;
}
