// Order entry, holds, matching, fees and events.
#include <gtest/gtest.h>

#include "engine/engine_fixture.h"

namespace dreichor::engine {
namespace {

using OrdersTest = EngineFixture;

TEST_F(OrdersTest, RestingBuyHoldsQuotePlusMaximumFee) {
  Limit(kAlice, Side::kBuy, 100, 5);
  // 100 ticks * 10 * 5 lots = 5000 USD, plus floor(5000 * 20 / 10000) = 10 for the taker rate.
  EXPECT_EQ(Bal(kAlice, "USD").held, 5010);
  EXPECT_EQ(Bal(kAlice, "USD").available, kFunds - 5010);
}

TEST_F(OrdersTest, RestingSellHoldsBase) {
  Limit(kAlice, Side::kSell, 100, 5);
  EXPECT_EQ(Bal(kAlice, "BTC").held, 500);  // 5 lots * 100
  EXPECT_EQ(Bal(kAlice, "BTC").available, kFunds - 500);
}

TEST_F(OrdersTest, CancelReleasesTheWholeHold) {
  OrderId id = Limit(kAlice, Side::kBuy, 100, 5);
  ASSERT_TRUE(Do(CancelOrder{kAlice, OrderRef{id, 0}}).accepted);
  EXPECT_EQ(Bal(kAlice, "USD").held, 0);
  EXPECT_EQ(Bal(kAlice, "USD").available, kFunds);
  ASSERT_EQ(EventsOf(EventType::kOrderCancelled).size(), 1u);
  EXPECT_EQ(EventsOf(EventType::kOrderCancelled)[0].reason, Reason::kUserCancelled);
  EXPECT_FALSE(e.GetOrder(id).has_value());
}

TEST_F(OrdersTest, TradeHappensAtTheRestingPriceAndSettlesAllThreeAccounts) {
  Limit(kAlice, Side::kSell, 100, 5);  // maker
  Limit(kBob, Side::kBuy, 105, 5);     // taker, willing to pay more
  auto trades = EventsOf(EventType::kTrade);
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].price, 100);
  EXPECT_EQ(trades[0].quantity, 5);
  // notional 5000; taker (buyer) fee 20 bps = 10; maker (seller) fee 10 bps = 5.
  EXPECT_EQ(trades[0].fee, 10);
  EXPECT_EQ(trades[0].maker_fee, 5);
  EXPECT_EQ(Bal(kBob, "USD").available, kFunds - 5010);
  EXPECT_EQ(Bal(kBob, "USD").held, 0);
  EXPECT_EQ(Bal(kBob, "BTC").available, kFunds + 500);
  EXPECT_EQ(Bal(kAlice, "USD").available, kFunds + 4995);
  EXPECT_EQ(Bal(kAlice, "BTC").available, kFunds - 500);
  EXPECT_EQ(Bal(kAlice, "BTC").held, 0);
  EXPECT_EQ(Bal(kFeeAccountId, "USD").available, 15);
  EXPECT_EQ(e.GetMarket(kMarket)->last_trade_price, 100);
  EXPECT_EQ(e.GetMarket(kMarket)->last_trade_quantity, 5);
}

TEST_F(OrdersTest, PartialFillLeavesTheRemainderRestingWithItsExactHold) {
  Limit(kAlice, Side::kSell, 100, 2);
  OrderId bid = Limit(kBob, Side::kBuy, 100, 5);
  auto order = e.GetOrder(bid);
  ASSERT_TRUE(order.has_value());
  EXPECT_EQ(order->open, 3);
  EXPECT_EQ(order->filled, 2);
  // Remaining hold: 3 lots at 100 = 3000 + 6 fee.
  EXPECT_EQ(Bal(kBob, "USD").held, 3006);
  EXPECT_EQ(e.GetMarket(kMarket)->best_bid->price, 100);
}

TEST_F(OrdersTest, BetterPriceFillsFirstThenArrivalOrderWithinALevel) {
  OrderId first = Limit(kAlice, Side::kSell, 101, 1);
  OrderId second = Limit(kCarol, Side::kSell, 101, 1);
  OrderId better = Limit(kCarol, Side::kSell, 100, 1);
  Limit(kBob, Side::kBuy, 101, 2);
  auto trades = EventsOf(EventType::kTrade);
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].maker_order_id, better);
  EXPECT_EQ(trades[1].maker_order_id, first);
  EXPECT_TRUE(e.GetOrder(second).has_value());
}

TEST_F(OrdersTest, CrossingPlaceEmitsEventsInOrder) {
  Limit(kAlice, Side::kSell, 100, 1);
  Limit(kBob, Side::kBuy, 100, 1);
  EXPECT_EQ(EventTypes(), (std::vector<EventType>{EventType::kOrderAccepted, EventType::kTrade,
                                                  EventType::kOrderFilled, EventType::kBookChanged,
                                                  EventType::kOrderFilled}));
  EXPECT_EQ(e.events()[3].quantity, 0);  // the level is gone
}

TEST_F(OrdersTest, MarketDataSequenceIncreasesByOnePerMarketDataEvent) {
  uint64_t before = e.GetMarket(kMarket)->market_seq;
  Limit(kAlice, Side::kSell, 100, 1);  // one book change
  Limit(kBob, Side::kBuy, 100, 1);     // one trade, one book change
  uint64_t seen = before;
  for (const Event& ev : e.events()) {
    if (ev.type == EventType::kTrade || ev.type == EventType::kBookChanged) {
      EXPECT_EQ(ev.market_seq, seen + 2);  // +1 for the first command's book change
      ++seen;
    }
  }
  EXPECT_EQ(e.GetMarket(kMarket)->market_seq, before + 3);
}

TEST_F(OrdersTest, DepthAggregatesLevelsBestFirst) {
  Limit(kAlice, Side::kBuy, 99, 2);
  Limit(kBob, Side::kBuy, 99, 3);
  Limit(kAlice, Side::kBuy, 98, 1);
  Limit(kAlice, Side::kBuy, 97, 1);
  Limit(kCarol, Side::kSell, 101, 4);
  auto d = e.GetDepth(kMarket, 2);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->bids, (std::vector<DepthLevel>{{99, 5, 2}, {98, 1, 1}}));
  EXPECT_EQ(d->asks, (std::vector<DepthLevel>{{101, 4, 1}}));
  auto m = e.GetMarket(kMarket);
  EXPECT_EQ(m->best_bid->price, 99);
  EXPECT_EQ(m->best_ask->price, 101);
  EXPECT_FALSE(e.GetDepth(99, 5).has_value());
}

TEST_F(OrdersTest, FeesRoundDownInTheTradersFavour) {
  // 1 lot at 33 ticks: notional 330; taker fee 330*20/10000 = 0.66 -> 0; maker 0.33 -> 0.
  Limit(kAlice, Side::kSell, 33, 1);
  Limit(kBob, Side::kBuy, 33, 1);
  auto trades = EventsOf(EventType::kTrade);
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].fee, 0);
  EXPECT_EQ(trades[0].maker_fee, 0);
  // 7 lots at 77: notional 5390; taker 10.78 -> 10; maker 5.39 -> 5.
  Limit(kAlice, Side::kSell, 77, 7);
  Limit(kBob, Side::kBuy, 77, 7);
  trades = EventsOf(EventType::kTrade);
  EXPECT_EQ(trades[0].fee, 10);
  EXPECT_EQ(trades[0].maker_fee, 5);
}

TEST_F(OrdersTest, ImmediateOrCancelExpiresWhatDoesNotTrade) {
  Limit(kAlice, Side::kSell, 100, 2);
  Outcome o = Do(Order(kBob, Side::kBuy, OrderKind::kImmediateOrCancel, 100, 5));
  ASSERT_TRUE(o.accepted);
  auto expired = EventsOf(EventType::kOrderExpired);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].quantity, 3);
  EXPECT_EQ(expired[0].reason, Reason::kUnfilledRemainder);
  EXPECT_FALSE(e.GetOrder(o.order_id).has_value());
  EXPECT_EQ(Bal(kBob, "USD").held, 0);
  EXPECT_EQ(Bal(kBob, "USD").available, kFunds - 2000 - 4);
}

TEST_F(OrdersTest, FillOrKillFillsCompletely) {
  Limit(kAlice, Side::kSell, 100, 2);
  Limit(kCarol, Side::kSell, 101, 3);
  ASSERT_TRUE(Do(Order(kBob, Side::kBuy, OrderKind::kFillOrKill, 101, 5)).accepted);
  EXPECT_EQ(EventsOf(EventType::kTrade).size(), 2u);
  EXPECT_FALSE(e.GetMarket(kMarket)->best_ask.has_value());
}

TEST_F(OrdersTest, FillOrKillThatCannotFillChangesNothing) {
  Limit(kAlice, Side::kSell, 100, 2);
  Limit(kCarol, Side::kSell, 102, 3);  // beyond the limit
  auto before = e.StateHash();
  Outcome o = Reject(Order(kBob, Side::kBuy, OrderKind::kFillOrKill, 101, 5));
  EXPECT_EQ(o.reason, Reason::kFillOrKillUnfillable);
  EXPECT_EQ(e.StateHash(), before);
  EXPECT_TRUE(e.events().empty());
}

TEST_F(OrdersTest, FillOrKillDoesNotCountOwnOrdersAsLiquidity) {
  Limit(kBob, Side::kSell, 100, 5);
  Limit(kAlice, Side::kSell, 100, 2);
  EXPECT_EQ(Reject(Order(kBob, Side::kBuy, OrderKind::kFillOrKill, 100, 3)).reason,
            Reason::kFillOrKillUnfillable);
}

TEST_F(OrdersTest, PostOnlyRestsOrIsRejected) {
  Limit(kAlice, Side::kSell, 100, 1);
  Outcome rests = Do(Order(kBob, Side::kBuy, OrderKind::kPostOnly, 99, 1));
  ASSERT_TRUE(rests.accepted);
  EXPECT_TRUE(e.GetOrder(rests.order_id).has_value());
  EXPECT_EQ(Reject(Order(kBob, Side::kBuy, OrderKind::kPostOnly, 100, 1)).reason,
            Reason::kPostOnlyWouldTrade);
}

TEST_F(OrdersTest, MarketBuyWithBudgetSpendsNoMoreThanTheBudget) {
  Limit(kAlice, Side::kSell, 100, 10);
  PlaceOrder p = Order(kBob, Side::kBuy, OrderKind::kMarket, 0, 10);
  p.quote_budget = 3500;  // one lot costs 1000 + 2 fee: three lots fit, four do not
  ASSERT_TRUE(Do(p).accepted);
  auto trades = EventsOf(EventType::kTrade);
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].quantity, 3);
  auto expired = EventsOf(EventType::kOrderExpired);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].reason, Reason::kQuoteBudgetExhausted);
  EXPECT_EQ(Bal(kBob, "USD").available, kFunds - 3006);
  EXPECT_EQ(Bal(kBob, "USD").held, 0);
}

// The shape of docs/engine.md's example: tick 1, lot 1, taker fee 25 bps.
CreateMarket FeeRoundingMarket() {
  CreateMarket c = EngineFixture::StandardMarket();
  c.market = 2;
  c.symbol = "ETH-USD";
  c.base_asset = "ETH";
  c.tick_size = 1;
  c.lot_size = 1;
  c.taker_fee_bps = 25;
  return c;
}

TEST_F(OrdersTest, MarketBuyWithBudgetNeverSplitsOneMatchIntoCheaperFills) {
  ASSERT_TRUE(Do(FeeRoundingMarket()).accepted);
  ASSERT_TRUE(Do(Deposit{kAlice, "ETH", 10}).accepted);
  PlaceOrder ask = Order(kAlice, Side::kSell, OrderKind::kLimit, 1003, 2);
  ask.market = 2;
  const OrderId resting = Do(ask).order_id;
  PlaceOrder buy = Order(kBob, Side::kBuy, OrderKind::kMarket, 0, 2);
  buy.market = 2;
  buy.quote_budget = 2010;  // 2 lots cost 2006 + fee 5 = 2011: only 1 lot is affordable
  ASSERT_TRUE(Do(buy).accepted);
  auto trades = EventsOf(EventType::kTrade);
  ASSERT_EQ(trades.size(), 1u) << "one match is one fill";
  EXPECT_EQ(trades[0].quantity, 1);
  EXPECT_EQ(trades[0].fee, 2);
  auto expired = EventsOf(EventType::kOrderExpired);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].reason, Reason::kQuoteBudgetExhausted);
  EXPECT_EQ(Bal(kBob, "USD").available, kFunds - 1005);
  EXPECT_EQ(Bal(kBob, "ETH").available, 1);
  ASSERT_TRUE(e.GetOrder(resting).has_value());
  EXPECT_EQ(e.GetOrder(resting)->open, 1);
}

TEST_F(OrdersTest, MarketBuyWithBudgetRoundsEachRestingOrdersFillOnItsOwn) {
  // The rounding unit is the fill: two resting orders of 1 lot are two matches.
  ASSERT_TRUE(Do(FeeRoundingMarket()).accepted);
  ASSERT_TRUE(Do(Deposit{kAlice, "ETH", 10}).accepted);
  for (int i = 0; i < 2; ++i) {
    PlaceOrder ask = Order(kAlice, Side::kSell, OrderKind::kLimit, 1003, 1);
    ask.market = 2;
    ASSERT_TRUE(Do(ask).accepted);
  }
  PlaceOrder buy = Order(kBob, Side::kBuy, OrderKind::kMarket, 0, 2);
  buy.market = 2;
  buy.quote_budget = 2010;
  ASSERT_TRUE(Do(buy).accepted);
  auto trades = EventsOf(EventType::kTrade);
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].fee + trades[1].fee, 4);
  EXPECT_NE(trades[0].maker_order_id, trades[1].maker_order_id);
  EXPECT_EQ(Bal(kBob, "USD").available, kFunds - 2010);
}

TEST_F(OrdersTest, MarketBuyStopsAtItsProtectionPrice) {
  Limit(kAlice, Side::kSell, 100, 1);
  Limit(kAlice, Side::kSell, 110, 1);
  ASSERT_TRUE(Do(Order(kBob, Side::kBuy, OrderKind::kMarket, 105, 2)).accepted);
  EXPECT_EQ(EventsOf(EventType::kTrade).size(), 1u);
  EXPECT_EQ(EventsOf(EventType::kOrderExpired)[0].reason, Reason::kUnfilledRemainder);
  EXPECT_EQ(e.GetMarket(kMarket)->best_ask->price, 110);
}

TEST_F(OrdersTest, MarketBuyNeverHoldsMoreThanIsAvailable) {
  ASSERT_TRUE(Do(Deposit{200, "USD", 2500}).accepted);
  Limit(kAlice, Side::kSell, 100, 10);
  PlaceOrder p = Order(200, Side::kBuy, OrderKind::kMarket, 0, 10);
  p.quote_budget = 1'000'000;
  ASSERT_TRUE(Do(p).accepted);
  // Two lots cost 2004 <= 2500; three would cost 3006.
  EXPECT_EQ(EventsOf(EventType::kTrade)[0].quantity, 2);
  EXPECT_EQ(Bal(200, "USD").available, 2500 - 2004);
  EXPECT_EQ(Bal(200, "BTC").available, 200);
}

TEST_F(OrdersTest, MarketSellTradesDownToItsProtectionPrice) {
  Limit(kAlice, Side::kBuy, 100, 1);
  Limit(kAlice, Side::kBuy, 90, 1);
  ASSERT_TRUE(Do(Order(kBob, Side::kSell, OrderKind::kMarket, 95, 2)).accepted);
  EXPECT_EQ(EventsOf(EventType::kTrade).size(), 1u);
  EXPECT_EQ(Bal(kBob, "BTC").held, 0);
  EXPECT_EQ(Bal(kBob, "BTC").available, kFunds - 100);
}

TEST_F(OrdersTest, SelfTradeCancelsTheRestingOrderByDefault) {
  OrderId own = Limit(kBob, Side::kSell, 100, 1);
  Limit(kAlice, Side::kSell, 100, 1);
  Limit(kBob, Side::kBuy, 100, 1);
  auto cancelled = EventsOf(EventType::kOrderCancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].order_id, own);
  EXPECT_EQ(cancelled[0].reason, Reason::kSelfTradePrevented);
  auto trades = EventsOf(EventType::kTrade);
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].maker_account, kAlice);
}

TEST_F(OrdersTest, SelfTradeCancelIncomingKeepsTheRestingOrder) {
  SetRiskLimits limits;
  limits.account = kBob;
  limits.stp_mode = StpMode::kCancelIncoming;
  ASSERT_TRUE(Do(limits).accepted);
  OrderId own = Limit(kBob, Side::kSell, 100, 1);
  Outcome o = Do(Order(kBob, Side::kBuy, OrderKind::kLimit, 100, 1));
  ASSERT_TRUE(o.accepted);
  EXPECT_TRUE(e.GetOrder(own).has_value());
  EXPECT_FALSE(e.GetOrder(o.order_id).has_value());
  auto cancelled = EventsOf(EventType::kOrderCancelled);
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(cancelled[0].order_id, o.order_id);
  EXPECT_EQ(Bal(kBob, "USD").held, 0);
}

TEST_F(OrdersTest, SelfTradeCancelBothRemovesBoth) {
  SetRiskLimits limits;
  limits.account = kBob;
  limits.stp_mode = StpMode::kCancelBoth;
  ASSERT_TRUE(Do(limits).accepted);
  OrderId own = Limit(kBob, Side::kSell, 100, 1);
  Outcome o = Do(Order(kBob, Side::kBuy, OrderKind::kLimit, 100, 1));
  ASSERT_TRUE(o.accepted);
  EXPECT_FALSE(e.GetOrder(own).has_value());
  EXPECT_FALSE(e.GetOrder(o.order_id).has_value());
  EXPECT_EQ(EventsOf(EventType::kOrderCancelled).size(), 2u);
}

TEST_F(OrdersTest, ReducingQuantityKeepsTimePriority) {
  OrderId first = Limit(kAlice, Side::kSell, 100, 5);
  Limit(kCarol, Side::kSell, 100, 5);
  ASSERT_TRUE(Do(AmendOrder{kAlice, OrderRef{first, 0}, 100, 2}).accepted);
  EXPECT_EQ(EventsOf(EventType::kOrderAmended)[0].priority_kept, 1);
  EXPECT_EQ(Bal(kAlice, "BTC").held, 200);
  Limit(kBob, Side::kBuy, 100, 1);
  EXPECT_EQ(EventsOf(EventType::kTrade)[0].maker_order_id, first);
}

TEST_F(OrdersTest, IncreasingQuantityLosesTimePriority) {
  OrderId first = Limit(kAlice, Side::kSell, 100, 5);
  OrderId second = Limit(kCarol, Side::kSell, 100, 5);
  ASSERT_TRUE(Do(AmendOrder{kAlice, OrderRef{first, 0}, 100, 6}).accepted);
  EXPECT_EQ(EventsOf(EventType::kOrderAmended)[0].priority_kept, 0);
  Limit(kBob, Side::kBuy, 100, 1);
  EXPECT_EQ(EventsOf(EventType::kTrade)[0].maker_order_id, second);
}

TEST_F(OrdersTest, NewPriceLosesTimePriorityAndMovesTheHold) {
  OrderId bid = Limit(kAlice, Side::kBuy, 100, 5);
  ASSERT_TRUE(Do(AmendOrder{kAlice, OrderRef{bid, 0}, 90, 5}).accepted);
  EXPECT_EQ(Bal(kAlice, "USD").held, 4500 + 9);
  EXPECT_EQ(e.GetOrder(bid)->price, 90);
  EXPECT_FALSE(e.GetDepth(kMarket, 10)->bids.empty());
  EXPECT_EQ(e.GetDepth(kMarket, 10)->bids[0].price, 90);
}

TEST_F(OrdersTest, AmendThatCrossesTradesAtTheNewPrice) {
  Limit(kAlice, Side::kSell, 100, 2);
  OrderId bid = Limit(kBob, Side::kBuy, 95, 5);
  ASSERT_TRUE(Do(AmendOrder{kBob, OrderRef{bid, 0}, 100, 5}).accepted);
  auto trades = EventsOf(EventType::kTrade);
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].order_id, bid);
  EXPECT_EQ(trades[0].quantity, 2);
  EXPECT_EQ(e.GetOrder(bid)->open, 3);
  EXPECT_EQ(e.GetOrder(bid)->filled, 2);
}

TEST_F(OrdersTest, AmendThatFillsCompletelyClosesTheOrder) {
  Limit(kAlice, Side::kSell, 100, 5);
  OrderId bid = Limit(kBob, Side::kBuy, 95, 5);
  ASSERT_TRUE(Do(AmendOrder{kBob, OrderRef{bid, 0}, 100, 5}).accepted);
  EXPECT_FALSE(e.GetOrder(bid).has_value());
  EXPECT_TRUE(e.GetOpenOrders(kBob).empty());
  EXPECT_EQ(Bal(kBob, "USD").held, 0);
}

TEST_F(OrdersTest, RejectedAmendLeavesTheOrderUntouched) {
  ASSERT_TRUE(Do(Deposit{200, "USD", 1100}).accepted);
  OrderId bid = Limit(200, Side::kBuy, 100, 1);
  auto before = e.StateHash();
  EXPECT_EQ(Reject(AmendOrder{200, OrderRef{bid, 0}, 100, 2}).reason, Reason::kInsufficientBalance);
  EXPECT_EQ(e.StateHash(), before);
}

TEST_F(OrdersTest, AmendOfPostOnlyThatWouldCrossIsRejected) {
  Limit(kAlice, Side::kSell, 100, 1);
  Outcome o = Do(Order(kBob, Side::kBuy, OrderKind::kPostOnly, 99, 1));
  ASSERT_TRUE(o.accepted);
  EXPECT_EQ(Reject(AmendOrder{kBob, OrderRef{o.order_id, 0}, 100, 1}).reason,
            Reason::kPostOnlyWouldTrade);
}

TEST_F(OrdersTest, ClientOrderIdsAreUniqueAmongOpenOrdersOnly) {
  Limit(kAlice, Side::kBuy, 90, 1, /*cid=*/7);
  EXPECT_EQ(Reject(Order(kAlice, Side::kBuy, OrderKind::kLimit, 91, 1, 7)).reason,
            Reason::kDuplicateClientOrderId);
  Limit(kBob, Side::kBuy, 90, 1, /*cid=*/7);  // another account may use it
  ASSERT_TRUE(Do(CancelOrder{kAlice, OrderRef{0, 7}}).accepted);
  Limit(kAlice, Side::kBuy, 92, 1, /*cid=*/7);  // free again
}

TEST_F(OrdersTest, CancelAllCancelsOldestFirstAndOnlyInTheNamedMarket) {
  CreateMarket eth = StandardMarket();
  eth.market = 2;
  eth.symbol = "ETH-USD";
  eth.base_asset = "ETH";
  ASSERT_TRUE(Do(eth).accepted);
  ASSERT_TRUE(Do(Deposit{kAlice, "ETH", 1000}).accepted);
  OrderId a = Limit(kAlice, Side::kBuy, 90, 1);
  PlaceOrder in_eth = Order(kAlice, Side::kSell, OrderKind::kLimit, 50, 1);
  in_eth.market = 2;
  OrderId eth_order = Do(in_eth).order_id;
  OrderId b = Limit(kAlice, Side::kSell, 110, 1);
  ASSERT_TRUE(Do(CancelAll{kAlice, kMarket}).accepted);
  auto cancelled = EventsOf(EventType::kOrderCancelled);
  ASSERT_EQ(cancelled.size(), 2u);
  EXPECT_EQ(cancelled[0].order_id, a);
  EXPECT_EQ(cancelled[1].order_id, b);
  EXPECT_TRUE(e.GetOrder(eth_order).has_value());
  ASSERT_TRUE(Do(CancelAll{kAlice, 0}).accepted);
  EXPECT_TRUE(e.GetOpenOrders(kAlice).empty());
}

TEST_F(OrdersTest, OpenOrdersAreListedByIdAndFilteredByMarket) {
  OrderId a = Limit(kAlice, Side::kBuy, 90, 1);
  OrderId b = Limit(kAlice, Side::kSell, 110, 2);
  auto open = e.GetOpenOrders(kAlice, kMarket);
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].id, a);
  EXPECT_EQ(open[1].id, b);
  EXPECT_TRUE(e.GetOpenOrders(kAlice, 77).empty());
}

TEST_F(OrdersTest, HaltedMarketAcceptsCancelsOnly) {
  OrderId bid = Limit(kAlice, Side::kBuy, 90, 2);
  ASSERT_TRUE(Do(SetMarketStatus{kMarket, MarketStatus::kHalted}).accepted);
  EXPECT_EQ(Reject(Order(kBob, Side::kSell, OrderKind::kLimit, 90, 1)).reason,
            Reason::kMarketHalted);
  EXPECT_EQ(Reject(AmendOrder{kAlice, OrderRef{bid, 0}, 90, 1}).reason, Reason::kMarketHalted);
  ASSERT_TRUE(Do(CancelOrder{kAlice, OrderRef{bid, 0}}).accepted);
  ASSERT_TRUE(Do(SetMarketStatus{kMarket, MarketStatus::kOpen}).accepted);
  Limit(kBob, Side::kSell, 90, 1);
}

TEST_F(OrdersTest, OverflowingNotionalIsARejectionNotUndefinedBehaviour) {
  EXPECT_EQ(Reject(Order(kAlice, Side::kBuy, OrderKind::kLimit, INT64_MAX / 4, 1000)).reason,
            Reason::kArithmeticOverflow);
}

TEST_F(OrdersTest, RecentTradesKeepTheLatestNewestFirstAndSurviveSerialisation) {
  for (uint32_t i = 0; i < kRecentTrades + 5; ++i) {
    Limit(kAlice, Side::kSell, 100 + (i % 3), 1);
    Do(Order(kBob, Side::kBuy, OrderKind::kLimit, 200, 1));
  }
  auto trades = e.GetRecentTrades(kMarket, 1000);
  ASSERT_TRUE(trades.has_value());
  ASSERT_EQ(trades->size(), kRecentTrades);
  EXPECT_EQ(trades->front().price, 100 + ((kRecentTrades + 4) % 3));
  EXPECT_EQ(trades->front().taker_side, Side::kBuy);
  EXPECT_EQ(trades->front().timestamp, now);
  for (size_t i = 1; i < trades->size(); ++i) {
    EXPECT_EQ((*trades)[i].trade_id + 1, (*trades)[i - 1].trade_id);
  }
  EXPECT_EQ(e.GetRecentTrades(kMarket, 3)->size(), 3u);
  EXPECT_FALSE(e.GetRecentTrades(99, 3).has_value());

  auto copy = Engine::Deserialize(e.SerializeToString());
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(*copy.value()->GetRecentTrades(kMarket, 1000), *trades);
}

}  // namespace
}  // namespace dreichor::engine
