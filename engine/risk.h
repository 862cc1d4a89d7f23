// Pre-trade risk: per-account limits and the order-rate token bucket.
//
// The token bucket is driven only by command timestamps (never a clock), so replay reproduces it
// exactly. Tokens are counted in nano-tokens so refills are exact integers:
// after `elapsed` ns at `rate` tokens per second, rate * elapsed nano-tokens are added.
#pragma once

#include <cstdint>

#include "engine/reason.h"
#include "engine/types.h"

namespace dreichor::engine {

// A value of 0 means "no limit" for every field.
struct RiskLimits {
  Quantity max_order_quantity = 0;
  Amount max_order_notional = 0;
  uint32_t max_open_orders = 0;
  uint32_t price_band_bps = 0;
  uint32_t rate_capacity = 0;
  uint32_t rate_per_second = 0;
  StpMode stp_mode = StpMode::kCancelResting;
};

inline constexpr int64_t kNanoTokensPerToken = 1'000'000'000;

struct TokenBucket {
  int64_t nano_tokens = 0;
  TimestampNs last_refill = 0;

  // Fills the bucket to capacity as of `now` (used when limits are set).
  void Reset(const RiskLimits& limits, TimestampNs now) {
    nano_tokens = static_cast<int64_t>(limits.rate_capacity) * kNanoTokensPerToken;
    last_refill = now;
  }
  // Refills for the time since the last refill, then takes one token if there is one.
  // Timestamps that go backwards refill nothing. Always true when there is no rate limit.
  bool TryTake(const RiskLimits& limits, TimestampNs now);
};

// Checks the limits that depend only on the order's own numbers and the reference price.
// `notional` is price * tick_size * quantity in quote units (or a market buy's budget);
// `reference` is the market's last trade price, 0 when there has been none (no band check).
Reason CheckOrderLimits(const RiskLimits& limits, Quantity quantity, Amount notional, Price price,
                        Price reference);

}  // namespace dreichor::engine
