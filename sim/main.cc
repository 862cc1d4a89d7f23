// dreichor-simulate: runs the deterministic simulator (sim/simulation.h).
//
//   dreichor-simulate --seed N --steps M [--seeds K]
//
// Runs seeds N, N+1, ..., N+K-1 (K = 1 by default), M steps each, and prints one line per seed
// and a total. On the first failure it prints what broke and the command that reproduces it
// exactly, and exits 1.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <iostream>

#include "sim/simulation.h"

int main(int argc, char** argv) {
  CLI::App app{"The deterministic simulator: crashes and disk faults from a seed"};
  uint64_t seed = 1, steps = 5000, seeds = 1;
  bool quiet = false, trace = false;
  app.add_option("--seed", seed, "the first seed")->required();
  app.add_option("--steps", steps, "commands sent per seed")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  app.add_option("--seeds", seeds, "how many consecutive seeds")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 32));
  app.add_flag("--quiet", quiet, "print only the total and failures");
  app.add_flag("--trace", trace, "print each fault, crash and start (to stderr)");
  CLI11_PARSE(app, argc, argv);

  const auto started = std::chrono::steady_clock::now();
  uint64_t total_steps = 0, crashes = 0;
  for (uint64_t s = seed; s < seed + seeds; ++s) {
    const dreichor::sim::SimReport r =
        dreichor::sim::RunSimulation({.seed = s, .steps = steps, .trace = trace});
    total_steps += r.steps;
    crashes += r.process_crashes + r.power_losses;
    if (!quiet || !r.ok()) std::cout << dreichor::sim::Summarize(r) << "\n";
    if (!r.ok()) {
      std::cout << "FAILED: " << r.failure << "\nreproduce: scripts/simulate.sh --seed " << s
                << " --steps " << steps << "\n";
      return 1;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "ok: " << seeds << " seeds, " << total_steps << " steps, " << crashes
            << " crashes and recoveries, " << static_cast<uint64_t>(total_steps / seconds)
            << " steps/s\n";
  return 0;
}
