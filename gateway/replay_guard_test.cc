#include "gateway/replay_guard.h"

#include <gtest/gtest.h>

namespace dreichor::gateway {
namespace {

using Use = ReplayGuard::Use;

TEST(ReplayGuardTest, ATokenIsRefusedUntilItExpires) {
  ReplayGuard guard(10);
  EXPECT_EQ(guard.Record("a", 5'000, 1'000), Use::kFirst);
  EXPECT_EQ(guard.Record("a", 5'000, 4'999), Use::kReplayed);
  EXPECT_EQ(guard.Record("a", 5'000, 5'000), Use::kReplayed);  // still inside the window
  EXPECT_EQ(guard.Record("a", 9'000, 5'001), Use::kFirst);     // the old one has expired
  EXPECT_EQ(guard.size(), 1u);
}

TEST(ReplayGuardTest, WhenFullNewTokensAreRefusedAndOldOnesKept) {
  ReplayGuard guard(2);
  EXPECT_EQ(guard.Record("a", 5'000, 0), Use::kFirst);
  EXPECT_EQ(guard.Record("b", 6'000, 0), Use::kFirst);
  EXPECT_EQ(guard.Record("c", 6'000, 0), Use::kFull);
  EXPECT_EQ(guard.Record("a", 5'000, 0), Use::kReplayed) << "a full guard still remembers";
  EXPECT_EQ(guard.Record("c", 7'000, 5'500), Use::kFirst) << "room again once a expired";
}

}  // namespace
}  // namespace dreichor::gateway
