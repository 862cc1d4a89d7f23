// Order entry: place, cancel, cancel-all and amend, with their pre-trade checks and holds.
#include <algorithm>

#include "engine/checked_math.h"
#include "engine/engine.h"
#include "util/check.h"

namespace dreichor::engine {

Reason Engine::ValidateQuantity(const Market& m, Quantity q) const {
  if (q <= 0) return Reason::kInvalidQuantity;
  if (q < m.min_quantity) return Reason::kQuantityBelowMinimum;
  if (q > m.max_quantity) return Reason::kQuantityAboveMaximum;
  return Reason::kNone;
}

bool Engine::HoldFor(const Market& m, Side side, Price price, Quantity open, Amount* hold) const {
  if (side == Side::kSell) return CheckedMul(open, m.lot_size, hold);
  Amount notional;
  if (!CheckedMul3(price, m.tick_size, open, &notional)) return false;
  return CheckedAdd(notional, FeeFor(notional, m.max_fee_bps()), hold);
}

uint32_t Engine::FindOwnOrder(AccountId account, const OrderRef& ref, Reason* reason) const {
  const uint32_t* slot = nullptr;
  if (ref.order_id != 0) {
    slot = order_index_.Find(ref.order_id);
    if (slot != nullptr && pool_[*slot].account_id != account) {
      *reason = Reason::kNotOrderOwner;
      return kNil;
    }
  } else if (ref.client_order_id != 0) {
    slot = client_index_.Find(ClientKey{account, ref.client_order_id});
  }
  if (slot == nullptr) {
    *reason = Reason::kUnknownOrder;
    return kNil;
  }
  return *slot;
}

Quantity Engine::FillOrKillLiquidity(const Market& m, const Order& taker, Quantity needed) const {
  const BookSide& book = m.side(Opposite(taker.side));
  const StpMode stp = ledger_.account(taker.account).limits.stp_mode;
  Quantity found = 0;
  bool stopped = false;  // matching would stop at an own order (cancel-incoming or both)
  book.ForEachBestFirst([&](const Level& level) {
    if (book.Better(taker.price, level.price)) return false;  // beyond the limit
    for (uint32_t s = level.head; s != kNil; s = pool_[s].next) {
      const Order& maker = pool_[s];
      if (maker.account == taker.account) {
        if (stp != StpMode::kCancelResting) {
          stopped = true;
          return false;
        }
        continue;  // would be cancelled, provides nothing
      }
      found += maker.open;
      if (found >= needed) return false;
    }
    return !stopped;
  });
  return found;
}

Reason Engine::CheckPlaceShape(const PlaceOrder& c, const Market& m) const {
  if (!IsValid(c.side) || !IsValid(c.kind)) return Reason::kInvalidOrderKind;
  if (m.status == MarketStatus::kHalted) return Reason::kMarketHalted;
  if (c.account == kFeeAccountId) return Reason::kFeeAccountCannotTrade;
  if (ledger_.FindAccount(c.account) == kNil) return Reason::kUnknownAccount;
  if (Reason r = ValidateQuantity(m, c.quantity); r != Reason::kNone) return r;
  const bool is_market = c.kind == OrderKind::kMarket;
  if (is_market ? c.price < 0 : c.price <= 0) return Reason::kInvalidPrice;
  const bool market_buy = is_market && c.side == Side::kBuy;
  if (c.quote_budget < 0 || (c.quote_budget > 0 && !market_buy)) return Reason::kInvalidAmount;
  if (is_market && c.price == 0 && c.quote_budget == 0) return Reason::kMarketOrderUnbounded;
  if (c.client_order_id != 0 &&
      client_index_.Find(ClientKey{c.account, c.client_order_id}) != nullptr) {
    return Reason::kDuplicateClientOrderId;
  }
  return Reason::kNone;
}

Reason Engine::CheckPlaceRisk(const PlaceOrder& c, const Market& m, Account& account) {
  if (!account.bucket.TryTake(account.limits, now_)) return Reason::kRiskRateLimit;
  Amount notional = 0;
  if (c.price > 0 && !CheckedMul3(c.price, m.tick_size, c.quantity, &notional)) {
    return Reason::kArithmeticOverflow;
  }
  if (c.quote_budget > 0) {
    notional = c.price > 0 ? std::min(notional, c.quote_budget) : c.quote_budget;
  }
  if (Reason r =
          CheckOrderLimits(account.limits, c.quantity, notional, c.price, m.last_trade_price);
      r != Reason::kNone) {
    return r;
  }
  const bool can_rest = c.kind == OrderKind::kLimit || c.kind == OrderKind::kPostOnly;
  if (can_rest && account.limits.max_open_orders != 0 &&
      account.open_orders >= account.limits.max_open_orders) {
    return Reason::kRiskMaxOpenOrders;
  }
  return Reason::kNone;
}

Reason Engine::ComputeEntryHold(const PlaceOrder& c, const Market& m, Amount available,
                                Amount* hold, TakerState* t) const {
  if (c.kind != OrderKind::kMarket || c.side != Side::kBuy) {
    if (!HoldFor(m, c.side, c.price, c.quantity, hold)) return Reason::kArithmeticOverflow;
    return *hold > available ? Reason::kInsufficientBalance : Reason::kNone;
  }
  // A market buy spends from a budget: the quote budget or the cost at its protection price,
  // whichever is smaller, and never more than is available.
  Amount bound = c.quote_budget;
  if (c.price > 0) {
    Amount at_protection;
    if (!HoldFor(m, Side::kBuy, c.price, c.quantity, &at_protection)) {
      return Reason::kArithmeticOverflow;
    }
    bound = bound > 0 ? std::min(bound, at_protection) : at_protection;
  }
  *hold = std::min(bound, available);
  if (*hold <= 0) return Reason::kInsufficientBalance;
  t->budget_mode = true;
  t->budget = *hold;
  return Reason::kNone;
}

uint32_t Engine::OpenOrder(const PlaceOrder& c, uint32_t market_slot, uint32_t account_slot) {
  const uint32_t slot = pool_.Allocate();
  Order& o = pool_[slot];
  o.id = next_order_id_++;
  o.client_order_id = c.client_order_id;
  o.account_id = c.account;
  o.account = account_slot;
  o.market = market_slot;
  o.price = c.price;
  o.open = c.quantity;
  o.side = c.side;
  o.kind = c.kind;
  order_index_.Insert(o.id, slot);
  if (c.client_order_id != 0) client_index_.Insert(ClientKey{c.account, c.client_order_id}, slot);
  EmitOrderEvent(EventType::kOrderAccepted, o, c.quantity, Reason::kNone);
  return slot;
}

Outcome Engine::HandlePlaceOrder(const PlaceOrder& c) {
  const uint32_t* market_slot = market_index_.Find(c.market);
  if (market_slot == nullptr) return Reject(Reason::kUnknownMarket);
  Market& m = markets_[*market_slot];
  if (Reason r = CheckPlaceShape(c, m); r != Reason::kNone) return Reject(r);
  const uint32_t acct = ledger_.FindAccount(c.account);
  if (Reason r = CheckPlaceRisk(c, m, ledger_.account(acct)); r != Reason::kNone) return Reject(r);
  if (c.kind == OrderKind::kPostOnly && m.side(Opposite(c.side)).CrossedBy(c.price)) {
    return Reject(Reason::kPostOnlyWouldTrade);
  }
  Balance& balance = ledger_.balance(c.side == Side::kBuy ? m.quote : m.base, acct);
  TakerState t;
  t.has_limit = c.price > 0;
  Amount hold = 0;
  if (Reason r = ComputeEntryHold(c, m, balance.available, &hold, &t); r != Reason::kNone) {
    return Reject(r);
  }
  if (c.kind == OrderKind::kFillOrKill) {
    Order probe;
    probe.account = acct;
    probe.side = c.side;
    probe.price = c.price;
    if (FillOrKillLiquidity(m, probe, c.quantity) < c.quantity) {
      return Reject(Reason::kFillOrKillUnfillable);
    }
  }
  // Accepted: from here on the command only produces events.
  balance.available -= hold;
  balance.held += hold;
  const uint32_t slot = OpenOrder(c, *market_slot, acct);
  const OrderId id = pool_[slot].id;
  Match(m, slot, t);
  FinishTaker(m, slot, t, /*linked=*/false);
  return Accept(id);
}

void Engine::FinishTaker(Market& m, uint32_t slot, const TakerState& t, bool linked) {
  Order& o = pool_[slot];
  const bool can_rest = o.kind == OrderKind::kLimit || o.kind == OrderKind::kPostOnly;
  if (o.open > 0 && can_rest && !t.stopped_by_stp) {
    if (!linked) ledger_.LinkOrder(pool_, slot);
    Rest(m, slot);
    return;
  }
  // The order is done: give back whatever it still holds.
  Balance& balance = ledger_.balance(o.side == Side::kBuy ? m.quote : m.base, o.account);
  Amount remaining_hold = t.budget;
  if (!t.budget_mode) DREICHOR_CHECK(HoldFor(m, o.side, o.price, o.open, &remaining_hold));
  balance.held -= remaining_hold;
  balance.available += remaining_hold;
  if (o.open == 0) {
    EmitOrderEvent(EventType::kOrderFilled, o, 0, Reason::kNone);
  } else if (t.stopped_by_stp) {
    EmitOrderEvent(EventType::kOrderCancelled, o, o.open, Reason::kSelfTradePrevented);
  } else {
    EmitOrderEvent(EventType::kOrderExpired, o, o.open,
                   t.budget_exhausted ? Reason::kQuoteBudgetExhausted : Reason::kUnfilledRemainder);
  }
  if (linked) ledger_.UnlinkOrder(pool_, slot);
  ReleaseOrder(slot);
}

Outcome Engine::HandleCancelOrder(const CancelOrder& c) {
  Reason reason = Reason::kNone;
  const uint32_t slot = FindOwnOrder(c.account, c.order, &reason);
  if (slot == kNil) return Reject(reason);
  const OrderId id = pool_[slot].id;
  CancelResting(markets_[pool_[slot].market], slot, Reason::kUserCancelled, nullptr);
  return Accept(id);
}

Outcome Engine::HandleCancelAll(const CancelAll& c) {
  const uint32_t acct = ledger_.FindAccount(c.account);
  if (acct == kNil) return Reject(Reason::kUnknownAccount);
  uint32_t only_market = kNil;
  if (c.market != 0) {
    const uint32_t* m = market_index_.Find(c.market);
    if (m == nullptr) return Reject(Reason::kUnknownMarket);
    only_market = *m;
  }
  // The account's list is in id order, so cancels (and their events) come oldest first.
  uint32_t slot = ledger_.account(acct).first_order;
  while (slot != kNil) {
    const uint32_t next = pool_[slot].account_next;
    if (only_market == kNil || pool_[slot].market == only_market) {
      CancelResting(markets_[pool_[slot].market], slot, Reason::kUserCancelled, nullptr);
    }
    slot = next;
  }
  return Accept();
}

Outcome Engine::HandleAmendOrder(const AmendOrder& c) {
  Reason reason = Reason::kNone;
  const uint32_t slot = FindOwnOrder(c.account, c.order, &reason);
  if (slot == kNil) return Reject(reason);
  Order& o = pool_[slot];
  Market& m = markets_[o.market];
  const OrderId id = o.id;
  if (m.status == MarketStatus::kHalted) return Reject(Reason::kMarketHalted, id);
  if (Reason r = ValidateQuantity(m, c.new_quantity); r != Reason::kNone) return Reject(r, id);
  if (c.new_price <= 0) return Reject(Reason::kInvalidPrice, id);
  if (c.new_price == o.price && c.new_quantity == o.open) return Reject(Reason::kAmendNoChange, id);
  Account& account = ledger_.account(o.account);
  if (!account.bucket.TryTake(account.limits, now_)) return Reject(Reason::kRiskRateLimit, id);
  if (c.new_price == o.price && c.new_quantity < o.open) {
    ReduceInPlace(m, slot, c.new_quantity);
    return Accept(id);
  }
  if (Reason r = Reprice(m, slot, c.new_price, c.new_quantity); r != Reason::kNone) {
    return Reject(r, id);
  }
  return Accept(id);
}

void Engine::ReduceInPlace(Market& m, uint32_t slot, Quantity new_quantity) {
  Order& o = pool_[slot];
  Amount old_hold, new_hold;
  DREICHOR_CHECK(HoldFor(m, o.side, o.price, o.open, &old_hold));
  DREICHOR_CHECK(HoldFor(m, o.side, o.price, new_quantity, &new_hold));
  Level* level = m.side(o.side).Find(o.price);
  DREICHOR_CHECK(level != nullptr);
  level->total -= o.open - new_quantity;
  o.open = new_quantity;
  Balance& balance = ledger_.balance(o.side == Side::kBuy ? m.quote : m.base, o.account);
  balance.held -= old_hold - new_hold;
  balance.available += old_hold - new_hold;
  Event& ev = EmitOrderEvent(EventType::kOrderAmended, o, o.open, Reason::kNone);
  ev.priority_kept = 1;
  EmitBookChanged(m, o.side, o.price, level->total, level->count);
}

Reason Engine::Reprice(Market& m, uint32_t slot, Price new_price, Quantity new_quantity) {
  Order& o = pool_[slot];
  const Account& account = ledger_.account(o.account);
  Amount notional, old_hold, new_hold;
  DREICHOR_CHECK(HoldFor(m, o.side, o.price, o.open, &old_hold));
  if (!CheckedMul3(new_price, m.tick_size, new_quantity, &notional) ||
      !HoldFor(m, o.side, new_price, new_quantity, &new_hold)) {
    return Reason::kArithmeticOverflow;
  }
  if (Reason r =
          CheckOrderLimits(account.limits, new_quantity, notional, new_price, m.last_trade_price);
      r != Reason::kNone) {
    return r;
  }
  if (o.kind == OrderKind::kPostOnly && m.side(Opposite(o.side)).CrossedBy(new_price)) {
    return Reason::kPostOnlyWouldTrade;
  }
  Balance& balance = ledger_.balance(o.side == Side::kBuy ? m.quote : m.base, o.account);
  if (new_hold > balance.available + old_hold) return Reason::kInsufficientBalance;

  // Leave the book, re-price, then trade and rest like a new order (time priority is lost).
  Quantity level_total;
  uint32_t level_count;
  const Price old_price = o.price;
  m.side(o.side).Remove(pool_, slot, &level_total, &level_count);
  EmitBookChanged(m, o.side, old_price, level_total, level_count);
  balance.available += old_hold - new_hold;
  balance.held += new_hold - old_hold;
  o.price = new_price;
  o.open = new_quantity;
  EmitOrderEvent(EventType::kOrderAmended, o, o.open, Reason::kNone);
  TakerState t;
  Match(m, slot, t);
  FinishTaker(m, slot, t, /*linked=*/true);
  return Reason::kNone;
}

}  // namespace dreichor::engine
