#include "gateway/refusals.h"

#include <algorithm>

#include "gateway/gateway_errors.h"

namespace dreichor::gateway {

Refusals::Refusals(http::MetricsRegistry* metrics, JsonLog* log, Clock* clock,
                   uint32_t lines_per_second)
    : log_(log), clock_(clock), lines_per_second_(lines_per_second), tokens_(lines_per_second) {
  for (const http::ErrorCode* code : kGatewayErrors) {
    by_code_[std::string(code->code)] =
        metrics->AddCounter("dreichor_gateway_refusals_total",
                            "Requests and session messages the gateway refused, by error code.",
                            {{"code", std::string(code->code)}});
  }
  refilled_ns_ = clock_->NowUnixNanos();
}

void Refusals::Record(const http::ApiError& error, std::string_view where, std::string_view key_id,
                      std::string_view address) {
  if (auto it = by_code_.find(error.code); it != by_code_.end()) it->second->Add();
  uint64_t suppressed = 0;
  {
    std::lock_guard<std::mutex> guard(mu_);
    const int64_t now = clock_->NowUnixNanos();
    tokens_ =
        std::min<double>(lines_per_second_, tokens_ + static_cast<double>(now - refilled_ns_) /
                                                          1e9 * lines_per_second_);
    refilled_ns_ = now;
    if (tokens_ < 1) {
      ++suppressed_;
      return;
    }
    tokens_ -= 1;
    suppressed = suppressed_;
    suppressed_ = 0;
  }
  LogFields fields = {{"code", error.code}, {"where", where}, {"address", address}};
  // The key id as the client sent it: logged only when it is one (a bounded decimal number).
  if (!key_id.empty()) {
    const bool decimal =
        key_id.size() <= 20 &&
        std::all_of(key_id.begin(), key_id.end(), [](char c) { return c >= '0' && c <= '9'; });
    fields["key_id"] = decimal ? std::string(key_id) : std::string("<not a key id>");
  }
  if (suppressed > 0) fields["suppressed"] = suppressed;
  log_->Warn("refused", fields);
}

}  // namespace dreichor::gateway
