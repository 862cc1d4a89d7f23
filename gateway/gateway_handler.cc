#include "gateway/gateway_handler.h"

#include "api/observer_routes.h"
#include "gateway/gateway_errors.h"
#include "http/json_fields.h"
#include "http/reply.h"

namespace dreichor::gateway {

namespace bhttp = boost::beast::http;
using http::ApiError;
using http::ErrorReply;
using http::Method;
using http::Request;
using http::Respond;
using http::Response;
using http::RouteParams;

namespace {

std::string_view Header(const Request& request, std::string_view name) {
  auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  return it == request.end() ? std::string_view()
                             : std::string_view(it->value().data(), it->value().size());
}

Response Refusal(const ApiError& error, int64_t retry_after_ms = 0) {
  Response r = ErrorReply(error);
  if (error.status == 401) r.set(bhttp::field::www_authenticate, "Dreichor-Ed25519");
  if (retry_after_ms > 0) {
    // Whole seconds, rounded up (RFC 9110 §10.2.3).
    r.set(bhttp::field::retry_after, std::to_string((retry_after_ms + 999) / 1000));
  }
  return r;
}

std::string MethodAndPattern(Method method, std::string_view pattern) {
  const auto m = bhttp::to_string(method);
  return std::string(m.data(), m.size()) + " " + std::string(pattern);
}

}  // namespace

GatewayHandler::GatewayHandler(GatewayParts parts) : parts_(std::move(parts)) {
  for (const char* path :
       {"/v1/orders", "/v1/orders/cancel", "/v1/orders/cancel-all", "/v1/orders/amend"}) {
    AddSigned(
        Method::post, path, engine::kPermissionTrade,
        [this](const Caller& caller, const Request& request, const RouteParams&, Respond respond) {
          nlohmann::json body;
          if (auto e = http::ParseObject(request.body(), &body)) {
            return respond(Refuse(request, *e));
          }
          auto account = body.find("account");
          if (account == body.end() || !account->is_number_unsigned() ||
              account->get<uint64_t>() != caller.account) {
            return respond(Refuse(
                request,
                ApiError::Of(kAccountMismatch, "the body's account must be this key's account " +
                                                   std::to_string(caller.account))));
          }
          Forward(caller, request, std::move(respond));
        });
  }
  for (const char* pattern : {"/v1/accounts/{account}/balances", "/v1/accounts/{account}/orders"}) {
    AddSigned(Method::get, pattern, engine::kPermissionRead,
              [this](const Caller& caller, const Request& request, const RouteParams& params,
                     Respond respond) {
                if (params.Get("account") != std::to_string(caller.account)) {
                  return respond(Refuse(
                      request, ApiError::Of(kAccountMismatch, "this key reads only its account " +
                                                                  std::to_string(caller.account))));
                }
                Forward(caller, request, std::move(respond));
              });
  }
  AddSigned(
      Method::get, "/v1/orders/{order_id}", engine::kPermissionRead,
      [this](const Caller& caller, const Request& request, const RouteParams&, Respond respond) {
        // Another account's order answers exactly as an order that is not open.
        Forward(caller, request, std::move(respond),
                [account = caller.account](const RuntimeAnswer& a) -> std::optional<Response> {
                  if (a.status != 200) return std::nullopt;
                  const auto j = nlohmann::json::parse(a.body, nullptr, false);
                  if (j.is_object() && j.value("account", uint64_t{0}) == account) {
                    return std::nullopt;
                  }
                  return ErrorReply(kOrderNotOpen, "no open order has this id");
                });
      });
  const std::pair<const char*, api::Read> reads[] = {
      {"/v1/markets", api::ReadMarkets},
      {"/v1/markets/{market}", api::ReadMarket},
      {"/v1/markets/{market}/depth", api::ReadDepth},
      {"/v1/markets/{market}/trades", api::ReadTrades},
  };
  for (const auto& [pattern, read] : reads) {
    routes_.push_back(MethodAndPattern(Method::get, pattern));
    router_.Add(Method::get, pattern,
                [this, read = read](const Request&, const RouteParams& params, Respond respond) {
                  respond(read(*parts_.state, nullptr, params));
                });
  }
  routes_.push_back(MethodAndPattern(Method::get, "/openapi.yaml"));
  router_.Add(Method::get, "/openapi.yaml",
              [](const Request&, const RouteParams&, Respond respond) {
                Response r(bhttp::status::ok, 11);
                r.set(bhttp::field::content_type, "application/yaml");
                r.body() = kOpenApiDocument;
                r.prepare_payload();
                respond(std::move(r));
              });
  routes_.push_back(MethodAndPattern(Method::get, kSessionPath));
  router_.Add(Method::get, kSessionPath, [](const Request&, const RouteParams&, Respond respond) {
    Response r = ErrorReply(http::kUpgradeRequired,
                            "the session is a WebSocket: send the handshake (Upgrade: websocket)");
    r.set(bhttp::field::upgrade, "websocket");
    respond(std::move(r));
  });
}

void GatewayHandler::AddSigned(
    Method method, std::string_view pattern, uint8_t permission,
    std::function<void(const Caller&, const Request&, const RouteParams&, Respond)> handle) {
  routes_.push_back(MethodAndPattern(method, pattern));
  router_.Add(method, pattern,
              [this, permission, handle = std::move(handle)](
                  const Request& request, const RouteParams& params, Respond respond) {
                if (std::optional<Caller> caller = Authenticate(request, permission, respond)) {
                  handle(*caller, request, params, std::move(respond));
                }
              });
}

std::optional<Response> GatewayHandler::LimitAddress(const Request& request) {
  const std::string address(Header(request, kPeerAddressHeader));
  const int64_t wait = parts_.address_limits->Take(address, parts_.clock->NowUnixNanos());
  if (wait == 0) return std::nullopt;
  return Refuse(request, ApiError::Of(kRateLimited, "this address's rate limit is reached"), wait);
}

Response GatewayHandler::Refuse(const Request& request, const ApiError& error,
                                int64_t retry_after_ms) {
  if (parts_.refusals != nullptr) {
    const std::string_view target(request.target().data(), request.target().size());
    parts_.refusals->Record(error, target.substr(0, target.find('?')),
                            Header(request, "DREICHOR-KEY"), Header(request, kPeerAddressHeader));
  }
  return Refusal(error, retry_after_ms);
}

void GatewayHandler::Handle(Request&& request, Respond respond) {
  if (auto refused = LimitAddress(request)) return respond(std::move(*refused));
  const std::string_view target(request.target().data(), request.target().size());
  if (target != "/openapi.yaml") {
    if (const std::string why = parts_.readiness(); !why.empty()) {
      return respond(Refuse(request, ApiError::Of(kNotReady, "not serving: " + why)));
    }
  }
  router_.Dispatch(request, std::move(respond));
}

std::optional<Response> GatewayHandler::Upgrade(Request& request,
                                                boost::beast::tcp_stream& stream) {
  if (auto refused = LimitAddress(request)) return refused;
  const std::string_view target(request.target().data(), request.target().size());
  if (target != kSessionPath) {
    return ErrorReply(http::kNotFound, "no WebSocket route " + std::string(target));
  }
  if (const std::string why = parts_.readiness(); !why.empty()) {
    return Refuse(request, ApiError::Of(kNotReady, "not serving: " + why));
  }
  parts_.sessions->Accept(request, stream, parts_.websocket);
  return std::nullopt;
}

std::optional<Caller> GatewayHandler::Authenticate(const Request& request, uint8_t permission,
                                                   const Respond& respond) {
  for (const char* name : {"DREICHOR-KEY", "DREICHOR-TIMESTAMP", "DREICHOR-SIGNATURE"}) {
    if (request.count(name) != 1) {
      respond(Refuse(request,
                     ApiError::Of(kMissingSignature,
                                  std::string("signed routes need exactly one header ") + name +
                                      " (and DREICHOR-KEY, DREICHOR-TIMESTAMP, "
                                      "DREICHOR-SIGNATURE together)")));
      return std::nullopt;
    }
  }
  const std::string_view method(request.method_string().data(), request.method_string().size());
  const std::string_view target(request.target().data(), request.target().size());
  const std::string_view signature = Header(request, "DREICHOR-SIGNATURE");
  SignedRequest signed_request{
      Header(request, "DREICHOR-KEY"), Header(request, "DREICHOR-TIMESTAMP"), signature,
      SigningPayload(Header(request, "DREICHOR-TIMESTAMP"), method, target, request.body()),
      "rest " + std::string(signature)};
  AuthResult auth = parts_.auth->Check(signed_request);
  if (!auth.caller) {
    respond(Refuse(request, auth.error));
    return std::nullopt;
  }
  if (!auth.caller->Can(permission)) {
    respond(Refuse(request,
                   ApiError::Of(kPermissionDenied,
                                std::string("this API key lacks the ") +
                                    (permission == engine::kPermissionTrade ? "trade" : "read") +
                                    " permission")));
    return std::nullopt;
  }
  if (const int64_t wait = parts_.key_limits->Take(std::to_string(auth.caller->key_id),
                                                   parts_.clock->NowUnixNanos());
      wait > 0) {
    respond(
        Refuse(request, ApiError::Of(kRateLimited, "the API key's rate limit is reached"), wait));
    return std::nullopt;
  }
  return auth.caller;
}

void GatewayHandler::Forward(const Caller& caller, const Request& request, Respond respond,
                             AnswerCheck check) {
  auto shared_respond = std::make_shared<Respond>(std::move(respond));
  const std::string_view target(request.target().data(), request.target().size());
  const bool queued = parts_.link->Send(
      caller.key_id, request.method(), std::string(target), request.body(),
      std::string(Header(request, "traceparent")),
      [this, shared_respond, check = std::move(check), key_id = std::to_string(caller.key_id),
       path = std::string(target.substr(0, target.find('?'))),
       address = std::string(Header(request, kPeerAddressHeader))](Result<RuntimeAnswer> answer) {
        if (!answer.ok()) {
          const ApiError error = ApiError::Of(kRuntimeUnavailable, answer.status().message());
          if (parts_.refusals != nullptr) parts_.refusals->Record(error, path, key_id, address);
          return (*shared_respond)(ErrorReply(error));
        }
        if (check) {
          if (std::optional<Response> replaced = check(answer.value())) {
            return (*shared_respond)(std::move(*replaced));
          }
        }
        Response r(static_cast<bhttp::status>(answer.value().status), 11);
        if (!answer.value().content_type.empty()) {
          r.set(bhttp::field::content_type, answer.value().content_type);
        }
        r.body() = std::move(answer.value().body);
        r.prepare_payload();
        (*shared_respond)(std::move(r));
      });
  if (!queued) {
    (*shared_respond)(
        Refuse(request, ApiError::Of(kGatewayBusy, "the gateway's queue to the runtime is full")));
  }
}

GatewayInternalHandler::GatewayInternalHandler(http::MetricsRegistry* metrics, Readiness readiness,
                                               std::function<uint64_t()> applied_sequence)
    : metrics_(metrics),
      readiness_(std::move(readiness)),
      applied_sequence_(std::move(applied_sequence)) {}

void GatewayInternalHandler::Handle(Request&& request, Respond respond) {
  const std::string_view target(request.target().data(), request.target().size());
  if (request.method() != Method::get) {
    return respond(ErrorReply(http::kMethodNotAllowed, "the internal side answers GET only"));
  }
  if (target == "/metrics") return respond(http::MetricsReply(*metrics_));
  if (target == "/health/live") {
    return respond(http::JsonReply(200, nlohmann::ordered_json{{"live", true}}));
  }
  if (target == "/health/ready" || target == "/health/startup") {
    const std::string why = readiness_();
    nlohmann::ordered_json j{{"ready", why.empty()}, {"applied_sequence", applied_sequence_()}};
    if (!why.empty()) j["reason"] = why;
    if (target == "/health/startup") return respond(http::JsonReply(200, j));
    return respond(http::JsonReply(why.empty() ? 200 : 503, j));
  }
  respond(ErrorReply(http::kNotFound, "no route " + std::string(target)));
}

}  // namespace dreichor::gateway
