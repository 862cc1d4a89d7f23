// Refusals: every refusal the gateway itself answers (docs/gateway.md, "Errors"), counted by code
// in dreichor_gateway_refusals_total{code} and logged as a "refused" line with the code, where
// (route or "session"), the key id when one was named and the source address — never a secret,
// a signature, a nonce or a body. Lines are limited to `lines_per_second` (a flood of forged
// requests must not flood the log); the lines left out are counted in the next line's
// `suppressed`. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "http/error.h"
#include "http/metrics.h"
#include "util/clock.h"
#include "util/json_log.h"

namespace dreichor::gateway {

class Refusals {
 public:
  Refusals(http::MetricsRegistry* metrics, JsonLog* log, Clock* clock,
           uint32_t lines_per_second = 20);

  void Record(const http::ApiError& error, std::string_view where, std::string_view key_id,
              std::string_view address);

 private:
  JsonLog* log_;
  Clock* clock_;
  const uint32_t lines_per_second_;
  std::map<std::string, http::Counter*, std::less<>> by_code_;  // every code, made at start
  std::mutex mu_;
  double tokens_ = 0;        // GUARDED_BY(mu_): lines that may be written now
  int64_t refilled_ns_ = 0;  // GUARDED_BY(mu_)
  uint64_t suppressed_ = 0;  // GUARDED_BY(mu_)
};

}  // namespace dreichor::gateway
