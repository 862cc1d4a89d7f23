// CommandSource: the simulator's stream of commands, drawn from a seed. It opens three markets
// and funds six accounts, then mixes every command type, valid and invalid (unknown markets,
// amounts beyond the limits, orders of other accounts), so that the engine's refusals are
// exercised as much as its trades. The same seed gives the same stream.
#pragma once

#include <cstdint>

#include "engine/command.h"
#include "util/random.h"

namespace dreichor::sim {

class CommandSource {
 public:
  explicit CommandSource(uint64_t seed) : rng_(seed) {}
  engine::Command Next();

 private:
  engine::Command Opening(uint64_t n);
  engine::Command Trading();
  uint64_t Below(uint64_t n) { return rng_.Next() % n; }

  SeededRandom rng_;
  uint64_t drawn_ = 0;
};

}  // namespace dreichor::sim
