#include "marketdata/marketdata_handler.h"

#include "api/errors.h"
#include "api/observer_routes.h"
#include "http/reply.h"

namespace dreichor::marketdata {

using http::ErrorReply;
using http::JsonReply;
using http::Method;
using http::Respond;
using http::Response;
using nlohmann::ordered_json;

MarketDataHandler::MarketDataHandler(const Follower* follower, MarketFeed* feed,
                                     http::MetricsRegistry* metrics, Readiness readiness,
                                     http::WebSocketOptions websocket)
    : follower_(follower),
      feed_(feed),
      metrics_(metrics),
      readiness_(std::move(readiness)),
      websocket_(websocket) {
  const std::pair<const char*, api::Read> reads[] = {
      {"/v1/state", api::ReadState},
      {"/v1/markets", api::ReadMarkets},
      {"/v1/markets/{market}", api::ReadMarket},
      {"/v1/markets/{market}/depth", api::ReadDepth},
      {"/v1/markets/{market}/trades", api::ReadTrades},
  };
  for (const auto& [pattern, read] : reads) {
    router_.Add(Method::get, pattern,
                [this, read = read](const http::Request&, const http::RouteParams& params,
                                    Respond respond) {
                  const std::string why = readiness_();
                  if (!why.empty()) {
                    return respond(ErrorReply(api::kNotReady, "not serving: " + why));
                  }
                  respond(read(*follower_, nullptr, params));
                });
  }
  for (const char* path : {"/health/live", "/health/ready", "/health/startup"}) {
    router_.Add(Method::get, path,
                [this, path](const http::Request&, const http::RouteParams&, Respond respond) {
                  respond(Health(path));
                });
  }
  router_.Add(Method::get, "/metrics",
              [this](const http::Request&, const http::RouteParams&, Respond respond) {
                respond(http::MetricsReply(*metrics_));
              });
  router_.Add(Method::get, kMarketDataPath,
              [](const http::Request&, const http::RouteParams&, Respond respond) {
                Response r = ErrorReply(http::kUpgradeRequired,
                                        "market data is a WebSocket: send the handshake "
                                        "(Upgrade: websocket)");
                r.set(boost::beast::http::field::upgrade, "websocket");
                respond(std::move(r));
              });
}

void MarketDataHandler::Handle(http::Request&& request, Respond respond) {
  router_.Dispatch(request, std::move(respond));
}

std::optional<Response> MarketDataHandler::Upgrade(http::Request& request,
                                                   boost::beast::tcp_stream& stream) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  if (path != kMarketDataPath) {
    return ErrorReply(http::kNotFound, "no WebSocket route " + std::string(path));
  }
  if (target.size() != path.size()) {
    return ErrorReply(http::kMalformedHttp, std::string(kMarketDataPath) + " takes no query");
  }
  const std::string why = readiness_();
  if (!why.empty()) return ErrorReply(api::kNotReady, "not serving: " + why);
  feed_->Accept(request, stream, websocket_);
  return std::nullopt;
}

Response MarketDataHandler::Health(std::string_view path) const {
  if (path == "/health/live") return JsonReply(200, ordered_json{{"live", true}});
  const std::string why = readiness_();
  ordered_json j;
  j["applied_sequence"] = follower_->applied();
  j["leader_sequence"] = follower_->leader_sequence();
  j["diverged"] = follower_->diverged();
  if (path == "/health/ready") {
    j["ready"] = why.empty();
    if (!why.empty()) j["reason"] = why;
    return JsonReply(why.empty() ? 200 : 503, j);
  }
  j["started"] = true;  // serving HTTP means the snapshot is loaded
  return JsonReply(200, j);
}

}  // namespace dreichor::marketdata
