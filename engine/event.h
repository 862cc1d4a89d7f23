// Events: what a command did, in the order it happened.
//
// One flat struct for every kind keeps the hot path free of allocation: the engine appends to a
// reused vector. Each kind documents which fields it sets; the others are zero. Market-data
// events (kTrade, kBookChanged) carry the market's own sequence number, which increases by one
// per market-data event of that market.
#pragma once

#include <cstdint>

#include "engine/reason.h"
#include "engine/types.h"

namespace dreichor::engine {

enum class EventType : uint8_t {
  // order_id, account, market, side, kind, price, quantity (the order's quantity on entry).
  kOrderAccepted = 1,
  // order_id, account, market, side, price, quantity (resting open quantity).
  kOrderRested = 2,
  // One fill. trade_id, market, market_seq, side (the taker's), price, quantity,
  // order_id/account/fee (taker), maker_order_id/maker_account/maker_fee (maker).
  kTrade = 3,
  // order_id, account, market, side, quantity (open quantity removed), reason.
  kOrderCancelled = 4,
  // order_id, account, market, side, quantity (the part that expired), reason.
  kOrderExpired = 5,
  // order_id, account, market, side, price, quantity (new open quantity),
  // priority_kept (1 when time priority was kept).
  kOrderAmended = 6,
  // A price level changed: market, market_seq, side, price, quantity (total at the level after
  // the change, 0 when the level is gone), order_count.
  kBookChanged = 7,
  // order_id, account, market, side: the order has no open quantity left after trading.
  kOrderFilled = 8,
};

struct Event {
  EventType type{};
  Side side{};
  OrderKind kind{};
  uint8_t priority_kept = 0;
  Reason reason = Reason::kNone;
  MarketId market = 0;
  uint32_t order_count = 0;
  uint64_t market_seq = 0;
  OrderId order_id = 0;
  AccountId account = 0;
  OrderId maker_order_id = 0;
  AccountId maker_account = 0;
  TradeId trade_id = 0;
  Price price = 0;
  Quantity quantity = 0;
  Amount fee = 0;
  Amount maker_fee = 0;
};

// The engine's answer to one command. Events are read from Engine::events().
struct Outcome {
  bool accepted = false;
  Reason reason = Reason::kNone;  // kNone when accepted
  OrderId order_id = 0;           // the order placed, cancelled or amended, when there is one
};

}  // namespace dreichor::engine
