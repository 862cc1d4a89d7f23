// Test fixture for engine tests: one market (id 1, "BTC-USD") with units chosen so that a
// mix-up between ticks, lots and amounts shows in the numbers:
//   tick_size 10 (USD units per tick per lot), lot_size 100 (BTC units per lot),
//   maker fee 10 bps, taker fee 20 bps.
// A buy of q lots at p ticks costs p*10*q USD and holds that plus 20 bps (rounded down).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "engine/engine.h"

namespace dreichor::engine {

// A distinct, valid-looking public key per `n` (for the engine, a key is 32 non-zero bytes).
inline PublicKey TestKey(uint8_t n) {
  PublicKey key;
  key.fill(n);
  return key;
}

class EngineFixture : public ::testing::Test {
 public:  // public so table-driven tests can drive a fixture from lambdas
  static constexpr MarketId kMarket = 1;
  static constexpr AccountId kAlice = 101;
  static constexpr AccountId kBob = 102;
  static constexpr AccountId kCarol = 103;
  static constexpr Amount kFunds = 100'000'000;

  void SetUp() override {
    ASSERT_TRUE(Do(StandardMarket()).accepted);
    for (AccountId a : {kAlice, kBob, kCarol}) {
      ASSERT_TRUE(Do(Deposit{a, "USD", kFunds}).accepted);
      ASSERT_TRUE(Do(Deposit{a, "BTC", kFunds}).accepted);
    }
  }
  void TearDown() override {
    EXPECT_TRUE(e.CheckInvariants().ok()) << e.CheckInvariants().ToString();
  }

  static CreateMarket StandardMarket() {
    CreateMarket c;
    c.market = kMarket;
    c.symbol = "BTC-USD";
    c.base_asset = "BTC";
    c.quote_asset = "USD";
    c.tick_size = 10;
    c.lot_size = 100;
    c.min_quantity = 1;
    c.max_quantity = 1'000'000;
    c.maker_fee_bps = 10;
    c.taker_fee_bps = 20;
    return c;
  }

  // Applies a command one microsecond after the previous one.
  Outcome Do(const Command& c) {
    now += 1000;
    return e.Apply(c, now);
  }

  static PlaceOrder Order(AccountId account, Side side, OrderKind kind, Price price, Quantity qty,
                          ClientOrderId cid = 0) {
    PlaceOrder p;
    p.account = account;
    p.market = kMarket;
    p.client_order_id = cid;
    p.side = side;
    p.kind = kind;
    p.price = price;
    p.quantity = qty;
    return p;
  }
  // Places a limit order that must be accepted; returns its id.
  OrderId Limit(AccountId account, Side side, Price price, Quantity qty, ClientOrderId cid = 0) {
    Outcome o = Do(Order(account, side, OrderKind::kLimit, price, qty, cid));
    EXPECT_TRUE(o.accepted) << ReasonCode(o.reason);
    return o.order_id;
  }
  Outcome Reject(const Command& c) {
    Outcome o = Do(c);
    EXPECT_FALSE(o.accepted);
    return o;
  }

  BalanceInfo Bal(AccountId account, const std::string& asset) const {
    auto all = e.GetBalances(account);
    if (!all) return {};
    for (const auto& b : *all) {
      if (b.asset == asset) return b;
    }
    return {};
  }
  std::vector<Event> EventsOf(EventType type) const {
    std::vector<Event> out;
    std::copy_if(e.events().begin(), e.events().end(), std::back_inserter(out),
                 [type](const Event& ev) { return ev.type == type; });
    return out;
  }
  std::vector<EventType> EventTypes() const {
    std::vector<EventType> out;
    for (const Event& ev : e.events()) out.push_back(ev.type);
    return out;
  }

  Engine e;
  TimestampNs now = 1'700'000'000'000'000'000;
};

}  // namespace dreichor::engine
