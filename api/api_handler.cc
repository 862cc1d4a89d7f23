#include "api/api_handler.h"

#include <openssl/crypto.h>

#include <charconv>
#include <chrono>
#include <map>
#include <vector>

#include "api/view_json.h"
#include "engine/names.h"
#include "util/json_text.h"
#include "util/sha256.h"

namespace dreichor::api {

namespace http = boost::beast::http;
using nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kMaxDepthLevels = 1000;
constexpr size_t kMaxRecordsPerPage = 1000;

Response JsonResponse(int status, const std::string& body) {
  Response res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.body() = body;
  return res;
}

Response Json(const ordered_json& j, int status = 200) { return JsonResponse(status, JsonText(j)); }

Response Error(const ApiError& e) { return JsonResponse(e.status, ErrorBody(e)); }

Response Error(int status, const std::string& code, const std::string& message) {
  return Error(ApiError{status, code, message, ""});
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    const size_t end = std::min(path.find('/', i), path.size());
    out.push_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

// A decimal integer that fits in uint64 (no sign, no leading '+', at most 20 digits).
std::optional<uint64_t> ParseId(std::string_view text) {
  uint64_t v = 0;
  if (text.empty() || text.size() > 20) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// Query parameters: only `allowed` names, each at most once, each a decimal integer.
class Query {
 public:
  Query(std::string_view text, std::initializer_list<const char*> allowed) {
    while (!text.empty() && !error_) {
      const size_t amp = std::min(text.find('&'), text.size());
      std::string_view pair = text.substr(0, amp);
      text.remove_prefix(std::min(amp + 1, text.size()));
      if (pair.empty()) continue;
      const size_t eq = pair.find('=');
      const std::string name(pair.substr(0, eq));
      const std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      bool known = false;
      for (const char* a : allowed) known = known || name == a;
      if (!known) {
        error_ = ApiError{400, "unknown_parameter", name + ": unknown query parameter", name};
      } else if (values_.count(name) != 0) {
        error_ = ApiError::BadField(name, "given more than once");
      } else if (auto v = ParseId(value)) {
        values_[name] = *v;
      } else {
        error_ = ApiError::BadField(name, "must be a non-negative decimal integer");
      }
    }
  }
  const std::optional<ApiError>& error() const { return error_; }
  // The value, or `fallback` when absent; an error when outside [min, max].
  uint64_t Get(const char* name, uint64_t fallback, uint64_t min, uint64_t max) {
    auto it = values_.find(name);
    if (it == values_.end()) return fallback;
    if ((it->second < min || it->second > max) && !error_) {
      error_ = ApiError::BadField(
          name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return it->second;
  }
  bool Has(const char* name) const { return values_.count(name) != 0; }

 private:
  std::map<std::string, uint64_t> values_;
  std::optional<ApiError> error_;
};

struct CommandRouteInfo {
  std::string_view path;
  CommandRoute route;
  bool admin;
};

constexpr CommandRouteInfo kCommandRoutes[] = {
    {"/v1/orders", CommandRoute::kPlaceOrder, false},
    {"/v1/orders/cancel", CommandRoute::kCancelOrder, false},
    {"/v1/orders/cancel-all", CommandRoute::kCancelAll, false},
    {"/v1/orders/amend", CommandRoute::kAmendOrder, false},
    {"/v1/admin/markets", CommandRoute::kCreateMarket, true},
    {"/v1/admin/market-status", CommandRoute::kSetMarketStatus, true},
    {"/v1/admin/deposits", CommandRoute::kDeposit, true},
    {"/v1/admin/withdrawals", CommandRoute::kWithdraw, true},
    {"/v1/admin/risk-limits", CommandRoute::kSetRiskLimits, true},
};

const engine::CommandType kAllTypes[] = {
    engine::CommandType::kCreateMarket,  engine::CommandType::kSetMarketStatus,
    engine::CommandType::kDeposit,       engine::CommandType::kWithdraw,
    engine::CommandType::kSetRiskLimits, engine::CommandType::kPlaceOrder,
    engine::CommandType::kCancelOrder,   engine::CommandType::kCancelAll,
    engine::CommandType::kAmendOrder,
};

size_t TypeIndex(engine::CommandType t) { return static_cast<size_t>(t) & 31; }

ApiError NotServing(const runtime::HealthState& health) {
  if (health.shutting_down()) {
    return ApiError{503, "shutting_down", "the runtime is shutting down; no new commands", ""};
  }
  if (!health.persistence_healthy()) {
    return ApiError{503, "persistence_failed",
                    "the audit log has failed; the runtime accepts no commands until restarted",
                    ""};
  }
  return ApiError{
      503, "starting",
      "the runtime is starting (phase " + std::string(runtime::PhaseName(health.phase())) + ")",
      ""};
}

}  // namespace

ApiHandler::ApiHandler(runtime::HealthState* health, MetricsRegistry* metrics, ApiOptions options)
    : health_(health), metrics_(metrics), options_(std::move(options)) {
  const std::string help = "Commands answered, by type and outcome (failed: not made durable).";
  for (engine::CommandType t : kAllTypes) {
    const std::string type = engine::CommandTypeName(t);
    CommandMetrics& m = by_type_[TypeIndex(t)];
    m.accepted = metrics->AddCounter("dreichor_commands_total", help,
                                     {{"type", type}, {"outcome", "accepted"}});
    m.rejected = metrics->AddCounter("dreichor_commands_total", help,
                                     {{"type", type}, {"outcome", "rejected"}});
    m.failed = metrics->AddCounter("dreichor_commands_total", help,
                                   {{"type", type}, {"outcome", "failed"}});
  }
  latency_ = metrics->AddHistogram(
      "dreichor_command_latency_seconds",
      "From a command's request being read to its answer being ready (durable and applied).",
      ExponentialBuckets(50e-6, 2, 14));
  for (int c = 2; c <= 5; ++c) {
    responses_[c] =
        metrics->AddCounter("dreichor_http_responses_total", "HTTP responses by status class.",
                            {{"class", std::to_string(c) + "xx"}});
  }
}

bool ApiHandler::Authorized(const Request& request) const {
  // Exactly one header: with two, which one a proxy checked and which one we read could differ.
  if (request.count(http::field::authorization) != 1) return false;
  auto it = request.find(http::field::authorization);
  std::string_view value(it->value().data(), it->value().size());
  constexpr std::string_view kBearer = "Bearer ";
  if (value.substr(0, kBearer.size()) != kBearer) return false;
  value.remove_prefix(kBearer.size());
  // Hashing both sides first makes the comparison independent of lengths and contents.
  const Sha256::Digest given = Sha256::Of(value);
  const Sha256::Digest expected = Sha256::Of(options_.admin_token);
  return CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

void ApiHandler::Handle(Request&& request, Respond respond) {
  const std::string_view target(request.target().data(), request.target().size());
  const size_t q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  Counter** responses = responses_;
  auto count = [responses](const Response& r) {
    const int c = static_cast<int>(r.result_int()) / 100;
    if (c >= 2 && c <= 5) responses[c]->Add();
  };
  auto send = [&](Response r) {
    count(r);
    respond(std::move(r));
  };

  for (const CommandRouteInfo& info : kCommandRoutes) {
    if (path != info.path) continue;
    if (request.method() != http::verb::post) {
      Response r = Error(405, "method_not_allowed", std::string(path) + " accepts POST only");
      r.set(http::field::allow, "POST");
      return send(std::move(r));
    }
    if (info.admin && !Authorized(request)) {
      Response r =
          Error(401, "unauthorized",
                "admin routes need exactly one header Authorization: Bearer <admin token>");
      r.set(http::field::www_authenticate, "Bearer");
      return send(std::move(r));
    }
    return HandleCommand(info.route, request, std::move(respond));
  }
  if (request.method() != http::verb::get) {
    Response r = Error(405, "method_not_allowed", std::string(path) + " accepts GET only");
    r.set(http::field::allow, "GET");
    return send(std::move(r));
  }
  if (path.substr(0, 8) == "/health/") return send(Health(path));
  if (path == "/metrics") {
    Response r{http::status::ok, 11};
    r.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    r.body() = metrics_->Render();
    return send(std::move(r));
  }
  if (health_->sequencer() == nullptr || health_->shutting_down()) {
    return send(Error(NotServing(*health_)));
  }
  send(HandleRead(request, path, query));
}

Response ApiHandler::Health(std::string_view path) const {
  const runtime::Phase phase = health_->phase();
  if (path == "/health/live") return Json(ordered_json{{"live", true}});
  if (path == "/health/ready") {
    if (health_->ready()) return Json(ordered_json{{"ready", true}});
    const ApiError e = NotServing(*health_);
    ordered_json j = ordered_json::parse(ErrorBody(ApiError{503, "not_ready", e.message, ""}));
    j["ready"] = false;
    j["phase"] = runtime::PhaseName(phase);
    return Json(j, 503);
  }
  if (path == "/health/startup") {
    ordered_json j;
    const bool started = phase >= runtime::Phase::kReady;
    j["started"] = started;
    j["phase"] = runtime::PhaseName(phase);
    j["replay"] = {{"done", health_->replay_done()}, {"total", health_->replay_total()}};
    if (started) return Json(j);
    ordered_json e = ordered_json::parse(ErrorBody(ApiError{
        503, "starting", "startup is in phase " + std::string(runtime::PhaseName(phase)), ""}));
    for (auto it = j.begin(); it != j.end(); ++it) e[it.key()] = it.value();
    return Json(e, 503);
  }
  return Error(404, "not_found", "no such health endpoint: " + std::string(path));
}

void ApiHandler::HandleCommand(CommandRoute route, const Request& request, Respond respond) {
  const Clock::time_point start = Clock::now();
  Counter** responses = responses_;
  auto send = [&](Response r) {
    responses[static_cast<int>(r.result_int()) / 100]->Add();
    respond(std::move(r));
  };
  runtime::Sequencer* sequencer = health_->sequencer();
  if (!health_->ready() || sequencer == nullptr) return send(Error(NotServing(*health_)));
  auto type_it = request.find(http::field::content_type);
  if (type_it != request.end() &&
      std::string_view(type_it->value().data(), type_it->value().size()).substr(0, 16) !=
          "application/json") {
    return send(Error(415, "unsupported_media_type", "send the body as application/json"));
  }
  engine::Command command;
  if (auto e = ParseCommand(route, request.body(), &command)) return send(Error(*e));
  CommandMetrics* metrics = &by_type_[TypeIndex(engine::TypeOf(command))];
  in_flight_++;
  Histogram* latency = latency_;
  std::atomic<int64_t>* in_flight = &in_flight_;
  sequencer->Submit(std::move(command), [=](const runtime::CommandResult& result) {
    if (!result.status.ok()) {
      metrics->failed->Add();
      responses[5]->Add();
      const bool stopping = result.status.code() == StatusCode::kFailedPrecondition;
      respond(Error(503, stopping ? "shutting_down" : "not_durable", result.status.message()));
    } else {
      (result.outcome.accepted ? metrics->accepted : metrics->rejected)->Add();
      responses[2]->Add();
      latency->Observe(std::chrono::duration<double>(Clock::now() - start).count());
      // Rendering runs on the connection's thread, not the sequencer's.
      auto shared = std::make_shared<runtime::CommandResult>(result);
      respond.Build([shared] { return JsonResponse(200, CommandResultBody(*shared)); });
    }
    (*in_flight)--;
  });
}

Response ApiHandler::HandleRead(const Request& request, std::string_view path,
                                std::string_view query) {
  (void)request;
  const runtime::Sequencer& seq = *health_->sequencer();
  const std::vector<std::string_view> s = Segments(path);
  auto bad_id = [](const char* what) {
    return Error(ApiError::BadField(what, "must be a decimal integer in the path"));
  };
  auto check_query = [](Query& qp) -> std::optional<Response> {
    if (qp.error()) return Error(*qp.error());
    return std::nullopt;
  };
  if (s.size() < 2 || s[0] != "v1") return Error(404, "not_found", "no route " + std::string(path));

  if (s.size() == 2 && s[1] == "state") {
    if (!query.empty()) return Error(400, "unknown_parameter", "/v1/state takes no parameters");
    return seq.ReadWithPosition([](const engine::Engine& e, const runtime::Sequencer::Position& p) {
      ordered_json j;
      j["last_sequence"] = p.sequence;
      j["chain_hash"] = ToHex(p.chain);
      j["state_hash"] = ToHex(e.StateHash());
      j["markets"] = e.ListMarkets().size();
      j["open_orders"] = e.open_order_count();
      return Json(j);
    });
  }
  if (s[1] == "markets") {
    if (s.size() == 2) {
      if (!query.empty()) return Error(400, "unknown_parameter", "/v1/markets takes no parameters");
      return seq.Read([](const engine::Engine& e) {
        ordered_json list = ordered_json::array();
        for (const auto& m : e.ListMarkets()) list.push_back(MarketJson(m));
        return Json(ordered_json{{"markets", std::move(list)}});
      });
    }
    auto id = ParseId(s[2]);
    if (!id || *id > UINT32_MAX) return bad_id("market");
    const auto market = static_cast<engine::MarketId>(*id);
    auto unknown = [&] {
      return Error(404, "unknown_market", "no market " + std::to_string(market));
    };
    if (s.size() == 3) {
      auto m = seq.Read([&](const engine::Engine& e) { return e.GetMarket(market); });
      return m ? Json(MarketJson(*m)) : unknown();
    }
    if (s.size() == 4 && s[3] == "depth") {
      Query qp(query, {"levels"});
      const size_t levels = qp.Get("levels", 20, 1, kMaxDepthLevels);
      if (auto r = check_query(qp)) return *r;
      auto d = seq.Read([&](const engine::Engine& e) { return e.GetDepth(market, levels); });
      return d ? Json(DepthJson(*d)) : unknown();
    }
    if (s.size() == 4 && s[3] == "trades") {
      Query qp(query, {"limit"});
      const size_t limit = qp.Get("limit", engine::kRecentTrades, 1, engine::kRecentTrades);
      if (auto r = check_query(qp)) return *r;
      auto t = seq.Read([&](const engine::Engine& e) { return e.GetRecentTrades(market, limit); });
      return t ? Json(TradesJson(market, *t)) : unknown();
    }
  }
  if (s[1] == "accounts" && s.size() == 4) {
    auto id = ParseId(s[2]);
    if (!id) return bad_id("account");
    const engine::AccountId account = *id;
    if (s[3] == "balances") {
      if (!query.empty()) return Error(400, "unknown_parameter", "balances take no parameters");
      auto b = seq.Read([&](const engine::Engine& e) { return e.GetBalances(account); });
      if (!b) return Error(404, "unknown_account", "no account " + std::to_string(account));
      return Json(BalancesJson(account, *b));
    }
    if (s[3] == "orders") {
      Query qp(query, {"market"});
      const auto market = static_cast<engine::MarketId>(qp.Get("market", 0, 0, UINT32_MAX));
      if (auto r = check_query(qp)) return *r;
      auto orders =
          seq.Read([&](const engine::Engine& e) { return e.GetOpenOrders(account, market); });
      ordered_json list = ordered_json::array();
      for (const auto& o : orders) list.push_back(OrderJson(o));
      return Json(ordered_json{{"account", account}, {"orders", std::move(list)}});
    }
  }
  if (s[1] == "orders" && s.size() == 3) {
    auto id = ParseId(s[2]);
    if (!id) return bad_id("order_id");
    if (!query.empty()) return Error(400, "unknown_parameter", "orders take no parameters");
    auto o = seq.Read([&](const engine::Engine& e) { return e.GetOrder(*id); });
    if (!o) {
      return Error(404, "order_not_open",
                   "order " + std::to_string(*id) +
                       " is not open (filled, cancelled, expired or never placed); its history "
                       "is in the audit log");
    }
    return Json(OrderJson(*o));
  }
  if (s.size() == 3 && s[1] == "audit" && s[2] == "records") {
    Query qp(query, {"from", "limit"});
    const uint64_t from = qp.Get("from", 1, 1, UINT64_MAX);
    const size_t limit = qp.Get("limit", 100, 1, kMaxRecordsPerPage);
    if (auto r = check_query(qp)) return *r;
    audit::AuditLog* log = health_->log();
    auto reader = log->ReadFrom(from);
    if (!reader.ok()) return Error(500, "audit_read_failed", reader.status().message());
    ordered_json list = ordered_json::array();
    audit::Record record;
    while (list.size() < limit) {
      auto more = reader.value()->Next(&record);
      if (!more.ok()) return Error(500, "audit_read_failed", more.status().message());
      if (!more.value()) break;
      list.push_back(RecordJson(record));
    }
    ordered_json j;
    j["from"] = from;
    j["records"] = std::move(list);
    j["last_sequence"] = log->last_sequence();
    return Json(j);
  }
  return Error(404, "not_found", "no route " + std::string(path));
}

}  // namespace dreichor::api
