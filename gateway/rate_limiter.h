// RateLimiter: one token bucket per caller (an API key, or a source address), refilled at
// `rate` tokens a second up to `burst`. Each request takes one token; without one it is refused
// with how long until the next. Buckets that are full again are forgotten when more than
// `max_tracked` callers are known, so memory is bounded by the callers active within about
// burst/rate seconds. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "gateway/gateway_config.h"

namespace dreichor::gateway {

class RateLimiter {
 public:
  RateLimiter(RateLimit limit, size_t max_tracked) : limit_(limit), max_tracked_(max_tracked) {}

  // 0 when a token was taken; otherwise the milliseconds until `who` has one (at least 1).
  int64_t Take(const std::string& who, int64_t now_ns);
  size_t tracked() const;

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at_ns = 0;  // when `tokens` was computed
  };
  double Refilled(const Bucket& b, int64_t now_ns) const;
  void ForgetFullBuckets(int64_t now_ns);  // mu_ held

  const RateLimit limit_;
  const size_t max_tracked_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;  // GUARDED_BY(mu_)
};

}  // namespace dreichor::gateway
