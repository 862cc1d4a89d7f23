#include "api/observer_routes.h"

#include <algorithm>
#include <map>

#include "api/errors.h"
#include "api/query.h"
#include "api/view_json.h"
#include "http/reply.h"
#include "util/json_log.h"
#include "util/parse_number.h"
#include "util/sha256.h"

namespace dreichor::api {

namespace {

using http::ApiError;
using http::ErrorReply;
using http::JsonReply;
using http::Response;
using nlohmann::ordered_json;

constexpr size_t kMaxDepthLevels = 1000;
constexpr size_t kMaxRecordsPerPage = 1000;

// A path parameter as an integer no larger than `max`; an error answer naming it otherwise.
std::optional<uint64_t> PathId(const http::RouteParams& p, const char* name, uint64_t max,
                               Response* error) {
  const auto id = ParseDecimal(p.Get(name));
  if (!id || *id > max) {
    *error = ErrorReply(ApiError::BadField(name, "must be a decimal integer in the path"));
    return std::nullopt;
  }
  return id;
}

Response NoParameters(const http::RouteParams& p) {
  return ErrorReply(kUnknownParameter, p.path() + " takes no parameters");
}

Response UnknownMarket(engine::MarketId market) {
  return ErrorReply(kUnknownMarket, "no market " + std::to_string(market));
}

}  // namespace

Response ReadState(const runtime::StateView& seq, audit::AuditLog*, const http::RouteParams& p) {
  if (!p.query().empty()) return NoParameters(p);
  return seq.ReadWithPosition([](const engine::Engine& e, const runtime::StateView::Position& at) {
    ordered_json j;
    j["last_sequence"] = at.sequence;
    j["chain_hash"] = ToHex(at.chain);
    j["state_hash"] = ToHex(e.StateHash());
    j["markets"] = e.ListMarkets().size();
    j["open_orders"] = e.open_order_count();
    return JsonReply(200, j);
  });
}

Response ReadMarkets(const runtime::StateView& seq, audit::AuditLog*, const http::RouteParams& p) {
  if (!p.query().empty()) return NoParameters(p);
  return seq.Read([](const engine::Engine& e) {
    ordered_json list = ordered_json::array();
    for (const auto& m : e.ListMarkets()) list.push_back(MarketJson(m));
    return JsonReply(200, ordered_json{{"markets", std::move(list)}});
  });
}

Response ReadMarket(const runtime::StateView& seq, audit::AuditLog*, const http::RouteParams& p) {
  Response error;
  const auto id = PathId(p, "market", UINT32_MAX, &error);
  if (!id) return error;
  const auto market = static_cast<engine::MarketId>(*id);
  auto m = seq.Read([&](const engine::Engine& e) { return e.GetMarket(market); });
  return m ? JsonReply(200, MarketJson(*m)) : UnknownMarket(market);
}

Response ReadDepth(const runtime::StateView& seq, audit::AuditLog*, const http::RouteParams& p) {
  Response error;
  const auto id = PathId(p, "market", UINT32_MAX, &error);
  if (!id) return error;
  const auto market = static_cast<engine::MarketId>(*id);
  Query query(p.query(), {"levels"});
  const size_t levels = query.Get("levels", 20, 1, kMaxDepthLevels);
  if (query.error()) return ErrorReply(*query.error());
  auto d = seq.Read([&](const engine::Engine& e) { return e.GetDepth(market, levels); });
  return d ? JsonReply(200, DepthJson(*d)) : UnknownMarket(market);
}

Response ReadTrades(const runtime::StateView& seq, audit::AuditLog*, const http::RouteParams& p) {
  Response error;
  const auto id = PathId(p, "market", UINT32_MAX, &error);
  if (!id) return error;
  const auto market = static_cast<engine::MarketId>(*id);
  Query query(p.query(), {"limit"});
  const size_t limit = query.Get("limit", engine::kRecentTrades, 1, engine::kRecentTrades);
  if (query.error()) return ErrorReply(*query.error());
  auto t = seq.Read([&](const engine::Engine& e) { return e.GetRecentTrades(market, limit); });
  return t ? JsonReply(200, TradesJson(market, *t)) : UnknownMarket(market);
}

Response ReadBalances(const runtime::StateView& seq, audit::AuditLog*, const http::RouteParams& p) {
  Response error;
  const auto account = PathId(p, "account", UINT64_MAX, &error);
  if (!account) return error;
  if (!p.query().empty()) return NoParameters(p);
  auto b = seq.Read([&](const engine::Engine& e) { return e.GetBalances(*account); });
  if (!b) return ErrorReply(kUnknownAccount, "no account " + std::to_string(*account));
  return JsonReply(200, BalancesJson(*account, *b));
}

Response ReadAccountOrders(const runtime::StateView& seq, audit::AuditLog*,
                           const http::RouteParams& p) {
  Response error;
  const auto account = PathId(p, "account", UINT64_MAX, &error);
  if (!account) return error;
  Query query(p.query(), {"market"});
  const auto market = static_cast<engine::MarketId>(query.Get("market", 0, 0, UINT32_MAX));
  if (query.error()) return ErrorReply(*query.error());
  auto orders =
      seq.Read([&](const engine::Engine& e) { return e.GetOpenOrders(*account, market); });
  ordered_json list = ordered_json::array();
  for (const auto& o : orders) list.push_back(OrderJson(o));
  return JsonReply(200, ordered_json{{"account", *account}, {"orders", std::move(list)}});
}

Response ReadOrder(const runtime::StateView& seq, audit::AuditLog*, const http::RouteParams& p) {
  Response error;
  const auto id = PathId(p, "order_id", UINT64_MAX, &error);
  if (!id) return error;
  if (!p.query().empty()) return NoParameters(p);
  auto o = seq.Read([&](const engine::Engine& e) { return e.GetOrder(*id); });
  if (!o) {
    return ErrorReply(kOrderNotOpen,
                      "order " + std::to_string(*id) +
                          " is not open (filled, cancelled, expired or never placed); its history "
                          "is in the audit log");
  }
  return JsonReply(200, OrderJson(*o));
}

Response ReadRetention(const runtime::StateView& view, audit::AuditLog*,
                       const http::RouteParams& p) {
  if (!p.query().empty()) return NoParameters(p);
  const engine::EvidencePolicy policy =
      view.Read([](const engine::Engine& e) { return e.evidence(); });
  ordered_json rules = ordered_json::array();
  for (const engine::RetentionRule& r : policy.rules()) {
    ordered_json rule;
    rule["from_sequence"] = r.from_sequence;
    rule["through_sequence"] = r.through_sequence;
    rule["until_ns"] = r.until_ns;
    rule["until"] = FormatUtc(r.until_ns);
    rules.push_back(std::move(rule));
  }
  return JsonReply(200,
                   ordered_json{{"retention", std::move(rules)}, {"legal_holds", policy.holds()}});
}

Response ReadAuditRecords(const runtime::StateView&, audit::AuditLog* log,
                          const http::RouteParams& p) {
  Query query(p.query(), {"from", "limit"});
  const uint64_t from = query.Get("from", 1, 1, UINT64_MAX);
  const size_t limit = query.Get("limit", 100, 1, kMaxRecordsPerPage);
  if (query.error()) return ErrorReply(*query.error());
  auto reader = log->ReadFrom(from);
  if (!reader.ok()) return ErrorReply(kAuditReadFailed, reader.status().message());
  ordered_json list = ordered_json::array();
  audit::Record record;
  while (list.size() < limit) {
    auto more = reader.value()->Next(&record);
    if (!more.ok()) return ErrorReply(kAuditReadFailed, more.status().message());
    if (!more.value()) break;
    list.push_back(RecordJson(record));
  }
  ordered_json j;
  j["from"] = from;
  j["records"] = std::move(list);
  j["last_sequence"] = log->last_sequence();
  return JsonReply(200, j);
}

}  // namespace dreichor::api
