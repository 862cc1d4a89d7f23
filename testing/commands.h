// Deterministic engine commands for tests: CommandForSequence(n) depends only on n, so a test
// (or a crash-test parent process) can regenerate what record n of a log must hold. The stream
// opens two markets, funds eight accounts, then mixes limit and immediate-or-cancel orders,
// cancels and amends over a narrow price range so that orders trade.
#pragma once

#include <vector>

#include "audit/audit_log.h"
#include "engine/command.h"
#include "engine/command_codec.h"
#include "engine/engine.h"
#include "util/random.h"

namespace dreichor::runtime {

inline constexpr uint64_t kTestAccounts = 8;
inline constexpr int64_t kTestEpochNs = 1'700'000'000'000'000'000;

inline engine::Command CommandForSequence(uint64_t n) {
  using namespace engine;
  if (n == 1) return CreateMarket{1, "BTC-USD", "BTC", "USD", 10, 100, 1, 1000, 10, 20};
  if (n == 2) return CreateMarket{2, "ETH-USD", "ETH", "USD", 1, 1000, 1, 1000, 0, 25};
  if (n <= 2 + 3 * kTestAccounts) {
    const uint64_t k = n - 3;
    static const char* const kAssets[] = {"USD", "BTC", "ETH"};
    return Deposit{1 + k / 3, kAssets[k % 3], 1'000'000'000};
  }
  SeededRandom rng(n * 7919);
  const AccountId account = 1 + rng.Next() % kTestAccounts;
  const MarketId market = 1 + static_cast<MarketId>(rng.Next() % 2);
  const uint64_t roll = rng.Next() % 100;
  // Orders placed by earlier sequence numbers have ids up to about n; aim near there.
  const OrderId recent = n > 40 ? n - rng.Next() % 40 : 1;
  if (roll < 10) return CancelOrder{account, OrderRef{recent, 0}};
  if (roll < 25) {
    return AmendOrder{account, OrderRef{recent, 0}, 95 + static_cast<Price>(rng.Next() % 11),
                      1 + static_cast<Quantity>(rng.Next() % 20)};
  }
  PlaceOrder p;
  p.account = account;
  p.market = market;
  p.side = rng.Next() % 2 == 0 ? Side::kBuy : Side::kSell;
  p.kind = roll < 35 ? OrderKind::kImmediateOrCancel : OrderKind::kLimit;
  p.price = 95 + static_cast<Price>(rng.Next() % 11);
  p.quantity = 1 + static_cast<Quantity>(rng.Next() % 20);
  return p;
}

inline int64_t TimestampForSequence(uint64_t n) {
  return kTestEpochNs + static_cast<int64_t>(n) * 1'000'000;
}

inline audit::PendingRecord RecordForSequence(uint64_t n) {
  const engine::Command c = CommandForSequence(n);
  audit::PendingRecord r;
  r.sequence = n;
  r.timestamp_ns = TimestampForSequence(n);
  SeededRandom rng(n);
  rng.Fill(r.event_id.data(), r.event_id.size());
  r.type = static_cast<uint16_t>(engine::TypeOf(c));
  r.payload = engine::EncodeCommand(c);
  return r;
}

// Records first..first+n-1.
inline std::vector<audit::PendingRecord> RecordsForSequences(uint64_t first, uint64_t n) {
  std::vector<audit::PendingRecord> out;
  for (uint64_t s = first; s < first + n; ++s) out.push_back(RecordForSequence(s));
  return out;
}

// The state an engine reaches by applying commands 1..n directly (the reference).
inline std::unique_ptr<engine::Engine> ReferenceEngine(uint64_t n) {
  auto e = std::make_unique<engine::Engine>();
  for (uint64_t s = 1; s <= n; ++s) (void)e->Apply(CommandForSequence(s), TimestampForSequence(s));
  return e;
}

}  // namespace dreichor::runtime
