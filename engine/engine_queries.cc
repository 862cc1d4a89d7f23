// Read-only views of the engine's state for the observer API and tools.
#include <algorithm>

#include "engine/engine.h"

namespace dreichor::engine {

namespace {
DepthLevel ToDepth(const Level& l) { return DepthLevel{l.price, l.total, l.count}; }
}  // namespace

std::optional<MarketInfo> Engine::GetMarket(MarketId market) const {
  const uint32_t* slot = market_index_.Find(market);
  if (slot == nullptr) return std::nullopt;
  const Market& m = markets_[*slot];
  MarketInfo info;
  info.id = m.id;
  info.symbol = m.symbol;
  info.base_asset = ledger_.asset_code(m.base);
  info.quote_asset = ledger_.asset_code(m.quote);
  info.tick_size = m.tick_size;
  info.lot_size = m.lot_size;
  info.min_quantity = m.min_quantity;
  info.max_quantity = m.max_quantity;
  info.maker_fee_bps = m.maker_fee_bps;
  info.taker_fee_bps = m.taker_fee_bps;
  info.status = m.status;
  info.last_trade_price = m.last_trade_price;
  info.last_trade_quantity = m.last_trade_quantity;
  info.market_seq = m.market_seq;
  if (!m.bids.empty()) info.best_bid = ToDepth(m.bids.best());
  if (!m.asks.empty()) info.best_ask = ToDepth(m.asks.best());
  return info;
}

std::optional<std::vector<TradeRecord>> Engine::GetRecentTrades(MarketId market,
                                                                size_t limit) const {
  const uint32_t* slot = market_index_.Find(market);
  if (slot == nullptr) return std::nullopt;
  const RecentTrades& recent = markets_[*slot].recent_trades;
  std::vector<TradeRecord> out;
  for (uint32_t i = recent.size(); i > 0 && out.size() < limit; --i) {
    out.push_back(recent.at(i - 1));
  }
  return out;
}

std::vector<MarketInfo> Engine::ListMarkets() const {
  std::vector<MarketInfo> out;
  for (const Market& m : markets_) out.push_back(*GetMarket(m.id));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::optional<Depth> Engine::GetDepth(MarketId market, size_t levels) const {
  const uint32_t* slot = market_index_.Find(market);
  if (slot == nullptr) return std::nullopt;
  const Market& m = markets_[*slot];
  Depth d;
  d.market = m.id;
  d.market_seq = m.market_seq;
  auto top = [levels](const BookSide& side, std::vector<DepthLevel>* out) {
    side.ForEachBestFirst([&](const Level& l) {
      if (out->size() >= levels) return false;
      out->push_back(ToDepth(l));
      return true;
    });
  };
  top(m.bids, &d.bids);
  top(m.asks, &d.asks);
  return d;
}

std::optional<std::vector<BalanceInfo>> Engine::GetBalances(AccountId account) const {
  const uint32_t slot = ledger_.FindAccount(account);
  if (slot == kNil) return std::nullopt;
  std::vector<BalanceInfo> out;
  for (AssetIndex a = 0; a < ledger_.asset_count(); ++a) {
    const Balance& b = ledger_.balance(a, slot);
    out.push_back(BalanceInfo{ledger_.asset_code(a), b.available, b.held});
  }
  return out;
}

std::optional<OrderInfo> Engine::GetOrder(OrderId order) const {
  const uint32_t* slot = order_index_.Find(order);
  if (slot == nullptr) return std::nullopt;
  const Order& o = pool_[*slot];
  return OrderInfo{
      o.id,   o.client_order_id, o.account_id, markets_[o.market].id, o.side, o.kind, o.price,
      o.open, o.filled};
}

std::vector<OrderInfo> Engine::GetOpenOrders(AccountId account, MarketId market) const {
  std::vector<OrderInfo> out;
  const uint32_t acct = ledger_.FindAccount(account);
  if (acct == kNil) return out;
  for (uint32_t s = ledger_.account(acct).first_order; s != kNil; s = pool_[s].account_next) {
    const Order& o = pool_[s];
    if (market == 0 || markets_[o.market].id == market) out.push_back(*GetOrder(o.id));
  }
  return out;
}

}  // namespace dreichor::engine
