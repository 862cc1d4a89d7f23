// GatewayHandler: the gateway's public side (docs/gateway.md; docs/openapi/gateway.yaml is the
// reference, and a test holds the two to the same routes).
//
//   signed, trade  POST /v1/orders, /v1/orders/cancel, /v1/orders/cancel-all, /v1/orders/amend
//   signed, read   GET /v1/accounts/{account}/balances, /v1/accounts/{account}/orders,
//                  GET /v1/orders/{order_id}
//   public         GET /v1/markets, /v1/markets/{market}, /v1/markets/{market}/depth,
//                  /v1/markets/{market}/trades (from the gateway's own copy of the state),
//                  GET /openapi.yaml
//   session        GET /v1/session (WebSocket, SessionHub)
//
// Every request first takes a token from its source address's bucket. A signed request is then
// authenticated (Authenticator), needs the route's permission, takes a token from its key's
// bucket, and may only name the key's own account (the body's `account`, the path's
// {account}, the order's owner); then it is forwarded to the runtime and the runtime's answer
// returned unchanged. Refusals never reach the runtime. Nothing is served until the gateway's
// copy of the state is current (`readiness`).
//
// GatewayInternalHandler: health and metrics, on the internal listener only.
#pragma once

#include <functional>
#include <string>

#include "gateway/authenticator.h"
#include "gateway/rate_limiter.h"
#include "gateway/refusals.h"
#include "gateway/runtime_link.h"
#include "gateway/session_hub.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "runtime/state_view.h"

namespace dreichor::gateway {

// The header the server fills with the peer's address (http::ServerOptions).
inline constexpr char kPeerAddressHeader[] = "Dreichor-Peer-Address";

// Why the gateway is not ready ("" when it is); called on I/O threads.
using Readiness = std::function<std::string()>;

// The OpenAPI document, as built into the binary from docs/openapi/gateway.yaml.
extern const char kOpenApiDocument[];

struct GatewayParts {
  const runtime::StateView* state = nullptr;
  Authenticator* auth = nullptr;
  RateLimiter* key_limits = nullptr;
  RateLimiter* address_limits = nullptr;
  RuntimeLink* link = nullptr;
  SessionHub* sessions = nullptr;
  Refusals* refusals = nullptr;  // may be null (tests of the route table)
  Clock* clock = nullptr;
  Readiness readiness;
  http::WebSocketOptions websocket;
};

class GatewayHandler final : public http::Handler {
 public:
  explicit GatewayHandler(GatewayParts parts);

  void Handle(http::Request&& request, http::Respond respond) override;
  std::optional<http::Response> Upgrade(http::Request& request,
                                        boost::beast::tcp_stream& stream) override;

  // Every public route, "METHOD /path/{param}" (for the test against the OpenAPI document).
  const std::vector<std::string>& routes() const { return routes_; }

 private:
  // Checks the caller of a signed route; on refusal answers through `respond` and returns nullopt.
  std::optional<Caller> Authenticate(const http::Request& request, uint8_t permission,
                                     const http::Respond& respond);
  // Sends the request on to the runtime; `check` may replace a 200 answer (ownership checks).
  using AnswerCheck = std::function<std::optional<http::Response>(const RuntimeAnswer&)>;
  void Forward(const Caller& caller, const http::Request& request, http::Respond respond,
               AnswerCheck check = nullptr);
  // A refusal when `request`'s source address has no token left.
  std::optional<http::Response> LimitAddress(const http::Request& request);
  // The answer to a refused request, recorded (counted, and logged within limits).
  http::Response Refuse(const http::Request& request, const http::ApiError& error,
                        int64_t retry_after_ms = 0);
  void AddSigned(http::Method method, std::string_view pattern, uint8_t permission,
                 std::function<void(const Caller&, const http::Request&, const http::RouteParams&,
                                    http::Respond)>
                     handle);

  GatewayParts parts_;
  http::Router router_;
  std::vector<std::string> routes_;
};

class GatewayInternalHandler final : public http::Handler {
 public:
  GatewayInternalHandler(http::MetricsRegistry* metrics, Readiness readiness,
                         std::function<uint64_t()> applied_sequence);
  void Handle(http::Request&& request, http::Respond respond) override;

 private:
  http::MetricsRegistry* metrics_;
  Readiness readiness_;
  std::function<uint64_t()> applied_sequence_;
};

}  // namespace dreichor::gateway
