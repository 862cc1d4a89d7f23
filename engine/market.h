// One market: its parameters, status, reference price and its two book sides.
#pragma once

#include <algorithm>
#include <array>
#include <string>

#include "engine/order_book.h"
#include "engine/types.h"

namespace dreichor::engine {

// One trade as the market keeps it for the recent-trades view.
struct TradeRecord {
  TradeId trade_id = 0;
  uint64_t market_seq = 0;
  TimestampNs timestamp = 0;
  Side taker_side = Side::kBuy;
  Price price = 0;
  Quantity quantity = 0;
  bool operator==(const TradeRecord&) const = default;
};

// The last kRecentTrades trades of a market, oldest overwritten first. Part of the canonical
// state (so the view survives snapshots and is identical after replay).
inline constexpr uint32_t kRecentTrades = 64;

class RecentTrades {
 public:
  void Add(const TradeRecord& t) {
    ring_[(start_ + count_) % kRecentTrades] = t;
    if (count_ < kRecentTrades) {
      ++count_;
    } else {
      start_ = (start_ + 1) % kRecentTrades;
    }
  }
  uint32_t size() const { return count_; }
  // i = 0 is the oldest kept trade.
  const TradeRecord& at(uint32_t i) const { return ring_[(start_ + i) % kRecentTrades]; }

 private:
  std::array<TradeRecord, kRecentTrades> ring_{};
  uint32_t start_ = 0;
  uint32_t count_ = 0;
};

struct Market {
  MarketId id = 0;
  std::string symbol;
  AssetIndex base = 0;
  AssetIndex quote = 0;
  Amount tick_size = 0;
  Amount lot_size = 0;
  Quantity min_quantity = 0;
  Quantity max_quantity = 0;
  uint32_t maker_fee_bps = 0;
  uint32_t taker_fee_bps = 0;
  MarketStatus status = MarketStatus::kOpen;
  Price last_trade_price = 0;  // 0: no trade yet
  Quantity last_trade_quantity = 0;
  uint64_t market_seq = 0;  // last market-data sequence number used
  RecentTrades recent_trades;
  BookSide bids{Side::kBuy};
  BookSide asks{Side::kSell};

  BookSide& side(Side s) { return s == Side::kBuy ? bids : asks; }
  const BookSide& side(Side s) const { return s == Side::kBuy ? bids : asks; }
  uint32_t max_fee_bps() const { return std::max(maker_fee_bps, taker_fee_bps); }
};

}  // namespace dreichor::engine
