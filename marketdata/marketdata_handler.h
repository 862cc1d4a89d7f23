// MarketDataHandler: the follower's HTTP side (docs/market-data.md).
//
//   market data  GET /v1/markets, /v1/markets/{market}, /v1/markets/{market}/depth,
//                /v1/markets/{market}/trades, /v1/state — the runtime's exact answers
//                (api/observer_routes.h) from the follower's engine
//   WebSocket    GET /v1/market-data (MarketFeed)
//   health       GET /health/live, /health/ready, /health/startup;  GET /metrics
//
// Account routes (balances, open orders) are not served: this is the public side. Reads answer
// 503 until the follower is ready (`readiness`), so no client reads a stale or diverged state.
#pragma once

#include <functional>
#include <string>

#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "marketdata/follower.h"
#include "marketdata/market_feed.h"

namespace dreichor::marketdata {

inline constexpr std::string_view kMarketDataPath = "/v1/market-data";

// Why the follower is not ready ("" when it is); called on I/O threads.
using Readiness = std::function<std::string()>;

class MarketDataHandler final : public http::Handler {
 public:
  MarketDataHandler(const Follower* follower, MarketFeed* feed, http::MetricsRegistry* metrics,
                    Readiness readiness, http::WebSocketOptions websocket);

  void Handle(http::Request&& request, http::Respond respond) override;
  std::optional<http::Response> Upgrade(http::Request& request,
                                        boost::beast::tcp_stream& stream) override;

 private:
  http::Response Health(std::string_view path) const;

  const Follower* follower_;
  MarketFeed* feed_;
  http::MetricsRegistry* metrics_;
  Readiness readiness_;
  http::WebSocketOptions websocket_;
  http::Router router_;
};

}  // namespace dreichor::marketdata
