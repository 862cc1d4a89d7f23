// ApiHandler: the runtime's HTTP routes (docs/api.md is the reference).
//
//   trading   POST /v1/orders, /v1/orders/cancel, /v1/orders/cancel-all, /v1/orders/amend
//   admin     POST /v1/admin/markets, /v1/admin/market-status, /v1/admin/deposits,
//             /v1/admin/withdrawals, /v1/admin/risk-limits       (Authorization: Bearer <token>)
//   observer  GET /v1/markets[/{id}[/depth|/trades]], /v1/accounts/{id}/balances,
//             /v1/accounts/{id}/orders, /v1/orders/{id}, /v1/audit/records, /v1/state
//   health    GET /health/live, /health/ready, /health/startup;  GET /metrics
//
// Commands are submitted to the sequencer and answered only once durable and applied. Reads go
// through the sequencer's shared lock. Before the API opens (startup) and after shutdown began,
// everything but health and metrics answers 503.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "api/command_json.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "audit/audit_log.h"
#include "runtime/health.h"

namespace dreichor::api {

struct ApiOptions {
  std::string admin_token;  // compared in constant time; never logged
};

class ApiHandler final : public Handler {
 public:
  // `health` and `metrics` must outlive the handler. Routes other than health and metrics
  // open when `health` publishes the sequencer.
  ApiHandler(runtime::HealthState* health, MetricsRegistry* metrics, ApiOptions options);

  void Handle(Request&& request, Respond respond) override;

  // Commands handed to the sequencer and not yet answered.
  int64_t commands_in_flight() const { return in_flight_.load(); }

 private:
  struct CommandMetrics {
    Counter* accepted = nullptr;
    Counter* rejected = nullptr;
    Counter* failed = nullptr;
  };

  void HandleCommand(CommandRoute route, const Request& request, Respond respond);
  Response HandleRead(const Request& request, std::string_view path, std::string_view query);
  Response Health(std::string_view path) const;
  bool Authorized(const Request& request) const;

  runtime::HealthState* health_;
  MetricsRegistry* metrics_;
  ApiOptions options_;
  std::atomic<int64_t> in_flight_{0};
  CommandMetrics by_type_[32];  // indexed by CommandType value & 31 (codes are 1-5, 16-19)
  Histogram* latency_ = nullptr;
  Counter* responses_[6] = {};  // by status class: [2] 2xx ... [5] 5xx
};

}  // namespace dreichor::api
