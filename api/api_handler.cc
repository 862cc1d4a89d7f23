#include "api/api_handler.h"

#include <chrono>

#include "api/command_response.h"
#include "api/errors.h"
#include "command_json/command_json.h"
#include "http/bearer.h"
#include "http/reply.h"
#include "stream/stream_endpoint.h"

namespace dreichor::api {

namespace bhttp = boost::beast::http;
using http::ApiError;
using http::ErrorReply;
using http::JsonReply;
using http::Method;
using http::Request;
using http::Respond;
using http::Response;
using nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

namespace {

// A record-stream subscriber may fall 32 MiB behind (about 30,000 records) before it is closed as
// too slow; at the default 64 subscribers that bounds the stream's memory at 2 GiB.
const http::WebSocketOptions kStreamConnection{.max_queued_bytes = 32 << 20};

ApiError NotServing(const runtime::HealthState& health) {
  if (health.shutting_down()) {
    return ApiError::Of(kShuttingDown, "the runtime is shutting down; no new commands");
  }
  if (!health.persistence_healthy()) {
    return ApiError::Of(
        kPersistenceFailed,
        "the audit log has failed; the runtime accepts no commands until restarted");
  }
  return ApiError::Of(kStarting, "the runtime is starting (phase " +
                                     std::string(runtime::PhaseName(health.phase())) + ")");
}

}  // namespace

ApiHandler::ApiHandler(runtime::HealthState* health, http::MetricsRegistry* metrics,
                       ApiOptions options)
    : health_(health),
      metrics_(metrics),
      options_(std::move(options)),
      market_metrics_(metrics, health) {
  const std::string help = "Commands answered, by type and outcome (failed: not made durable).";
  for (engine::CommandType t : engine::kCommandTypes) {
    const std::string type = engine::CommandTypeName(t);
    CommandMetrics& m = by_type_[engine::CommandTypeIndex(t)];
    m.accepted = metrics->AddCounter("dreichor_commands_total", help,
                                     {{"type", type}, {"outcome", "accepted"}});
    m.rejected = metrics->AddCounter("dreichor_commands_total", help,
                                     {{"type", type}, {"outcome", "rejected"}});
    m.failed = metrics->AddCounter("dreichor_commands_total", help,
                                   {{"type", type}, {"outcome", "failed"}});
  }
  // Boundaries at 1 ms and 5 ms: the latency objective (docs/slo.md) is read off the 5 ms bucket.
  latency_ = metrics->AddHistogram(
      "dreichor_command_latency_seconds",
      "From a command's request being read to its answer being ready (durable and applied).",
      {50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3,
       1.0});
  for (int c = 2; c <= 5; ++c) {
    responses_[c] =
        metrics->AddCounter("dreichor_http_responses_total", "HTTP responses by status class.",
                            {{"class", std::to_string(c) + "xx"}});
  }
  AddCommandRoute("/v1/orders", engine::CommandType::kPlaceOrder, Guard::kTrading);
  AddCommandRoute("/v1/orders/cancel", engine::CommandType::kCancelOrder, Guard::kTrading);
  AddCommandRoute("/v1/orders/cancel-all", engine::CommandType::kCancelAll, Guard::kTrading);
  AddCommandRoute("/v1/orders/amend", engine::CommandType::kAmendOrder, Guard::kTrading);
  AddCommandRoute("/v1/admin/markets", engine::CommandType::kCreateMarket, Guard::kAdmin);
  AddCommandRoute("/v1/admin/market-status", engine::CommandType::kSetMarketStatus, Guard::kAdmin);
  AddCommandRoute("/v1/admin/deposits", engine::CommandType::kDeposit, Guard::kAdmin);
  AddCommandRoute("/v1/admin/withdrawals", engine::CommandType::kWithdraw, Guard::kAdmin);
  AddCommandRoute("/v1/admin/risk-limits", engine::CommandType::kSetRiskLimits, Guard::kAdmin);
  AddCommandRoute("/v1/admin/retention", engine::CommandType::kSetRetention, Guard::kAdmin);
  AddCommandRoute("/v1/admin/legal-holds", engine::CommandType::kLegalHold, Guard::kAdmin);
  AddCommandRoute("/v1/admin/api-keys", engine::CommandType::kRegisterApiKey, Guard::kAdmin);
  AddCommandRoute("/v1/admin/api-keys/revoke", engine::CommandType::kRevokeApiKey, Guard::kAdmin);
  AddReadRoute("/v1/state", ReadState);
  AddReadRoute("/v1/markets", ReadMarkets);
  AddReadRoute("/v1/markets/{market}", ReadMarket);
  AddReadRoute("/v1/markets/{market}/depth", ReadDepth);
  AddReadRoute("/v1/markets/{market}/trades", ReadTrades);
  AddReadRoute("/v1/accounts/{account}/balances", ReadBalances);
  AddReadRoute("/v1/accounts/{account}/orders", ReadAccountOrders);
  AddReadRoute("/v1/orders/{order_id}", ReadOrder);
  AddReadRoute("/v1/audit/records", ReadAuditRecords);
  AddReadRoute("/v1/audit/retention", ReadRetention);
  AddProofRoute(kCheckpointPath, ReadCheckpoint);
  AddProofRoute(kCheckpointKeyPath, ReadCheckpointKey);
  AddProofRoute(kInclusionProofPath, ReadInclusionProof);
  AddProofRoute(kConsistencyProofPath, ReadConsistencyProof);
  AddHealthRoutes();
  router_.Add(Method::get, stream::kStreamPath,
              [](const Request&, const http::RouteParams&, Respond respond) {
                Response r = ErrorReply(http::kUpgradeRequired,
                                        "the record stream is a WebSocket: send the handshake "
                                        "(Upgrade: websocket)");
                r.set(bhttp::field::upgrade, "websocket");
                respond(std::move(r));
              });
}

void ApiHandler::AddCommandRoute(std::string_view path, engine::CommandType type, Guard guard) {
  router_.Add(
      Method::post, path,
      [this, type, guard](const Request& request, const http::RouteParams&, Respond respond) {
        const char* refusal = nullptr;
        if (guard == Guard::kAdmin && !Authorized(request, options_.admin_token)) {
          refusal = "admin routes need exactly one header Authorization: Bearer <admin token>";
        } else if (guard == Guard::kTrading && !options_.trading_token.empty() &&
                   !Authorized(request, options_.trading_token)) {
          refusal =
              "trading routes take orders only from the gateway: exactly one header "
              "Authorization: Bearer <trading token>";
        }
        if (refusal != nullptr) {
          Response r = ErrorReply(kUnauthorized, refusal);
          r.set(bhttp::field::www_authenticate, "Bearer");
          return respond(std::move(r));
        }
        HandleCommand(type, request, std::move(respond));
      });
}

void ApiHandler::AddReadRoute(std::string_view pattern, Read read) {
  router_.Add(Method::get, pattern,
              [this, read](const Request&, const http::RouteParams& params, Respond respond) {
                runtime::Sequencer* sequencer = health_->sequencer();
                if (sequencer == nullptr || health_->shutting_down()) {
                  return respond(ErrorReply(NotServing(*health_)));
                }
                respond(read(*sequencer, health_->log(), params));
              });
}

void ApiHandler::AddProofRoute(std::string_view path, ProofRead read) {
  router_.Add(
      Method::get, path,
      [this, read](const Request&, const http::RouteParams& params, Respond respond) {
        if (health_->sequencer() == nullptr || health_->shutting_down()) {
          return respond(ErrorReply(NotServing(*health_)));
        }
        const evidence::Notary* notary = notary_.load();
        if (notary == nullptr) {
          return respond(ErrorReply(kAuditTreeUnavailable,
                                    "the audit tree could not be opened at startup (its "
                                    "log line says why); restart once the log is repaired"));
        }
        respond(read(*notary, params));
      });
}

void ApiHandler::AddHealthRoutes() {
  for (const char* path : {"/health/live", "/health/ready", "/health/startup"}) {
    router_.Add(Method::get, path,
                [this, path](const Request&, const http::RouteParams&, Respond respond) {
                  respond(Health(path));
                });
  }
  router_.Add(Method::get, "/metrics",
              [this](const Request&, const http::RouteParams&, Respond respond) {
                respond(http::MetricsReply(*metrics_));
              });
}

Respond ApiHandler::Counted(Respond respond) const {
  const auto* responses = &responses_;
  return Respond([respond = std::move(respond), responses](Respond::Builder build) {
    respond.Build([build = std::move(build), responses] {
      Response r = build();
      const int c = static_cast<int>(r.result_int()) / 100;
      if (c >= 2 && c <= 5) (*responses)[c]->Add();
      return r;
    });
  });
}

bool ApiHandler::Authorized(const Request& request, const std::string& token) {
  return http::HasBearerToken(request, token);
}

void ApiHandler::Handle(Request&& request, Respond respond) {
  router_.Dispatch(request, Counted(std::move(respond)));
}

Response ApiHandler::Health(std::string_view path) const {
  const runtime::Phase phase = health_->phase();
  if (path == "/health/live") return JsonReply(200, ordered_json{{"live", true}});
  if (path == "/health/ready") {
    if (health_->ready()) return JsonReply(200, ordered_json{{"ready", true}});
    const ApiError e = NotServing(*health_);
    ordered_json j = ordered_json::parse(ErrorBody(ApiError::Of(kNotReady, e.message)));
    j["ready"] = false;
    j["phase"] = runtime::PhaseName(phase);
    return JsonReply(503, j);
  }
  ordered_json j;
  const bool started = phase >= runtime::Phase::kReady;
  j["started"] = started;
  j["phase"] = runtime::PhaseName(phase);
  j["replay"] = {{"done", health_->replay_done()}, {"total", health_->replay_total()}};
  if (started) return JsonReply(200, j);
  ordered_json e = ordered_json::parse(ErrorBody(
      ApiError::Of(kStarting, "startup is in phase " + std::string(runtime::PhaseName(phase)))));
  for (auto it = j.begin(); it != j.end(); ++it) e[it.key()] = it.value();
  return JsonReply(503, e);
}

void ApiHandler::HandleCommand(engine::CommandType type, const Request& request, Respond respond) {
  const Clock::time_point start = Clock::now();
  runtime::Sequencer* sequencer = health_->sequencer();
  if (!health_->ready() || sequencer == nullptr) return respond(ErrorReply(NotServing(*health_)));
  auto type_it = request.find(bhttp::field::content_type);
  if (type_it != request.end() &&
      std::string_view(type_it->value().data(), type_it->value().size()).substr(0, 16) !=
          "application/json") {
    return respond(ErrorReply(kUnsupportedMediaType, "send the body as application/json"));
  }
  engine::Command command;
  if (auto e = command_json::Parse(type, request.body(), &command)) {
    return respond(ErrorReply(*e));
  }
  CommandMetrics* metrics = &by_type_[engine::CommandTypeIndex(type)];
  in_flight_++;
  http::Histogram* latency = latency_;
  std::atomic<int64_t>* in_flight = &in_flight_;
  MarketMetrics* market_metrics = &market_metrics_;
  sequencer->Submit(std::move(command), [=](const runtime::CommandResult& result) {
    if (!result.status.ok()) {
      metrics->failed->Add();
      const bool stopping = result.status.code() == StatusCode::kFailedPrecondition;
      respond(ErrorReply(stopping ? kShuttingDown : kNotDurable, result.status.message()));
    } else {
      (result.outcome.accepted ? metrics->accepted : metrics->rejected)->Add();
      market_metrics->OnResult(result);
      latency->Observe(std::chrono::duration<double>(Clock::now() - start).count());
      // Rendering runs on the connection's thread, not the sequencer's.
      auto shared = std::make_shared<runtime::CommandResult>(result);
      respond.Build([shared] { return http::JsonTextReply(200, CommandResponseBody(*shared)); });
    }
    (*in_flight)--;
  });
}

std::optional<Response> ApiHandler::Upgrade(Request& request, boost::beast::tcp_stream& stream) {
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  stream::RecordHub* hub = stream_.load();
  if (path != stream::kStreamPath || hub == nullptr) {
    return ErrorReply(http::kNotFound, "no WebSocket route " + std::string(path));
  }
  if (health_->sequencer() == nullptr || health_->shutting_down()) {
    return ErrorReply(NotServing(*health_));
  }
  return stream::UpgradeToStream(hub, request, stream, kStreamConnection);
}

}  // namespace dreichor::api
