// The simulator finds nothing wrong on a few seeds, runs the same way twice from one seed, and
// does find the loss when the disk lies about syncs (so its checks can fail).
#include "sim/simulation.h"

#include <gtest/gtest.h>

namespace dreichor::sim {
namespace {

TEST(SimulationTest, SeedsExploreCrashesAndFaultsWithoutABrokenPromise) {
  uint64_t crashes = 0, faults = 0, from_snapshot = 0, unanswered = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const SimReport r = RunSimulation({.seed = seed, .steps = 3000});
    ASSERT_TRUE(r.ok()) << r.failure;
    EXPECT_GE(r.steps, 3000u);
    EXPECT_GT(r.acknowledged, 0u);
    crashes += r.process_crashes + r.power_losses;
    faults += r.torn_writes + r.failed_syncs + r.failed_writes;
    from_snapshot += r.recoveries_from_snapshot;
    unanswered += r.unacknowledged_durable;
  }
  // The runs did explore what they are for.
  EXPECT_GT(crashes, 20u);
  EXPECT_GT(faults, 20u);
  EXPECT_GT(from_snapshot, 0u);
  EXPECT_GT(unanswered, 0u);
}

TEST(SimulationTest, OneSeedIsOnePath) {
  const SimReport a = RunSimulation({.seed = 42, .steps = 2000});
  const SimReport b = RunSimulation({.seed = 42, .steps = 2000});
  ASSERT_TRUE(a.ok()) << a.failure;
  EXPECT_EQ(Summarize(a), Summarize(b));
  EXPECT_EQ(a.state_hash, b.state_hash);
  const SimReport c = RunSimulation({.seed = 43, .steps = 2000});
  EXPECT_NE(a.state_hash, c.state_hash);
}

TEST(SimulationTest, ADiskThatLiesAboutSyncsIsCaught) {
  bool caught = false;
  for (uint64_t seed = 1; seed <= 5 && !caught; ++seed) {
    const SimReport r = RunSimulation({.seed = seed, .steps = 3000, .lying_disk = true});
    caught = !r.ok();
    if (caught) {
      EXPECT_NE(r.failure.find("seed " + std::to_string(seed)), std::string::npos) << r.failure;
    }
  }
  EXPECT_TRUE(caught) << "a disk that never made anything durable went unnoticed";
}

}  // namespace
}  // namespace dreichor::sim
