#include "engine/evidence_policy.h"

#include <gtest/gtest.h>

namespace dreichor::engine {
namespace {

TEST(EvidencePolicyTest, RetentionOnlyLengthens) {
  EvidencePolicy p;
  EXPECT_EQ(p.RetainedUntil(1), 0);
  ASSERT_EQ(p.Retain({1, 100, 5'000}), Reason::kNone);
  EXPECT_EQ(p.RetainedUntil(1), 5'000);
  EXPECT_EQ(p.RetainedUntil(100), 5'000);
  EXPECT_EQ(p.RetainedUntil(101), 0);
  // A shorter date for the same records changes nothing; a longer one for some of them adds.
  ASSERT_EQ(p.Retain({1, 100, 4'000}), Reason::kNone);
  EXPECT_EQ(p.rules().size(), 1u);
  ASSERT_EQ(p.Retain({40, 60, 7'000}), Reason::kNone);
  EXPECT_EQ(p.RetainedUntil(50), 7'000);
  EXPECT_EQ(p.RetainedUntil(61), 5'000);
  EXPECT_EQ(p.RetainedUntil(61, 200), 5'000);
  EXPECT_EQ(p.RetainedUntil(30, 45), 7'000);
  // Rolling retention: a later range with a later date leaves the older records' date alone.
  ASSERT_EQ(p.Retain({101, 200, 9'000}), Reason::kNone);
  EXPECT_EQ(p.RetainedUntil(100), 5'000);
  EXPECT_EQ(p.RetainedUntil(150), 9'000);
  // A rule that covers others replaces them.
  ASSERT_EQ(p.Retain({1, 300, 10'000}), Reason::kNone);
  EXPECT_EQ(p.rules(), (std::vector<RetentionRule>{{1, 300, 10'000}}));
  EXPECT_EQ(p.Retain({0, 1, 1}), Reason::kInvalidRetention);
  EXPECT_EQ(p.Retain({5, 4, 1}), Reason::kInvalidRetention);
  EXPECT_EQ(p.Retain({1, 1, 0}), Reason::kInvalidRetention);
}

TEST(EvidencePolicyTest, HoldsArePlacedAndReleasedById) {
  EvidencePolicy p;
  ASSERT_EQ(p.Hold(9, true), Reason::kNone);
  ASSERT_EQ(p.Hold(3, true), Reason::kNone);
  ASSERT_EQ(p.Hold(9, true), Reason::kNone);  // placing twice is one hold
  EXPECT_EQ(p.holds(), (std::vector<uint64_t>{3, 9}));
  EXPECT_EQ(p.Hold(4, false), Reason::kUnknownLegalHold);
  ASSERT_EQ(p.Hold(3, false), Reason::kNone);
  EXPECT_EQ(p.holds(), (std::vector<uint64_t>{9}));
  EXPECT_EQ(p.Hold(0, true), Reason::kInvalidLegalHold);
}

TEST(EvidencePolicyTest, RestoreTakesOnlyValidAscendingRulesAndHolds) {
  EvidencePolicy p;
  EXPECT_TRUE(p.Restore({{1, 10, 90}, {11, 20, 80}}, {1, 5}));
  EXPECT_FALSE(p.Restore({{11, 20, 80}, {1, 10, 90}}, {}));  // out of order
  EXPECT_FALSE(p.Restore({{1, 10, 80}, {1, 10, 90}}, {}));   // one range twice
  EXPECT_FALSE(p.Restore({{1, 10, 90}}, {5, 5}));            // repeated hold
  EXPECT_FALSE(p.Restore({{0, 10, 90}}, {}));
  EXPECT_FALSE(p.Restore({{1, 10, 90}}, {0}));
  EXPECT_EQ(p.rules(), (std::vector<RetentionRule>{{1, 10, 90}, {11, 20, 80}}));
}

}  // namespace
}  // namespace dreichor::engine
