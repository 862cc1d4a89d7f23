#include "gateway/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace dreichor::gateway {

double RateLimiter::Refilled(const Bucket& b, int64_t now_ns) const {
  const double elapsed_s = static_cast<double>(std::max<int64_t>(0, now_ns - b.at_ns)) / 1e9;
  return std::min<double>(limit_.burst, b.tokens + elapsed_s * limit_.rate);
}

void RateLimiter::ForgetFullBuckets(int64_t now_ns) {
  std::erase_if(buckets_,
                [&](const auto& entry) { return Refilled(entry.second, now_ns) >= limit_.burst; });
}

int64_t RateLimiter::Take(const std::string& who, int64_t now_ns) {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = buckets_.find(who);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_tracked_) ForgetFullBuckets(now_ns);
    it = buckets_.emplace(who, Bucket{static_cast<double>(limit_.burst), now_ns}).first;
  }
  Bucket& b = it->second;
  b.tokens = Refilled(b, now_ns);
  b.at_ns = now_ns;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  const double wait_ms = (1.0 - b.tokens) * 1000.0 / limit_.rate;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_ms)));
}

size_t RateLimiter::tracked() const {
  std::lock_guard<std::mutex> guard(mu_);
  return buckets_.size();
}

}  // namespace dreichor::gateway
