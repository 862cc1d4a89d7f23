#include "sim/command_source.h"

namespace dreichor::sim {

namespace {

constexpr uint64_t kAccounts = 6;
constexpr engine::MarketId kMarkets = 3;
const char* const kAssets[] = {"USD", "BTC", "ETH", "SOL"};

}  // namespace

engine::Command CommandSource::Next() {
  const uint64_t n = drawn_++;
  return n < kMarkets + kAccounts * 4 ? Opening(n) : Trading();
}

engine::Command CommandSource::Opening(uint64_t n) {
  using namespace engine;
  if (n == 0) return CreateMarket{1, "BTC-USD", "BTC", "USD", 10, 100, 1, 1000, 10, 20};
  if (n == 1) return CreateMarket{2, "ETH-USD", "ETH", "USD", 1, 1000, 1, 1000, 0, 25};
  if (n == 2) return CreateMarket{3, "SOL-BTC", "SOL", "BTC", 1, 10, 1, 500, 5, 5};
  const uint64_t k = n - kMarkets;
  return Deposit{1 + k / 4, kAssets[k % 4], 1'000'000'000};
}

engine::Command CommandSource::Trading() {
  using namespace engine;
  const AccountId account = 1 + Below(kAccounts + 1);  // sometimes an unknown account
  const MarketId market = 1 + static_cast<MarketId>(Below(kMarkets + 1));  // sometimes unknown
  const Price price = 95 + static_cast<Price>(Below(11));
  const Quantity quantity = 1 + static_cast<Quantity>(Below(Below(50) == 0 ? 5000 : 20));
  const OrderId order = 1 + Below(drawn_ + 1);
  const uint64_t roll = Below(1000);
  if (roll < 5)
    return SetMarketStatus{market, Below(4) == 0 ? MarketStatus::kHalted : MarketStatus::kOpen};
  if (roll < 25)
    return Deposit{account, kAssets[Below(4)], static_cast<Amount>(1 + Below(1'000'000))};
  if (roll < 40)
    return Withdraw{account, kAssets[Below(4)], static_cast<Amount>(1 + Below(2'000'000))};
  if (roll < 45) {
    return SetRiskLimits{account,
                         static_cast<Quantity>(1 + Below(100)),
                         static_cast<Amount>(1 + Below(10'000'000)),
                         static_cast<uint32_t>(1 + Below(50)),
                         static_cast<uint32_t>(Below(2000)),
                         static_cast<uint32_t>(Below(100)),
                         static_cast<uint32_t>(Below(50)),
                         static_cast<StpMode>(Below(3))};
  }
  if (roll < 150) return CancelOrder{account, OrderRef{order, 0}};
  if (roll < 165) return CancelAll{account, Below(2) == 0 ? 0 : market};
  if (roll < 260) return AmendOrder{account, OrderRef{order, 0}, price, quantity};
  PlaceOrder p;
  p.account = account;
  p.market = market;
  p.client_order_id = Below(4) == 0 ? 1 + Below(50) : 0;
  p.side = Below(2) == 0 ? Side::kBuy : Side::kSell;
  const uint64_t kind = Below(10);
  p.kind = kind < 5 ? OrderKind::kLimit : static_cast<OrderKind>(2 + Below(4));
  p.price = p.kind == OrderKind::kMarket && Below(2) == 0 ? 0 : price;
  p.quantity = quantity;
  if (p.kind == OrderKind::kMarket && p.side == Side::kBuy && Below(2) == 0) {
    p.quote_budget = static_cast<Amount>(1 + Below(50'000));
  }
  return p;
}

}  // namespace dreichor::sim
