// One market: its parameters, status, reference price and its two book sides.
#pragma once

#include <algorithm>
#include <string>

#include "engine/order_book.h"
#include "engine/types.h"

namespace dreichor::engine {

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
  BookSide bids{Side::kBuy};
  BookSide asks{Side::kSell};

  BookSide& side(Side s) { return s == Side::kBuy ? bids : asks; }
  const BookSide& side(Side s) const { return s == Side::kBuy ? bids : asks; }
  uint32_t max_fee_bps() const { return std::max(maker_fee_bps, taker_fee_bps); }
};

}  // namespace dreichor::engine
