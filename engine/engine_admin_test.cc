// Markets, deposits, withdrawals.
#include <gtest/gtest.h>

#include "engine/engine_fixture.h"

namespace dreichor::engine {
namespace {

using AdminTest = EngineFixture;

TEST_F(AdminTest, CreatedMarketIsListedWithItsParameters) {
  auto m = e.GetMarket(kMarket);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->symbol, "BTC-USD");
  EXPECT_EQ(m->base_asset, "BTC");
  EXPECT_EQ(m->quote_asset, "USD");
  EXPECT_EQ(m->tick_size, 10);
  EXPECT_EQ(m->lot_size, 100);
  EXPECT_EQ(m->status, MarketStatus::kOpen);
  EXPECT_FALSE(m->best_bid.has_value());
  EXPECT_EQ(e.ListMarkets().size(), 1u);
}

TEST_F(AdminTest, DuplicateMarketIdOrSymbolIsRejected) {
  CreateMarket same_id = StandardMarket();
  same_id.symbol = "OTHER";
  EXPECT_EQ(Reject(same_id).reason, Reason::kMarketExists);
  CreateMarket same_symbol = StandardMarket();
  same_symbol.market = 2;
  EXPECT_EQ(Reject(same_symbol).reason, Reason::kMarketExists);
}

TEST_F(AdminTest, MarketParametersAreRangeChecked) {
  auto with = [](auto mutate) {
    CreateMarket c = StandardMarket();
    c.market = 5;
    c.symbol = "NEW";
    mutate(c);
    return c;
  };
  EXPECT_EQ(Reject(with([](CreateMarket& c) { c.market = 0; })).reason,
            Reason::kInvalidMarketParams);
  EXPECT_EQ(Reject(with([](CreateMarket& c) { c.tick_size = 0; })).reason,
            Reason::kInvalidMarketParams);
  EXPECT_EQ(Reject(with([](CreateMarket& c) { c.lot_size = -1; })).reason,
            Reason::kInvalidMarketParams);
  EXPECT_EQ(Reject(with([](CreateMarket& c) { c.min_quantity = 0; })).reason,
            Reason::kInvalidMarketParams);
  EXPECT_EQ(Reject(with([](CreateMarket& c) { c.max_quantity = 0; })).reason,
            Reason::kInvalidMarketParams);
  EXPECT_EQ(Reject(with([](CreateMarket& c) { c.taker_fee_bps = kMaxFeeBps + 1; })).reason,
            Reason::kInvalidMarketParams);
  EXPECT_EQ(Reject(with([](CreateMarket& c) { c.symbol = "bad symbol"; })).reason,
            Reason::kInvalidMarketParams);
  EXPECT_EQ(Reject(with([](CreateMarket& c) { c.quote_asset = "BTC"; })).reason,
            Reason::kInvalidMarketParams);
  EXPECT_EQ(Reject(with([](CreateMarket& c) { c.base_asset = "btc"; })).reason,
            Reason::kInvalidAsset);
}

TEST_F(AdminTest, SettingTheSameStatusIsRejected) {
  EXPECT_EQ(Reject(SetMarketStatus{kMarket, MarketStatus::kOpen}).reason,
            Reason::kInvalidStatusChange);
  EXPECT_EQ(Reject(SetMarketStatus{9, MarketStatus::kHalted}).reason, Reason::kUnknownMarket);
}

TEST_F(AdminTest, DepositCreatesTheAccountAndCreditsAvailable) {
  EXPECT_FALSE(e.GetBalances(500).has_value());
  ASSERT_TRUE(Do(Deposit{500, "USD", 77}).accepted);
  EXPECT_EQ(Bal(500, "USD").available, 77);
  EXPECT_EQ(Bal(500, "USD").held, 0);
  EXPECT_EQ(e.Supply("USD"), 3 * kFunds + 77);
}

TEST_F(AdminTest, DepositMustBePositiveAndOfAValidAsset) {
  EXPECT_EQ(Reject(Deposit{kAlice, "USD", 0}).reason, Reason::kInvalidAmount);
  EXPECT_EQ(Reject(Deposit{kAlice, "USD", -5}).reason, Reason::kInvalidAmount);
  EXPECT_EQ(Reject(Deposit{kAlice, "", 5}).reason, Reason::kInvalidAsset);
  EXPECT_EQ(Reject(Deposit{kAlice, "TOOLONGASSETCODE", 5}).reason, Reason::kInvalidAsset);
}

TEST_F(AdminTest, DepositThatWouldOverflowTheSupplyIsRejected) {
  EXPECT_EQ(Reject(Deposit{kAlice, "USD", INT64_MAX - kFunds}).reason, Reason::kArithmeticOverflow);
  EXPECT_EQ(Bal(kAlice, "USD").available, kFunds);
}

TEST_F(AdminTest, WithdrawNeverGoesBelowAvailable) {
  Limit(kAlice, Side::kBuy, 100, 5);  // holds 5010
  EXPECT_EQ(Reject(Withdraw{kAlice, "USD", kFunds - 5009}).reason, Reason::kInsufficientBalance);
  ASSERT_TRUE(Do(Withdraw{kAlice, "USD", kFunds - 5010}).accepted);
  EXPECT_EQ(Bal(kAlice, "USD").available, 0);
  EXPECT_EQ(Bal(kAlice, "USD").held, 5010);
  EXPECT_EQ(e.Supply("USD"), 2 * kFunds + 5010);
}

TEST_F(AdminTest, WithdrawFromUnknownAccountOrAssetIsRejected) {
  EXPECT_EQ(Reject(Withdraw{999, "USD", 1}).reason, Reason::kUnknownAccount);
  EXPECT_EQ(Reject(Withdraw{kAlice, "XYZ", 1}).reason, Reason::kInsufficientBalance);
}

TEST_F(AdminTest, FeeAccountCanWithdrawCollectedFees) {
  Limit(kAlice, Side::kSell, 100, 5);
  Limit(kBob, Side::kBuy, 100, 5);
  ASSERT_EQ(Bal(kFeeAccountId, "USD").available, 15);
  ASSERT_TRUE(Do(Withdraw{kFeeAccountId, "USD", 15}).accepted);
  EXPECT_EQ(Reject(Order(kFeeAccountId, Side::kBuy, OrderKind::kLimit, 1, 1)).reason,
            Reason::kFeeAccountCannotTrade);
}

}  // namespace
}  // namespace dreichor::engine
