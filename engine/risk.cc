#include "engine/risk.h"

#include <algorithm>

#include "engine/checked_math.h"

namespace dreichor::engine {

bool TokenBucket::TryTake(const RiskLimits& limits, TimestampNs now) {
  if (limits.rate_capacity == 0) return true;
  const int64_t capacity = static_cast<int64_t>(limits.rate_capacity) * kNanoTokensPerToken;
  if (now > last_refill) {
    // The difference of two int64 values fits in uint64 but not always in int64.
    const uint64_t elapsed = static_cast<uint64_t>(now) - static_cast<uint64_t>(last_refill);
    const int64_t rate = limits.rate_per_second;
    if (rate > 0 && elapsed < (uint64_t{1} << 30)) {
      // rate < 2^32 and elapsed < 2^30: the product is below 2^62 and the sum with at most
      // 2^32 * 10^9 nano-tokens stays below 2^63. The common case: no division.
      nano_tokens = std::min(capacity, nano_tokens + static_cast<int64_t>(elapsed) * rate);
    } else if (rate > 0) {
      // Past this many ns the bucket is full whatever it held.
      const uint64_t fill_time = static_cast<uint64_t>(capacity / rate) + 1;
      nano_tokens = elapsed >= fill_time
                        ? capacity
                        : std::min(capacity, nano_tokens + static_cast<int64_t>(elapsed) * rate);
    }
    last_refill = now;
  }
  if (nano_tokens < kNanoTokensPerToken) return false;
  nano_tokens -= kNanoTokensPerToken;
  return true;
}

namespace {
// Whether price lies within band_bps of reference, inclusive: |price - ref| * 10000 <= band * ref.
bool WithinBand(Price price, Price reference, uint32_t band_bps) {
  const int64_t diff = price > reference ? price - reference : reference - price;
  int64_t lhs, rhs;
  if (!CheckedMul(diff, kBasisPointsPerUnit, &lhs)) return false;
  if (!CheckedMul(reference, band_bps, &rhs)) return true;  // band wider than any int64 price
  return lhs <= rhs;
}
}  // namespace

Reason CheckOrderLimits(const RiskLimits& limits, Quantity quantity, Amount notional, Price price,
                        Price reference) {
  if (limits.max_order_quantity != 0 && quantity > limits.max_order_quantity) {
    return Reason::kRiskMaxOrderQuantity;
  }
  if (limits.max_order_notional != 0 && notional > limits.max_order_notional) {
    return Reason::kRiskMaxOrderNotional;
  }
  if (limits.price_band_bps != 0 && reference != 0 && price != 0 &&
      !WithinBand(price, reference, limits.price_band_bps)) {
    return Reason::kRiskPriceBand;
  }
  return Reason::kNone;
}

}  // namespace dreichor::engine
