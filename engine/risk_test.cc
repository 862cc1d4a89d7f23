// Pre-trade risk: limits and the token bucket, through the engine and as units.
#include "engine/risk.h"

#include <gtest/gtest.h>

#include "engine/engine_fixture.h"

namespace dreichor::engine {
namespace {

constexpr TimestampNs kSecond = 1'000'000'000;

TEST(TokenBucketTest, StartsFullAndRefillsFromTimestamps) {
  RiskLimits l;
  l.rate_capacity = 2;
  l.rate_per_second = 1;
  TokenBucket b;
  b.Reset(l, 0);
  EXPECT_TRUE(b.TryTake(l, 0));
  EXPECT_TRUE(b.TryTake(l, 0));
  EXPECT_FALSE(b.TryTake(l, kSecond / 2));
  EXPECT_TRUE(b.TryTake(l, kSecond));  // half a token earlier + half now
  EXPECT_FALSE(b.TryTake(l, kSecond));
}

TEST(TokenBucketTest, NeverFillsBeyondCapacity) {
  RiskLimits l;
  l.rate_capacity = 2;
  l.rate_per_second = 1000;
  TokenBucket b;
  b.Reset(l, 0);
  EXPECT_TRUE(b.TryTake(l, 0));
  EXPECT_TRUE(b.TryTake(l, 0));
  const TimestampNs much_later = INT64_MAX / 2;
  EXPECT_TRUE(b.TryTake(l, much_later));
  EXPECT_TRUE(b.TryTake(l, much_later));
  EXPECT_FALSE(b.TryTake(l, much_later));
}

TEST(TokenBucketTest, TimestampGoingBackwardsRefillsNothing) {
  RiskLimits l;
  l.rate_capacity = 1;
  l.rate_per_second = 1;
  TokenBucket b;
  b.Reset(l, 10 * kSecond);
  EXPECT_TRUE(b.TryTake(l, 10 * kSecond));
  EXPECT_FALSE(b.TryTake(l, 5 * kSecond));
  EXPECT_FALSE(b.TryTake(l, 10 * kSecond));
  EXPECT_TRUE(b.TryTake(l, 11 * kSecond));
}

TEST(TokenBucketTest, ExtremeTimestampsRefillWithoutOverflow) {
  RiskLimits l;
  l.rate_capacity = 3;
  l.rate_per_second = 7;
  TokenBucket b;
  b.Reset(l, INT64_MIN);
  EXPECT_TRUE(b.TryTake(l, INT64_MIN));
  EXPECT_TRUE(b.TryTake(l, INT64_MAX));  // the gap does not fit in int64
  EXPECT_EQ(b.nano_tokens, 2 * kNanoTokensPerToken);
  EXPECT_EQ(b.last_refill, INT64_MAX);
}

TEST(TokenBucketTest, ZeroCapacityMeansNoLimit) {
  RiskLimits l;
  TokenBucket b;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(b.TryTake(l, 0));
}

TEST(PriceBandTest, BandIsInclusiveAndSymmetric) {
  RiskLimits l;
  l.price_band_bps = 500;  // 5 %
  EXPECT_EQ(CheckOrderLimits(l, 1, 0, 105, 100), Reason::kNone);
  EXPECT_EQ(CheckOrderLimits(l, 1, 0, 95, 100), Reason::kNone);
  EXPECT_EQ(CheckOrderLimits(l, 1, 0, 106, 100), Reason::kRiskPriceBand);
  EXPECT_EQ(CheckOrderLimits(l, 1, 0, 94, 100), Reason::kRiskPriceBand);
  EXPECT_EQ(CheckOrderLimits(l, 1, 0, 1'000'000, 0), Reason::kNone);  // no reference yet
}

class RiskEngineTest : public EngineFixture {
 protected:
  void Limits(SetRiskLimits l) {
    l.account = kAlice;
    ASSERT_TRUE(Do(l).accepted);
  }
};

TEST_F(RiskEngineTest, MaxOrderQuantity) {
  SetRiskLimits l;
  l.max_order_quantity = 10;
  Limits(l);
  Limit(kAlice, Side::kBuy, 100, 10);
  EXPECT_EQ(Reject(Order(kAlice, Side::kBuy, OrderKind::kLimit, 100, 11)).reason,
            Reason::kRiskMaxOrderQuantity);
}

TEST_F(RiskEngineTest, MaxOrderNotional) {
  SetRiskLimits l;
  l.max_order_notional = 5000;
  Limits(l);
  Limit(kAlice, Side::kBuy, 100, 5);  // exactly 5000
  EXPECT_EQ(Reject(Order(kAlice, Side::kBuy, OrderKind::kLimit, 101, 5)).reason,
            Reason::kRiskMaxOrderNotional);
}

TEST_F(RiskEngineTest, MaxOpenOrdersCountsRestingOrdersOnly) {
  SetRiskLimits l;
  l.max_open_orders = 1;
  Limits(l);
  OrderId first = Limit(kAlice, Side::kBuy, 90, 1);
  EXPECT_EQ(Reject(Order(kAlice, Side::kBuy, OrderKind::kLimit, 91, 1)).reason,
            Reason::kRiskMaxOpenOrders);
  // An immediate-or-cancel order never rests, so it is not limited.
  EXPECT_TRUE(Do(Order(kAlice, Side::kBuy, OrderKind::kImmediateOrCancel, 91, 1)).accepted);
  ASSERT_TRUE(Do(CancelOrder{kAlice, OrderRef{first, 0}}).accepted);
  Limit(kAlice, Side::kBuy, 91, 1);
}

TEST_F(RiskEngineTest, PriceBandAroundTheLastTrade) {
  Limit(kBob, Side::kSell, 100, 1);
  Limit(kCarol, Side::kBuy, 100, 1);  // last trade 100
  SetRiskLimits l;
  l.price_band_bps = 1000;  // 10 %
  Limits(l);
  Limit(kAlice, Side::kBuy, 90, 1);
  EXPECT_EQ(Reject(Order(kAlice, Side::kBuy, OrderKind::kLimit, 89, 1)).reason,
            Reason::kRiskPriceBand);
  EXPECT_EQ(Reject(Order(kAlice, Side::kSell, OrderKind::kLimit, 111, 1)).reason,
            Reason::kRiskPriceBand);
}

TEST_F(RiskEngineTest, RateLimitFollowsCommandTimestamps) {
  SetRiskLimits l;
  l.rate_capacity = 2;
  l.rate_per_second = 10;  // one token per 100 ms
  Limits(l);
  OrderId a = Limit(kAlice, Side::kBuy, 90, 1);
  Limit(kAlice, Side::kBuy, 91, 1);
  EXPECT_EQ(Reject(Order(kAlice, Side::kBuy, OrderKind::kLimit, 92, 1)).reason,
            Reason::kRiskRateLimit);
  // Amends cost a token too; cancels never do.
  EXPECT_EQ(Reject(AmendOrder{kAlice, OrderRef{a, 0}, 89, 1}).reason, Reason::kRiskRateLimit);
  ASSERT_TRUE(Do(CancelOrder{kAlice, OrderRef{a, 0}}).accepted);
  now += 100'000'000;
  Limit(kAlice, Side::kBuy, 92, 1);
}

TEST_F(RiskEngineTest, NegativeLimitsAreRejected) {
  SetRiskLimits l;
  l.account = kAlice;
  l.max_order_quantity = -1;
  EXPECT_EQ(Reject(l).reason, Reason::kInvalidRiskLimits);
}

}  // namespace
}  // namespace dreichor::engine
