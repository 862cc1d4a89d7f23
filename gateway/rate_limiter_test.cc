#include "gateway/rate_limiter.h"

#include <gtest/gtest.h>

namespace dreichor::gateway {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

TEST(RateLimiterTest, ABurstPassesThenTheRateHolds) {
  RateLimiter limiter(RateLimit{10, 3}, 100);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.Take("k", 0), 0) << i;
  const int64_t wait = limiter.Take("k", 0);
  EXPECT_EQ(wait, 100) << "one token a tenth of a second";
  EXPECT_GT(limiter.Take("k", kSecond / 20), 0);
  EXPECT_EQ(limiter.Take("k", kSecond / 10), 0);
  EXPECT_EQ(limiter.Take("other", 0), 0) << "each caller has its own bucket";
}

TEST(RateLimiterTest, IdleFullBucketsAreForgottenWhenTooManyAreKnown) {
  RateLimiter limiter(RateLimit{1, 1}, 2);
  EXPECT_EQ(limiter.Take("a", 0), 0);
  EXPECT_EQ(limiter.Take("b", 0), 0);
  EXPECT_EQ(limiter.tracked(), 2u);
  EXPECT_EQ(limiter.Take("c", 5 * kSecond), 0);  // a and b are full again: forgotten
  EXPECT_EQ(limiter.tracked(), 1u);
  EXPECT_GT(limiter.Take("c", 5 * kSecond), 0) << "c's own bucket is still counted";
}

}  // namespace
}  // namespace dreichor::gateway
