#include "command_json/command_json.h"

#include <algorithm>
#include <limits>

#include "engine/api_keys.h"
#include "engine/names.h"
#include "engine/reason.h"
#include "http/json_fields.h"
#include "util/base64.h"

namespace dreichor::command_json {

namespace {

using namespace engine;
using http::ApiError;
using http::FieldReader;
using http::JsonWriter;
using http::Need;
using nlohmann::ordered_json;

constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
constexpr uint32_t kU32Max = std::numeric_limits<uint32_t>::max();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr const char* kSides = "buy, sell";
constexpr const char* kKinds = "limit, market, ioc, fok, post_only";

void ReadOrderRef(FieldReader& f, OrderRef* ref) {
  f.Uint("order_id", &ref->order_id, Need::kOptional, 1, kU64Max);
  f.Uint("client_order_id", &ref->client_order_id, Need::kOptional, 1, kU64Max);
}

std::optional<ApiError> CheckOrderRef(const FieldReader& f) {
  if (f.Has("order_id") == f.Has("client_order_id")) {
    return ApiError::BadField("order_id", "give exactly one of order_id and client_order_id");
  }
  return std::nullopt;
}

std::optional<ApiError> Read(FieldReader& f, PlaceOrder* c) {
  f.Uint("account", &c->account, Need::kRequired, 0, kU64Max);
  f.Uint32("market", &c->market, Need::kRequired, 0, kU32Max);
  f.Uint("client_order_id", &c->client_order_id, Need::kOptional, 1, kU64Max);
  f.Enum("side", &c->side, Need::kRequired, ParseSide, kSides);
  f.Enum("kind", &c->kind, Need::kRequired, ParseOrderKind, kKinds);
  f.Int("price", &c->price, Need::kOptional, 0, kI64Max);
  f.Int("quantity", &c->quantity, Need::kRequired, 0, kI64Max);
  f.Int("quote_budget", &c->quote_budget, Need::kOptional, 0, kI64Max);
  return f.Finish();
}

std::optional<ApiError> Read(FieldReader& f, CancelOrder* c) {
  f.Uint("account", &c->account, Need::kRequired, 0, kU64Max);
  ReadOrderRef(f, &c->order);
  if (auto e = f.Finish()) return e;
  return CheckOrderRef(f);
}

std::optional<ApiError> Read(FieldReader& f, CancelAll* c) {
  f.Uint("account", &c->account, Need::kRequired, 0, kU64Max);
  f.Uint32("market", &c->market, Need::kOptional, 0, kU32Max);
  return f.Finish();
}

std::optional<ApiError> Read(FieldReader& f, AmendOrder* c) {
  f.Uint("account", &c->account, Need::kRequired, 0, kU64Max);
  ReadOrderRef(f, &c->order);
  f.Int("price", &c->new_price, Need::kRequired, 0, kI64Max);
  f.Int("quantity", &c->new_quantity, Need::kRequired, 0, kI64Max);
  if (auto e = f.Finish()) return e;
  return CheckOrderRef(f);
}

std::optional<ApiError> Read(FieldReader& f, CreateMarket* c) {
  f.Uint32("market", &c->market, Need::kRequired, 0, kU32Max);
  f.String("symbol", &c->symbol, Need::kRequired, kMaxSymbolLength);
  f.String("base_asset", &c->base_asset, Need::kRequired, kMaxAssetCodeLength);
  f.String("quote_asset", &c->quote_asset, Need::kRequired, kMaxAssetCodeLength);
  f.Int("tick_size", &c->tick_size, Need::kRequired, 0, kI64Max);
  f.Int("lot_size", &c->lot_size, Need::kRequired, 0, kI64Max);
  f.Int("min_quantity", &c->min_quantity, Need::kRequired, 0, kI64Max);
  f.Int("max_quantity", &c->max_quantity, Need::kRequired, 0, kI64Max);
  f.Uint32("maker_fee_bps", &c->maker_fee_bps, Need::kRequired, 0, kU32Max);
  f.Uint32("taker_fee_bps", &c->taker_fee_bps, Need::kRequired, 0, kU32Max);
  return f.Finish();
}

std::optional<ApiError> Read(FieldReader& f, SetMarketStatus* c) {
  f.Uint32("market", &c->market, Need::kRequired, 0, kU32Max);
  f.Enum("status", &c->status, Need::kRequired, ParseMarketStatus, "open, halted");
  return f.Finish();
}

template <typename Movement>
std::optional<ApiError> ReadMovement(FieldReader& f, Movement* c) {
  f.Uint("account", &c->account, Need::kRequired, 0, kU64Max);
  f.String("asset", &c->asset, Need::kRequired, kMaxAssetCodeLength);
  f.Int("amount", &c->amount, Need::kRequired, 0, kI64Max);
  return f.Finish();
}

std::optional<ApiError> Read(FieldReader& f, SetRiskLimits* c) {
  f.Uint("account", &c->account, Need::kRequired, 0, kU64Max);
  f.Int("max_order_quantity", &c->max_order_quantity, Need::kRequired, 0, kI64Max);
  f.Int("max_order_notional", &c->max_order_notional, Need::kRequired, 0, kI64Max);
  f.Uint32("max_open_orders", &c->max_open_orders, Need::kRequired, 0, kU32Max);
  f.Uint32("price_band_bps", &c->price_band_bps, Need::kRequired, 0, kU32Max);
  f.Uint32("rate_capacity", &c->rate_capacity, Need::kRequired, 0, kU32Max);
  f.Uint32("rate_per_second", &c->rate_per_second, Need::kRequired, 0, kU32Max);
  f.Enum("stp_mode", &c->stp_mode, Need::kRequired, ParseStpMode,
         "cancel_resting, cancel_incoming, cancel_both");
  return f.Finish();
}

std::optional<ApiError> Read(FieldReader& f, SetRetention* c) {
  f.Uint("from_sequence", &c->from_sequence, Need::kRequired, 1, kU64Max);
  f.Uint("through_sequence", &c->through_sequence, Need::kRequired, 1, kU64Max);
  f.Int("until_ns", &c->until_ns, Need::kRequired, 1, kI64Max);
  return f.Finish();
}

std::optional<bool> ParseHoldAction(std::string_view s) {
  if (s == "place") return true;
  if (s == "release") return false;
  return std::nullopt;
}

std::optional<ApiError> Read(FieldReader& f, LegalHold* c) {
  f.Uint("hold_id", &c->hold_id, Need::kRequired, 1, kU64Max);
  f.Enum("action", &c->placed, Need::kRequired, ParseHoldAction, "place, release");
  return f.Finish();
}

std::optional<uint8_t> ParsePermissions(std::string_view s) {
  if (s == "read") return kPermissionRead;
  if (s == "trade") return kPermissionTrade;
  if (s == "read,trade") return kAllPermissions;
  return std::nullopt;
}

std::optional<ApiError> Read(FieldReader& f, RegisterApiKey* c) {
  std::string public_key;
  f.Uint("key_id", &c->key_id, Need::kRequired, 1, kU64Max);
  f.Uint("account", &c->account, Need::kRequired, 1, kU64Max);
  f.String("public_key", &public_key, Need::kRequired, 64);
  f.Enum("permissions", &c->permissions, Need::kRequired, ParsePermissions,
         "read, trade, read,trade");
  if (auto e = f.Finish()) return e;
  const std::optional<std::string> raw = Base64Decode(public_key);
  if (!raw || raw->size() != c->public_key.size()) {
    return ApiError::BadField("public_key", "must be a raw 32-byte Ed25519 public key in base64");
  }
  std::copy(raw->begin(), raw->end(), c->public_key.begin());
  return std::nullopt;
}

std::optional<ApiError> Read(FieldReader& f, RevokeApiKey* c) {
  f.Uint("key_id", &c->key_id, Need::kRequired, 1, kU64Max);
  return f.Finish();
}

template <typename C>
std::optional<ApiError> Build(const nlohmann::json& body, Command* out) {
  C command;
  FieldReader f(body);
  std::optional<ApiError> e;
  if constexpr (std::is_same_v<C, Deposit> || std::is_same_v<C, Withdraw>) {
    e = ReadMovement(f, &command);
  } else {
    e = Read(f, &command);
  }
  if (!e) *out = std::move(command);
  return e;
}

void WriteEventFields(const Event& ev, JsonWriter* w) {
  w->BeginObject();
  w->Key("type");
  w->String(EventTypeName(ev.type));
  w->Key("market");
  w->Uint(ev.market);
  auto field = [w](std::string_view k, int64_t v) {
    w->Key(k);
    w->Int(v);
  };
  auto ufield = [w](std::string_view k, uint64_t v) {
    w->Key(k);
    w->Uint(v);
  };
  auto sfield = [w](std::string_view k, std::string_view v) {
    w->Key(k);
    w->String(v);
  };
  switch (ev.type) {
    case EventType::kTrade:
      ufield("trade_id", ev.trade_id);
      ufield("market_seq", ev.market_seq);
      sfield("taker_side", SideName(ev.side));
      field("price", ev.price);
      field("quantity", ev.quantity);
      ufield("taker_order_id", ev.order_id);
      ufield("taker_account", ev.account);
      field("taker_fee", ev.fee);
      ufield("maker_order_id", ev.maker_order_id);
      ufield("maker_account", ev.maker_account);
      field("maker_fee", ev.maker_fee);
      w->EndObject();
      return;
    case EventType::kBookChanged:
      ufield("market_seq", ev.market_seq);
      sfield("side", SideName(ev.side));
      field("price", ev.price);
      field("quantity", ev.quantity);
      ufield("order_count", ev.order_count);
      w->EndObject();
      return;
    default:
      break;
  }
  ufield("order_id", ev.order_id);
  ufield("account", ev.account);
  sfield("side", SideName(ev.side));
  if (ev.type == EventType::kOrderAccepted) sfield("kind", OrderKindName(ev.kind));
  if (ev.type != EventType::kOrderFilled) field("quantity", ev.quantity);
  if (ev.type == EventType::kOrderAccepted || ev.type == EventType::kOrderRested ||
      ev.type == EventType::kOrderAmended) {
    field("price", ev.price);
  }
  if (ev.type == EventType::kOrderAmended) {
    w->Key("priority_kept");
    w->Bool(ev.priority_kept != 0);
  }
  if (ev.type == EventType::kOrderCancelled || ev.type == EventType::kOrderExpired) {
    sfield("reason", ReasonCode(ev.reason));
  }
  w->EndObject();
}

// Each command's fields, in the order the API documents them, handed to `out(key, value)`: one
// list for both JSON forms (a document, and text written directly).
template <typename Out>
void RefFields(const OrderRef& r, Out& out) {
  if (r.order_id != 0) out("order_id", r.order_id);
  if (r.client_order_id != 0) out("client_order_id", r.client_order_id);
}

template <typename Out>
void Fields(const PlaceOrder& c, Out& out) {
  out("account", c.account);
  out("market", c.market);
  if (c.client_order_id != 0) out("client_order_id", c.client_order_id);
  out("side", SideName(c.side));
  out("kind", OrderKindName(c.kind));
  out("price", c.price);
  out("quantity", c.quantity);
  if (c.quote_budget != 0) out("quote_budget", c.quote_budget);
}
template <typename Out>
void Fields(const CancelOrder& c, Out& out) {
  out("account", c.account);
  RefFields(c.order, out);
}
template <typename Out>
void Fields(const CancelAll& c, Out& out) {
  out("account", c.account);
  if (c.market != 0) out("market", c.market);
}
template <typename Out>
void Fields(const AmendOrder& c, Out& out) {
  out("account", c.account);
  RefFields(c.order, out);
  out("price", c.new_price);
  out("quantity", c.new_quantity);
}
template <typename Out>
void Fields(const CreateMarket& c, Out& out) {
  out("market", c.market);
  out("symbol", c.symbol);
  out("base_asset", c.base_asset);
  out("quote_asset", c.quote_asset);
  out("tick_size", c.tick_size);
  out("lot_size", c.lot_size);
  out("min_quantity", c.min_quantity);
  out("max_quantity", c.max_quantity);
  out("maker_fee_bps", c.maker_fee_bps);
  out("taker_fee_bps", c.taker_fee_bps);
}
template <typename Out>
void Fields(const SetMarketStatus& c, Out& out) {
  out("market", c.market);
  out("status", MarketStatusName(c.status));
}
template <typename Out>
void Fields(const Deposit& c, Out& out) {
  out("account", c.account);
  out("asset", c.asset);
  out("amount", c.amount);
}
template <typename Out>
void Fields(const Withdraw& c, Out& out) {
  out("account", c.account);
  out("asset", c.asset);
  out("amount", c.amount);
}
template <typename Out>
void Fields(const SetRiskLimits& c, Out& out) {
  out("account", c.account);
  out("max_order_quantity", c.max_order_quantity);
  out("max_order_notional", c.max_order_notional);
  out("max_open_orders", c.max_open_orders);
  out("price_band_bps", c.price_band_bps);
  out("rate_capacity", c.rate_capacity);
  out("rate_per_second", c.rate_per_second);
  out("stp_mode", StpModeName(c.stp_mode));
}

template <typename Out>
void Fields(const SetRetention& c, Out& out) {
  out("from_sequence", c.from_sequence);
  out("through_sequence", c.through_sequence);
  out("until_ns", c.until_ns);
}
template <typename Out>
void Fields(const LegalHold& c, Out& out) {
  out("hold_id", c.hold_id);
  out("action", c.placed ? "place" : "release");
}

template <typename Out>
void Fields(const RegisterApiKey& c, Out& out) {
  out("key_id", c.key_id);
  out("account", c.account);
  out("public_key", Base64Encode(std::string_view(
                        reinterpret_cast<const char*>(c.public_key.data()), c.public_key.size())));
  out("permissions", PermissionsName(c.permissions));
}
template <typename Out>
void Fields(const RevokeApiKey& c, Out& out) {
  out("key_id", c.key_id);
}

}  // namespace

ordered_json ToJson(const Command& command) {
  ordered_json j;
  j["command"] = CommandTypeName(TypeOf(command));
  auto out = [&j](const char* key, const auto& value) { j[key] = value; };
  std::visit([&out](const auto& c) { Fields(c, out); }, command);
  return j;
}

void WriteCommandFields(const Command& command, JsonWriter* w) {
  w->Key("command");
  w->String(CommandTypeName(TypeOf(command)));
  auto out = [w](const char* key, const auto& value) {
    using V = std::decay_t<decltype(value)>;
    w->Key(key);
    if constexpr (std::is_same_v<V, std::string> || std::is_same_v<V, std::string_view> ||
                  std::is_same_v<V, const char*>) {
      w->String(value);
    } else if constexpr (std::is_signed_v<V>) {
      w->Int(value);
    } else {
      w->Uint(value);
    }
  };
  std::visit([&out](const auto& c) { Fields(c, out); }, command);
}

void WriteEvent(const Event& event, JsonWriter* w) { WriteEventFields(event, w); }

std::optional<ApiError> Parse(CommandType type, std::string_view body, Command* out) {
  nlohmann::json object;
  if (auto e = http::ParseObject(body, &object)) return e;
  switch (type) {
    case CommandType::kPlaceOrder:
      return Build<PlaceOrder>(object, out);
    case CommandType::kCancelOrder:
      return Build<CancelOrder>(object, out);
    case CommandType::kCancelAll:
      return Build<CancelAll>(object, out);
    case CommandType::kAmendOrder:
      return Build<AmendOrder>(object, out);
    case CommandType::kCreateMarket:
      return Build<CreateMarket>(object, out);
    case CommandType::kSetMarketStatus:
      return Build<SetMarketStatus>(object, out);
    case CommandType::kDeposit:
      return Build<Deposit>(object, out);
    case CommandType::kWithdraw:
      return Build<Withdraw>(object, out);
    case CommandType::kSetRiskLimits:
      return Build<SetRiskLimits>(object, out);
    case CommandType::kSetRetention:
      return Build<SetRetention>(object, out);
    case CommandType::kLegalHold:
      return Build<LegalHold>(object, out);
    case CommandType::kRegisterApiKey:
      return Build<RegisterApiKey>(object, out);
    case CommandType::kRevokeApiKey:
      return Build<RevokeApiKey>(object, out);
  }
  return ApiError::Of(http::kInternal, "unknown command type");
}

}  // namespace dreichor::command_json
