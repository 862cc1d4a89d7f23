// Table-driven: every rejection reason the engine can give, each produced by one command on the
// fixture's state, and a check that the table leaves no rejection reason out.
#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <set>

#include "engine/engine_fixture.h"

namespace dreichor::engine {
namespace {

struct Row {
  const char* name;
  Reason expected;
  // Builds the rejected command; may apply setup commands through the fixture first.
  std::function<Command(EngineFixture&)> make;
};

// Names the row in test output instead of dumping its bytes.
void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

// A fixture instance driven by hand inside a parameterised test.
class RejectionTest : public EngineFixture {
 public:
  void TestBody() override {}
};

PlaceOrder Buy(Price p, Quantity q) {
  return EngineFixture::Order(EngineFixture::kAlice, Side::kBuy, OrderKind::kLimit, p, q);
}

std::vector<Row> Rows() {
  using F = EngineFixture;
  return {
      {"unknown_market", Reason::kUnknownMarket,
       [](F&) {
         PlaceOrder p = Buy(100, 1);
         p.market = 42;
         return Command(p);
       }},
      {"market_exists", Reason::kMarketExists, [](F&) { return Command(F::StandardMarket()); }},
      {"market_halted", Reason::kMarketHalted,
       [](F& f) {
         f.Do(SetMarketStatus{F::kMarket, MarketStatus::kHalted});
         return Command(Buy(100, 1));
       }},
      {"invalid_market_params", Reason::kInvalidMarketParams,
       [](F&) {
         CreateMarket c = F::StandardMarket();
         c.market = 3;
         c.symbol = "NOTICK";
         c.tick_size = 0;
         return Command(c);
       }},
      {"invalid_asset", Reason::kInvalidAsset,
       [](F&) {
         return Command(Deposit{F::kAlice, "us$", 1});
       }},
      {"unknown_account", Reason::kUnknownAccount,
       [](F&) {
         PlaceOrder p = Buy(100, 1);
         p.account = 9999;
         return Command(p);
       }},
      {"fee_account_cannot_trade", Reason::kFeeAccountCannotTrade,
       [](F&) {
         PlaceOrder p = Buy(100, 1);
         p.account = kFeeAccountId;
         return Command(p);
       }},
      {"invalid_amount", Reason::kInvalidAmount,
       [](F&) {
         return Command(Deposit{F::kAlice, "USD", 0});
       }},
      {"insufficient_balance", Reason::kInsufficientBalance,
       [](F&) { return Command(Buy(1'000'000, 1'000)); }},
      {"invalid_quantity", Reason::kInvalidQuantity, [](F&) { return Command(Buy(100, 0)); }},
      {"quantity_below_minimum", Reason::kQuantityBelowMinimum,
       [](F& f) {
         CreateMarket c = F::StandardMarket();
         c.market = 2;
         c.symbol = "MIN";
         c.min_quantity = 5;
         f.Do(c);
         PlaceOrder p = Buy(100, 4);
         p.market = 2;
         return Command(p);
       }},
      {"quantity_above_maximum", Reason::kQuantityAboveMaximum,
       [](F&) { return Command(Buy(100, 1'000'001)); }},
      {"invalid_price", Reason::kInvalidPrice, [](F&) { return Command(Buy(0, 1)); }},
      {"market_order_unbounded", Reason::kMarketOrderUnbounded,
       [](F&) { return Command(F::Order(F::kAlice, Side::kSell, OrderKind::kMarket, 0, 1)); }},
      {"invalid_order_kind", Reason::kInvalidOrderKind,
       [](F&) {
         PlaceOrder p = Buy(100, 1);
         p.kind = static_cast<OrderKind>(77);
         return Command(p);
       }},
      {"unknown_order", Reason::kUnknownOrder,
       [](F&) {
         return Command(CancelOrder{F::kAlice, OrderRef{12345, 0}});
       }},
      {"not_order_owner", Reason::kNotOrderOwner,
       [](F& f) {
         OrderId id = f.Limit(F::kBob, Side::kBuy, 100, 1);
         return Command(CancelOrder{F::kAlice, OrderRef{id, 0}});
       }},
      {"duplicate_client_order_id", Reason::kDuplicateClientOrderId,
       [](F& f) {
         f.Limit(F::kAlice, Side::kBuy, 100, 1, 5);
         return Command(F::Order(F::kAlice, Side::kBuy, OrderKind::kLimit, 99, 1, 5));
       }},
      {"risk_max_order_quantity", Reason::kRiskMaxOrderQuantity,
       [](F& f) {
         SetRiskLimits l;
         l.account = F::kAlice;
         l.max_order_quantity = 1;
         f.Do(l);
         return Command(Buy(100, 2));
       }},
      {"risk_max_order_notional", Reason::kRiskMaxOrderNotional,
       [](F& f) {
         SetRiskLimits l;
         l.account = F::kAlice;
         l.max_order_notional = 999;
         f.Do(l);
         return Command(Buy(100, 1));
       }},
      {"risk_max_open_orders", Reason::kRiskMaxOpenOrders,
       [](F& f) {
         SetRiskLimits l;
         l.account = F::kAlice;
         l.max_open_orders = 1;
         f.Do(l);
         f.Limit(F::kAlice, Side::kBuy, 100, 1);
         return Command(Buy(100, 1));
       }},
      {"risk_price_band", Reason::kRiskPriceBand,
       [](F& f) {
         f.Limit(F::kBob, Side::kSell, 100, 1);
         f.Limit(F::kCarol, Side::kBuy, 100, 1);
         SetRiskLimits l;
         l.account = F::kAlice;
         l.price_band_bps = 100;
         f.Do(l);
         return Command(Buy(200, 1));
       }},
      {"risk_rate_limit", Reason::kRiskRateLimit,
       [](F& f) {
         SetRiskLimits l;
         l.account = F::kAlice;
         l.rate_capacity = 1;
         f.Do(l);
         f.Limit(F::kAlice, Side::kBuy, 100, 1);
         return Command(Buy(100, 1));
       }},
      {"post_only_would_trade", Reason::kPostOnlyWouldTrade,
       [](F& f) {
         f.Limit(F::kBob, Side::kSell, 100, 1);
         return Command(F::Order(F::kAlice, Side::kBuy, OrderKind::kPostOnly, 100, 1));
       }},
      {"fill_or_kill_unfillable", Reason::kFillOrKillUnfillable,
       [](F&) { return Command(F::Order(F::kAlice, Side::kBuy, OrderKind::kFillOrKill, 100, 1)); }},
      {"arithmetic_overflow", Reason::kArithmeticOverflow,
       [](F&) { return Command(Buy(INT64_MAX / 2, 100)); }},
      {"amend_no_change", Reason::kAmendNoChange,
       [](F& f) {
         OrderId id = f.Limit(F::kAlice, Side::kBuy, 100, 1);
         return Command(AmendOrder{F::kAlice, OrderRef{id, 0}, 100, 1});
       }},
      {"invalid_risk_limits", Reason::kInvalidRiskLimits,
       [](F&) {
         SetRiskLimits l;
         l.account = F::kAlice;
         l.stp_mode = static_cast<StpMode>(9);
         return Command(l);
       }},
      {"invalid_status_change", Reason::kInvalidStatusChange,
       [](F&) {
         return Command(SetMarketStatus{F::kMarket, MarketStatus::kOpen});
       }},
      {"invalid_retention", Reason::kInvalidRetention,
       [](F&) {
         return Command(SetRetention{5, 4, 1'000});
       }},
      {"retention_rules_full", Reason::kRetentionRulesFull,
       [](F& f) {
         // 1024 ranges, none covering another: the next new one has no room.
         for (uint64_t i = 1; i <= EvidencePolicy::kMaxRules; ++i) f.Do(SetRetention{i, i, 1'000});
         return Command(SetRetention{5'000, 5'000, 1'000});
       }},
      {"invalid_legal_hold", Reason::kInvalidLegalHold,
       [](F&) {
         return Command(LegalHold{0, true});
       }},
      {"unknown_legal_hold", Reason::kUnknownLegalHold,
       [](F&) {
         return Command(LegalHold{7, false});
       }},
      {"legal_holds_full", Reason::kLegalHoldsFull,
       [](F& f) {
         for (uint64_t i = 1; i <= EvidencePolicy::kMaxHolds; ++i) f.Do(LegalHold{i, true});
         return Command(LegalHold{5'000, true});
       }},
      {"invalid_api_key", Reason::kInvalidApiKey,
       [](F&) {
         return Command(RegisterApiKey{1, F::kAlice, PublicKey{}, kPermissionTrade});
       }},
      {"api_key_exists", Reason::kApiKeyExists,
       [](F& f) {
         f.Do(RegisterApiKey{1, F::kAlice, TestKey(1), kPermissionTrade});
         return Command(RegisterApiKey{2, F::kBob, TestKey(1), kPermissionRead});
       }},
      {"unknown_api_key", Reason::kUnknownApiKey, [](F&) { return Command(RevokeApiKey{9}); }},
      {"api_key_revoked", Reason::kApiKeyRevoked,
       [](F& f) {
         f.Do(RegisterApiKey{1, F::kAlice, TestKey(1), kPermissionTrade});
         f.Do(RevokeApiKey{1});
         return Command(RevokeApiKey{1});
       }},
      {"api_keys_full", Reason::kApiKeysFull,
       [](F& f) {
         for (uint8_t i = 1; i <= ApiKeys::kMaxKeysPerAccount; ++i) {
           f.Do(RegisterApiKey{i, F::kAlice, TestKey(i), kAllPermissions});
         }
         return Command(RegisterApiKey{1'000, F::kAlice, TestKey(200), kPermissionRead});
       }},
  };
}

class RejectionReasonTest : public ::testing::TestWithParam<Row> {};

TEST_P(RejectionReasonTest, CommandIsRejectedWithTheReasonAndChangesNothing) {
  RejectionTest f;
  f.SetUp();
  Command c = GetParam().make(f);
  Sha256::Digest before = f.e.StateHash();
  Outcome o = f.e.Apply(c, f.now + 1);
  EXPECT_FALSE(o.accepted);
  EXPECT_EQ(ReasonCode(o.reason), ReasonCode(GetParam().expected));
  EXPECT_FALSE(ReasonMessage(o.reason).empty());
  EXPECT_TRUE(f.e.events().empty());
  // A rejection changes no state, except that attempts on a rate-limited account draw on its
  // token bucket (docs/engine.md); only the rate-limit row sets a rate limit.
  if (GetParam().expected != Reason::kRiskRateLimit) {
    EXPECT_EQ(f.e.StateHash(), before);
  }
  f.TearDown();
}

INSTANTIATE_TEST_SUITE_P(EveryReason, RejectionReasonTest, ::testing::ValuesIn(Rows()),
                         [](const auto& row) { return std::string(row.param.name); });

TEST(RejectionTableTest, EveryRejectionReasonHasARow) {
  const std::set<Reason> not_rejections = {Reason::kNone, Reason::kUserCancelled,
                                           Reason::kSelfTradePrevented, Reason::kUnfilledRemainder,
                                           Reason::kQuoteBudgetExhausted};
  std::set<Reason> covered;
  for (const Row& r : Rows()) {
    covered.insert(r.expected);
    EXPECT_EQ(ReasonCode(r.expected), r.name) << "row name must be the reason's code";
  }
  for (uint16_t v = 0; v < 200; ++v) {
    if (!IsValidReason(v)) continue;
    Reason r = static_cast<Reason>(v);
    if (not_rejections.count(r) == 0) {
      EXPECT_EQ(covered.count(r), 1u) << "no row for " << ReasonCode(r);
    }
  }
}

}  // namespace
}  // namespace dreichor::engine
