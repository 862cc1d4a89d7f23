// Matching: price-time priority, settlement of fills, resting and cancelling orders, and the
// events they produce.
#include <algorithm>

#include "engine/checked_math.h"
#include "engine/engine.h"
#include "util/check.h"

namespace dreichor::engine {

void Engine::Match(Market& m, uint32_t taker_slot, TakerState& t) {
  Order& taker = pool_[taker_slot];
  BookSide& book = m.side(Opposite(taker.side));
  const StpMode stp = ledger_.account(taker.account).limits.stp_mode;
  while (taker.open > 0 && !book.empty()) {
    if (t.has_limit && !book.CrossedBy(taker.price)) break;
    Level& level = book.best();
    const Price price = level.price;
    bool stop = false;
    bool changed = false;
    while (taker.open > 0 && level.head != kNil) {
      const uint32_t maker_slot = level.head;
      Order& maker = pool_[maker_slot];
      if (maker.account == taker.account) {
        if (stp != StpMode::kCancelIncoming) {
          CancelResting(m, maker_slot, Reason::kSelfTradePrevented, &level);
          changed = true;
        }
        if (stp != StpMode::kCancelResting) {
          t.stopped_by_stp = true;
          stop = true;
          break;
        }
        continue;
      }
      const Quantity match = std::min(taker.open, maker.open);
      Quantity q = match;
      if (t.budget_mode) {
        q = AffordableLots(m, price, t.budget, match);
        if (q == 0) {
          t.budget_exhausted = true;
          stop = true;
          break;
        }
      }
      Fill(m, taker, maker, price, q, t);
      level.total -= q;
      changed = true;
      if (maker.open == 0) {
        BookSide::Unlink(pool_, level, maker_slot);
        EmitOrderEvent(EventType::kOrderFilled, maker, 0, Reason::kNone);
        ledger_.UnlinkOrder(pool_, maker_slot);
        ReleaseOrder(maker_slot);
      }
      // A match the budget cut short ends the order. Asking the same resting order again with
      // what is left would split one match into fills whose fees round down one by one, buying
      // lots the documented rule says the budget cannot pay for (docs/engine.md, "Matching").
      if (q < match) {
        t.budget_exhausted = true;
        stop = true;
        break;
      }
    }
    if (changed) EmitBookChanged(m, book.side(), price, level.total, level.count);
    if (level.count == 0) book.PopBest();
    if (stop) break;
  }
}

void Engine::Fill(Market& m, Order& taker, Order& maker, Price price, Quantity q, TakerState& t) {
  // Bounded by checks at entry: every resting order's price * tick_size * open fits, and a
  // taker's limit (or budget) bounds what it can buy; see docs/engine.md "Arithmetic".
  Amount notional, base;
  DREICHOR_CHECK(CheckedMul3(price, m.tick_size, q, &notional));
  DREICHOR_CHECK(CheckedMul(q, m.lot_size, &base));
  const Amount taker_fee = FeeFor(notional, m.taker_fee_bps);
  const Amount maker_fee = FeeFor(notional, m.maker_fee_bps);
  const bool taker_buys = taker.side == Side::kBuy;
  Order& buyer = taker_buys ? taker : maker;
  Order& seller = taker_buys ? maker : taker;
  const Amount buyer_fee = taker_buys ? taker_fee : maker_fee;
  const Amount seller_fee = taker_buys ? maker_fee : taker_fee;

  Balance& buyer_quote = ledger_.balance(m.quote, buyer.account);
  if (taker_buys && t.budget_mode) {
    buyer_quote.held -= notional + buyer_fee;
    t.budget -= notional + buyer_fee;
  } else {
    // The hold shrinks from HoldFor(open) to HoldFor(open - q); what it frees beyond the cost
    // (a better price, fee rounding, a lower actual fee rate) returns to available.
    Amount before, after;
    DREICHOR_CHECK(HoldFor(m, Side::kBuy, buyer.price, buyer.open, &before));
    DREICHOR_CHECK(HoldFor(m, Side::kBuy, buyer.price, buyer.open - q, &after));
    const Amount freed = before - after;
    DREICHOR_CHECK(freed >= notional + buyer_fee);
    buyer_quote.held -= freed;
    buyer_quote.available += freed - notional - buyer_fee;
  }
  ledger_.balance(m.base, buyer.account).available += base;
  ledger_.balance(m.base, seller.account).held -= base;
  ledger_.balance(m.quote, seller.account).available += notional - seller_fee;
  ledger_.balance(m.quote, kFeeAccountSlot).available += buyer_fee + seller_fee;

  taker.open -= q;
  taker.filled += q;
  maker.open -= q;
  maker.filled += q;
  m.last_trade_price = price;
  m.last_trade_quantity = q;

  Event& ev = events_.emplace_back();
  ev.type = EventType::kTrade;
  ev.market = m.id;
  ev.market_seq = ++m.market_seq;
  ev.trade_id = next_trade_id_++;
  ev.side = taker.side;
  ev.price = price;
  ev.quantity = q;
  ev.order_id = taker.id;
  ev.account = taker.account_id;
  ev.fee = taker_fee;
  ev.maker_order_id = maker.id;
  ev.maker_account = maker.account_id;
  ev.maker_fee = maker_fee;
  m.recent_trades.Add(TradeRecord{.trade_id = ev.trade_id,
                                  .market_seq = ev.market_seq,
                                  .timestamp = now_,
                                  .taker_side = taker.side,
                                  .price = price,
                                  .quantity = q});
}

Quantity Engine::AffordableLots(const Market& m, Price price, Amount budget, Quantity cap) const {
  Amount unit;
  DREICHOR_CHECK(CheckedMul(price, m.tick_size, &unit));
  auto affordable = [&](Quantity q) {
    Amount notional, cost;
    return CheckedMul(unit, q, &notional) &&
           CheckedAdd(notional, FeeFor(notional, m.taker_fee_bps), &cost) && cost <= budget;
  };
  if (affordable(cap)) return cap;
  // Cost grows with q: binary search the largest affordable q below cap.
  Quantity lo = 0, hi = std::min(cap, budget / unit);
  while (lo < hi) {
    const Quantity mid = lo + (hi - lo + 1) / 2;
    if (affordable(mid)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

void Engine::Rest(Market& m, uint32_t slot) {
  Order& o = pool_[slot];
  o.priority = next_priority_++;
  Level& level = m.side(o.side).Append(pool_, slot);
  const Quantity total = level.total;
  const uint32_t count = level.count;
  EmitOrderEvent(EventType::kOrderRested, o, o.open, Reason::kNone);
  EmitBookChanged(m, o.side, o.price, total, count);
}

void Engine::ReleaseHold(const Market& m, const Order& o) {
  Amount hold;
  DREICHOR_CHECK(HoldFor(m, o.side, o.price, o.open, &hold));
  Balance& b = ledger_.balance(o.side == Side::kBuy ? m.quote : m.base, o.account);
  b.held -= hold;
  b.available += hold;
}

void Engine::CancelResting(Market& m, uint32_t slot, Reason reason, Level* level) {
  Order& o = pool_[slot];
  ReleaseHold(m, o);
  EmitOrderEvent(EventType::kOrderCancelled, o, o.open, reason);
  if (level != nullptr) {
    BookSide::Unlink(pool_, *level, slot);
  } else {
    Quantity total;
    uint32_t count;
    const Price price = o.price;
    const Side side = o.side;
    m.side(side).Remove(pool_, slot, &total, &count);
    EmitBookChanged(m, side, price, total, count);
  }
  ledger_.UnlinkOrder(pool_, slot);
  ReleaseOrder(slot);
}

void Engine::ReleaseOrder(uint32_t slot) {
  const Order& o = pool_[slot];
  order_index_.Erase(o.id);
  if (o.client_order_id != 0) client_index_.Erase(ClientKey{o.account_id, o.client_order_id});
  pool_.Release(slot);
}

void Engine::EmitBookChanged(Market& m, Side side, Price price, Quantity total, uint32_t count) {
  Event& ev = events_.emplace_back();
  ev.type = EventType::kBookChanged;
  ev.market = m.id;
  ev.market_seq = ++m.market_seq;
  ev.side = side;
  ev.price = price;
  ev.quantity = total;
  ev.order_count = count;
}

Event& Engine::EmitOrderEvent(EventType type, const Order& o, Quantity quantity, Reason reason) {
  Event& ev = events_.emplace_back();
  ev.type = type;
  ev.order_id = o.id;
  ev.account = o.account_id;
  ev.market = markets_[o.market].id;
  ev.side = o.side;
  ev.kind = o.kind;
  ev.price = o.price;
  ev.quantity = quantity;
  ev.reason = reason;
  return ev;
}

}  // namespace dreichor::engine
