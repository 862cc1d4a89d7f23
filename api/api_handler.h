// ApiHandler: the runtime's HTTP routes (docs/api.md is the reference).
//
//   trading   POST /v1/orders, /v1/orders/cancel, /v1/orders/cancel-all, /v1/orders/amend
//             (Authorization: Bearer <trading token>, when one is configured)
//   admin     POST /v1/admin/markets, /v1/admin/market-status, /v1/admin/deposits,
//             /v1/admin/withdrawals, /v1/admin/risk-limits, /v1/admin/retention,
//             /v1/admin/legal-holds, /v1/admin/api-keys[/revoke]  (Authorization: Bearer <token>)
//   observer  GET /v1/markets[/{id}[/depth|/trades]], /v1/accounts/{id}/balances,
//             /v1/accounts/{id}/orders, /v1/orders/{id}, /v1/audit/records, /v1/state
//   evidence  GET /v1/audit/checkpoint, /v1/audit/key, /v1/audit/proof/inclusion,
//             /v1/audit/proof/consistency                    (api/proof_routes.h)
//   health    GET /health/live, /health/ready, /health/startup;  GET /metrics
//   stream    GET /v1/stream?from=S (WebSocket; docs/record-stream.md)
//
// Commands are submitted to the sequencer and answered only once durable and applied. Reads go
// through the sequencer's shared lock. Before the API opens (startup) and after shutdown began,
// everything but health and metrics answers 503. Serve it with
// ServerOptions::reads_wait_for_earlier_requests, so that a pipelined read sees the commands
// sent before it.
#pragma once

#include <array>
#include <atomic>
#include <string>
#include <string_view>

#include "api/market_metrics.h"
#include "api/observer_routes.h"
#include "api/proof_routes.h"
#include "engine/command.h"
#include "http/metrics.h"
#include "http/router.h"
#include "runtime/health.h"
#include "stream/record_hub.h"

namespace dreichor::api {

struct ApiOptions {
  std::string admin_token;  // compared in constant time; never logged
  // When set, the trading routes need `Authorization: Bearer <trading_token>`: the internal
  // credential the gateway holds, so that only the gateway places orders (docs/gateway.md).
  std::string trading_token;
};

class ApiHandler final : public http::Handler {
 public:
  // `health` and `metrics` must outlive the handler. Routes other than health and metrics
  // open when `health` publishes the sequencer.
  ApiHandler(runtime::HealthState* health, http::MetricsRegistry* metrics, ApiOptions options);

  void Handle(http::Request&& request, http::Respond respond) override;
  // GET /v1/stream (the record stream), once ServeStream was called and while serving.
  std::optional<http::Response> Upgrade(http::Request& request,
                                        boost::beast::tcp_stream& stream) override;
  // Opens /v1/stream on `hub` (which must outlive the handler's serving).
  void ServeStream(stream::RecordHub* hub) { stream_.store(hub); }
  // Opens the evidence routes on `notary` (which must outlive the handler's serving).
  void ServeProofs(const evidence::Notary* notary) { notary_.store(notary); }

  // Commands handed to the sequencer and not yet answered.
  int64_t commands_in_flight() const { return in_flight_.load(); }

 private:
  struct CommandMetrics {
    http::Counter* accepted = nullptr;
    http::Counter* rejected = nullptr;
    http::Counter* failed = nullptr;
  };

  // Who may send a command route's requests.
  enum class Guard { kTrading, kAdmin };
  void AddCommandRoute(std::string_view path, engine::CommandType type, Guard guard);
  void AddReadRoute(std::string_view pattern, Read read);
  void AddProofRoute(std::string_view path, ProofRead read);
  void AddHealthRoutes();
  void HandleCommand(engine::CommandType type, const http::Request& request, http::Respond respond);
  http::Response Health(std::string_view path) const;
  // Whether `request` carries exactly one `Authorization: Bearer <token>`.
  static bool Authorized(const http::Request& request, const std::string& token);
  // `respond`, counting the answer's status class in dreichor_http_responses_total.
  http::Respond Counted(http::Respond respond) const;

  runtime::HealthState* health_;
  http::MetricsRegistry* metrics_;
  ApiOptions options_;
  http::Router router_;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<stream::RecordHub*> stream_{nullptr};
  std::atomic<const evidence::Notary*> notary_{nullptr};
  std::array<CommandMetrics, engine::kCommandTypeCount> by_type_{};
  MarketMetrics market_metrics_;
  http::Histogram* latency_ = nullptr;
  std::array<http::Counter*, 6> responses_{};  // by status class: [2] 2xx ... [5] 5xx
};

}  // namespace dreichor::api
