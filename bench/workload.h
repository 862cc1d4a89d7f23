// The engine benchmark workload (documented in docs/benchmarks.md).
//
// One market, ~1,000 resting orders over ~750 price levels, 1,500 accounts with risk limits
// (including a rate limit) set, and a timed stream of roughly 9% new good-till-cancel limits,
// 3% immediate-or-cancel, 6% cancels and 82% amends that step an order toward the last trade.
// The stream is generated up front by driving a scratch engine (so cancels and amends name
// real open orders), from a fixed seed: the same seed gives the same commands.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/command.h"

namespace dreichor::bench {

enum class WorkloadKind : uint8_t { kSetup, kNewLimit, kImmediateOrCancel, kCancel, kAmend };
const char* WorkloadKindName(WorkloadKind k);

struct WorkloadParams {
  uint64_t seed = 20261122;
  uint32_t accounts = 1500;
  uint32_t target_resting = 1000;
  int64_t half_range_ticks = 750;  // new passive orders rest up to this far from the reference
  size_t commands = 5'000'000;     // timed commands (after the setup)
};

struct Workload {
  std::vector<engine::Command> setup;  // market, deposits, limits, the initial book
  std::vector<engine::Command> commands;
  std::vector<WorkloadKind> kinds;          // parallel to commands
  std::vector<engine::TimestampNs> stamps;  // parallel to setup then commands
  size_t resting_after_setup = 0;
  size_t levels_after_setup = 0;
  size_t resting_at_end = 0;
  size_t trades = 0;
};

Workload GenerateWorkload(const WorkloadParams& params);

}  // namespace dreichor::bench
