#include "api/view_json.h"

#include "command_json/command_json.h"
#include "engine/command_codec.h"
#include "engine/names.h"
#include "util/json_log.h"
#include "util/sha256.h"

namespace dreichor::api {

using nlohmann::ordered_json;
using namespace engine;

namespace {

ordered_json LevelJson(const DepthLevel& l) {
  return ordered_json{{"price", l.price}, {"quantity", l.quantity}, {"orders", l.order_count}};
}

ordered_json LevelsJson(const std::vector<DepthLevel>& levels) {
  ordered_json out = ordered_json::array();
  for (const DepthLevel& l : levels) out.push_back(LevelJson(l));
  return out;
}

}  // namespace

ordered_json MarketJson(const MarketInfo& m) {
  ordered_json j;
  j["market"] = m.id;
  j["symbol"] = m.symbol;
  j["base_asset"] = m.base_asset;
  j["quote_asset"] = m.quote_asset;
  j["tick_size"] = m.tick_size;
  j["lot_size"] = m.lot_size;
  j["min_quantity"] = m.min_quantity;
  j["max_quantity"] = m.max_quantity;
  j["maker_fee_bps"] = m.maker_fee_bps;
  j["taker_fee_bps"] = m.taker_fee_bps;
  j["status"] = MarketStatusName(m.status);
  j["market_seq"] = m.market_seq;
  j["last_trade_price"] =
      m.last_trade_price == 0 ? ordered_json(nullptr) : ordered_json(m.last_trade_price);
  j["last_trade_quantity"] =
      m.last_trade_price == 0 ? ordered_json(nullptr) : ordered_json(m.last_trade_quantity);
  j["best_bid"] = m.best_bid ? LevelJson(*m.best_bid) : ordered_json(nullptr);
  j["best_ask"] = m.best_ask ? LevelJson(*m.best_ask) : ordered_json(nullptr);
  return j;
}

ordered_json DepthJson(const Depth& d) {
  ordered_json j;
  j["market"] = d.market;
  j["market_seq"] = d.market_seq;
  j["bids"] = LevelsJson(d.bids);
  j["asks"] = LevelsJson(d.asks);
  return j;
}

ordered_json TradesJson(MarketId market, const std::vector<TradeRecord>& trades) {
  ordered_json list = ordered_json::array();
  for (const TradeRecord& t : trades) {
    ordered_json j;
    j["trade_id"] = t.trade_id;
    j["market_seq"] = t.market_seq;
    j["timestamp"] = FormatUtc(t.timestamp);
    j["timestamp_ns"] = t.timestamp;
    j["taker_side"] = SideName(t.taker_side);
    j["price"] = t.price;
    j["quantity"] = t.quantity;
    list.push_back(std::move(j));
  }
  return ordered_json{{"market", market}, {"trades", std::move(list)}};
}

ordered_json BalancesJson(AccountId account, const std::vector<BalanceInfo>& balances) {
  ordered_json list = ordered_json::array();
  for (const BalanceInfo& b : balances) {
    list.push_back(ordered_json{{"asset", b.asset}, {"available", b.available}, {"held", b.held}});
  }
  return ordered_json{{"account", account}, {"balances", std::move(list)}};
}

ordered_json OrderJson(const OrderInfo& o) {
  ordered_json j;
  j["order_id"] = o.id;
  if (o.client_order_id != 0) j["client_order_id"] = o.client_order_id;
  j["account"] = o.account;
  j["market"] = o.market;
  j["side"] = SideName(o.side);
  j["kind"] = OrderKindName(o.kind);
  j["price"] = o.price;
  j["open_quantity"] = o.open;
  j["filled_quantity"] = o.filled;
  j["status"] = o.filled == 0 ? "open" : "partially_filled";
  return j;
}

ordered_json RecordJson(const audit::Record& r) {
  ordered_json j;
  j["sequence"] = r.sequence;
  j["timestamp"] = FormatUtc(r.timestamp_ns);
  j["timestamp_ns"] = r.timestamp_ns;
  j["event_id"] = audit::EventIdToString(r.event_id);
  j["type"] = r.type;
  j["chain_hash"] = ToHex(r.chain);
  auto command = DecodeCommand(r.payload);
  if (command.ok()) {
    j["command"] = command_json::ToJson(command.value());
  } else {
    j["payload_hex"] = ToHex(reinterpret_cast<const uint8_t*>(r.payload.data()), r.payload.size());
    j["decode_error"] = command.status().message();
  }
  return j;
}

}  // namespace dreichor::api
