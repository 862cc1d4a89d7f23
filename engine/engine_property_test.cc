// Property tests over random command streams (RapidCheck).
//
// A stream is generated as raw numbers and turned into commands against the live engine (so
// cancels and amends mostly name real orders). After every command the engine's invariants are
// recomputed from scratch and the per-asset totals are compared with an independent count of
// deposits minus withdrawals. Whole streams are then replayed and split by a serialise /
// deserialise round trip to check determinism.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/command_codec.h"
#include "engine/engine.h"

namespace dreichor::engine {
namespace {

// Draws from a generator at a fixed size: RapidCheck scales ranges with the test's size, which
// would make early cases draw only values near the bottom of each range.
template <typename T>
T Draw(rc::Gen<T> gen) {
  return *rc::gen::resize(100, std::move(gen));
}

struct RawStep {
  uint32_t op = 0, a = 0, b = 0, c = 0, d = 0, e = 0;
};

rc::Gen<RawStep> GenStep() {
  return rc::gen::build<RawStep>(rc::gen::set(&RawStep::op, rc::gen::inRange(0u, 100u)),
                                 rc::gen::set(&RawStep::a, rc::gen::arbitrary<uint32_t>()),
                                 rc::gen::set(&RawStep::b, rc::gen::arbitrary<uint32_t>()),
                                 rc::gen::set(&RawStep::c, rc::gen::arbitrary<uint32_t>()),
                                 rc::gen::set(&RawStep::d, rc::gen::arbitrary<uint32_t>()),
                                 rc::gen::set(&RawStep::e, rc::gen::arbitrary<uint32_t>()));
}

// A stream of 20..400 steps, drawn at a fixed size so the first cases are not tiny.
std::vector<RawStep> GenSteps() {
  const size_t n = Draw(rc::gen::inRange<size_t>(20, 400));
  return Draw(rc::gen::container<std::vector<RawStep>>(n, GenStep()));
}

struct Stamped {
  Command command;
  TimestampNs timestamp;
};

const char* const kAssets[] = {"BTC", "ETH", "USD"};
constexpr AccountId kAccounts = 4;  // traders 1..4; 0 is the fee account

std::vector<Stamped> Preamble() {
  std::vector<Stamped> out;
  TimestampNs t = 1'000;
  out.push_back({CreateMarket{1, "BTC-USD", "BTC", "USD", 10, 100, 1, 50, 10, 20}, t++});
  out.push_back({CreateMarket{2, "ETH-USD", "ETH", "USD", 1, 1000, 2, 40, 0, 35}, t++});
  for (AccountId a = 1; a <= kAccounts; ++a) {
    out.push_back({Deposit{a, "USD", static_cast<Amount>(500'000 * a)}, t++});
    out.push_back({Deposit{a, "BTC", static_cast<Amount>(3'000 * a)}, t++});
    out.push_back({Deposit{a, "ETH", static_cast<Amount>(40'000 * a)}, t++});
  }
  return out;
}

std::vector<OrderInfo> AllOpenOrders(const Engine& e) {
  std::vector<OrderInfo> out;
  for (AccountId a = 1; a <= kAccounts; ++a) {
    for (const OrderInfo& o : e.GetOpenOrders(a)) out.push_back(o);
  }
  return out;
}

// Turns raw numbers into one command that makes sense for the engine's current state (and
// sometimes deliberately does not).
Command Materialize(const RawStep& s, const Engine& e) {
  // Mostly traders; one step in sixteen uses the fee account, which may not trade.
  const AccountId account = s.a % 16 == 0 ? kFeeAccountId : 1 + s.a % kAccounts;
  const MarketId market = s.b % 11 == 10 ? 3 : 1 + s.b % 2;
  const auto open = AllOpenOrders(e);
  if (s.op < 55 || s.op >= 96) {
    PlaceOrder p;
    p.account = account;
    p.market = market;
    p.side = s.c % 2 == 0 ? Side::kBuy : Side::kSell;
    static constexpr OrderKind kKinds[] = {OrderKind::kLimit,
                                           OrderKind::kLimit,
                                           OrderKind::kLimit,
                                           OrderKind::kLimit,
                                           OrderKind::kLimit,
                                           OrderKind::kPostOnly,
                                           OrderKind::kImmediateOrCancel,
                                           OrderKind::kFillOrKill,
                                           OrderKind::kMarket,
                                           OrderKind::kMarket};
    p.kind = s.op >= 96 ? OrderKind::kImmediateOrCancel : kKinds[(s.c / 2) % 10];
    p.price = 95 + static_cast<Price>(s.d % 11);
    p.quantity = 1 + static_cast<Quantity>(s.e % 15);
    p.client_order_id = (s.e / 16) % 4;
    if (p.kind == OrderKind::kMarket && s.d % 3 == 0) {
      p.price = 0;
      if (p.side == Side::kBuy) p.quote_budget = (s.c / 16) % 40'000;
      // Half of those budgets are whole numbers of single-lot costs at the best ask (plus 0-2):
      // where per-lot fee rounding would let a split match buy one lot more than the rule.
      const auto info = e.GetMarket(market);
      if (p.side == Side::kBuy && s.e % 2 == 0 && info && info->best_ask) {
        const Amount unit = info->best_ask->price * info->tick_size;
        const Amount single = unit + unit * info->taker_fee_bps / 10'000;
        p.quote_budget = static_cast<Amount>(1 + (s.e / 2) % 12) * single + (s.e / 64) % 3;
      }
    }
    return p;
  }
  if (s.op < 62) {
    if (!open.empty() && s.c % 4 != 0) {
      const OrderInfo& o = open[s.d % open.size()];
      if (s.c % 4 == 1 && o.client_order_id != 0) {
        return CancelOrder{o.account, OrderRef{0, o.client_order_id}};
      }
      return CancelOrder{s.c % 8 == 2 ? account : o.account, OrderRef{o.id, 0}};
    }
    return CancelOrder{account, OrderRef{s.d % 50, 0}};
  }
  if (s.op < 63) return CancelAll{account, s.c % 2 == 0 ? 0 : market};
  if (s.op < 85) {
    if (open.empty()) return Deposit{account, "USD", 1};
    const OrderInfo& o = open[s.d % open.size()];
    AmendOrder a;
    a.account = o.account;
    a.order = OrderRef{o.id, 0};
    a.new_price = std::max<Price>(1, o.price + static_cast<Price>(s.c % 5) - 2);
    a.new_quantity =
        s.e % 3 == 0 ? std::max<Quantity>(1, o.open - 1) : 1 + static_cast<Quantity>(s.e % 15);
    return a;
  }
  const std::string asset = kAssets[s.c % 3];
  if (s.op < 89) return Deposit{account, asset, static_cast<Amount>(s.d % 20'000)};
  if (s.op < 91) return Withdraw{account, asset, static_cast<Amount>(s.d % 20'000)};
  if (s.op < 94) {
    SetRiskLimits l;
    l.account = account;
    l.max_order_quantity = s.c % 3 == 0 ? 0 : 1 + s.c % 20;
    l.max_order_notional = s.d % 3 == 0 ? 0 : 5000 + s.d % 200'000;
    l.max_open_orders = s.e % 3 == 0 ? 0 : 1 + s.e % 6;
    l.price_band_bps = s.b % 3 == 0 ? 0 : 100 + s.b % 1500;
    l.rate_capacity = s.a % 4 == 0 ? 1 + s.a % 5 : 0;
    l.rate_per_second = s.a % 7;
    l.stp_mode = static_cast<StpMode>(s.d % 3);
    return l;
  }
  // Halts are short-lived: most status changes resume.
  return SetMarketStatus{market, s.c % 4 == 0 ? MarketStatus::kHalted : MarketStatus::kOpen};
}

// Applies the preamble and the raw steps, checking every invariant after every command.
// Returns the materialised stream.
std::vector<Stamped> RunChecked(const std::vector<RawStep>& steps) {
  Engine e;
  std::vector<Stamped> stream = Preamble();
  std::map<std::string, Amount> supply;
  auto apply = [&](const Stamped& s) {
    Outcome o = e.Apply(s.command, s.timestamp);
    if (o.accepted) {
      if (auto* d = std::get_if<Deposit>(&s.command)) supply[d->asset] += d->amount;
      if (auto* w = std::get_if<Withdraw>(&s.command)) supply[w->asset] -= w->amount;
    }
    Status inv = e.CheckInvariants();
    RC_ASSERT(inv.ok());
    // One match is one fill: no command trades twice against the same resting order.
    std::set<OrderId> makers;
    for (const Event& ev : e.events()) {
      if (ev.type == EventType::kTrade) RC_ASSERT(makers.insert(ev.maker_order_id).second);
    }
    for (const char* asset : kAssets) {
      Amount total = 0;
      for (AccountId a = 0; a <= kAccounts; ++a) {
        if (auto balances = e.GetBalances(a)) {
          for (const BalanceInfo& b : *balances) {
            RC_ASSERT(b.available >= 0);
            RC_ASSERT(b.held >= 0);
            if (b.asset == asset) total += b.available + b.held;
          }
        }
      }
      RC_ASSERT(total == supply[asset]);
    }
  };
  for (const Stamped& s : stream) apply(s);
  TimestampNs t = stream.back().timestamp;
  for (const RawStep& raw : steps) {
    t += 1 + static_cast<TimestampNs>(raw.a % 1000) * 1'000'000;
    Stamped s{Materialize(raw, e), t};
    apply(s);
    stream.push_back(std::move(s));
  }
  return stream;
}

Sha256::Digest ReplayHash(const std::vector<Stamped>& stream, size_t from, Engine& e) {
  for (size_t i = from; i < stream.size(); ++i) {
    (void)e.Apply(stream[i].command, stream[i].timestamp);
  }
  return e.StateHash();
}

RC_GTEST_PROP(EngineProperties, InvariantsHoldAfterEveryCommand, ()) {
  const auto steps = GenSteps();
  RunChecked(steps);
}

RC_GTEST_PROP(EngineProperties, ReplayingTheSameStreamGivesTheSameStateHash, ()) {
  const auto steps = GenSteps();
  const auto stream = RunChecked(steps);
  Engine a, b;
  RC_ASSERT(ReplayHash(stream, 0, a) == ReplayHash(stream, 0, b));
}

RC_GTEST_PROP(EngineProperties, SnapshotAtAnyPointThenContinueEqualsNeverStopping, ()) {
  const auto steps = GenSteps();
  const auto stream = RunChecked(steps);
  const size_t cut = Draw(rc::gen::inRange<size_t>(0, stream.size() + 1));
  Engine whole;
  const auto expected = ReplayHash(stream, 0, whole);

  Engine first;
  for (size_t i = 0; i < cut; ++i) (void)first.Apply(stream[i].command, stream[i].timestamp);
  auto restored = Engine::Deserialize(first.SerializeToString());
  RC_ASSERT(restored.ok());
  RC_ASSERT(ReplayHash(stream, cut, *restored.value()) == expected);
}

// The events of a command do not depend on whether the engine was restored from a snapshot.
RC_GTEST_PROP(EngineProperties, RestoredEngineEmitsIdenticalEvents, ()) {
  const auto steps = GenSteps();
  const auto stream = RunChecked(steps);
  const size_t cut = Draw(rc::gen::inRange<size_t>(0, stream.size() + 1));
  Engine original;
  for (size_t i = 0; i < cut; ++i) (void)original.Apply(stream[i].command, stream[i].timestamp);
  auto restored = Engine::Deserialize(original.SerializeToString());
  RC_ASSERT(restored.ok());
  Engine& copy = *restored.value();
  for (size_t i = cut; i < stream.size(); ++i) {
    Outcome x = original.Apply(stream[i].command, stream[i].timestamp);
    Outcome y = copy.Apply(stream[i].command, stream[i].timestamp);
    RC_ASSERT(x.accepted == y.accepted);
    RC_ASSERT(x.reason == y.reason);
    RC_ASSERT(x.order_id == y.order_id);
    RC_ASSERT(original.events().size() == copy.events().size());
    for (size_t k = 0; k < original.events().size(); ++k) {
      const Event& p = original.events()[k];
      const Event& q = copy.events()[k];
      RC_ASSERT(p.type == q.type);
      RC_ASSERT(p.order_id == q.order_id);
      RC_ASSERT(p.price == q.price);
      RC_ASSERT(p.quantity == q.quantity);
      RC_ASSERT(p.market_seq == q.market_seq);
      RC_ASSERT(p.trade_id == q.trade_id);
    }
  }
}

// Any integer, with the edges of the range and small values much more likely than chance.
rc::Gen<int64_t> HostileInt() {
  return rc::gen::oneOf(
      rc::gen::element<int64_t>(0, 1, -1, 2, INT64_MAX, INT64_MIN, INT64_MAX / 2, INT64_MAX - 1,
                                INT32_MAX, UINT32_MAX, 1'000'000'007),
      rc::gen::inRange<int64_t>(-5, 200), rc::gen::arbitrary<int64_t>());
}

// Usually a number in [lo, hi); one time in five a hostile one.
int64_t Num(int64_t lo, int64_t hi) {
  return Draw(rc::gen::weightedOneOf<int64_t>({{4, rc::gen::inRange(lo, hi)}, {1, HostileInt()}}));
}

Command HostileCommand() {
  auto account = [] { return static_cast<AccountId>(Draw(rc::gen::inRange(0, 4))); };
  auto market = [] { return static_cast<MarketId>(Draw(rc::gen::inRange(0, 3))); };
  auto asset = [] { return Draw(rc::gen::element<std::string>("B", "Q")); };
  auto order = [] { return static_cast<OrderId>(Draw(rc::gen::inRange(0, 30))); };
  auto u32 = [](int64_t lo, int64_t hi) { return static_cast<uint32_t>(Num(lo, hi)); };
  switch (Draw(rc::gen::inRange(0, 12))) {  // 6..11: place_order
    case 0: {
      const MarketId id = market();
      return CreateMarket{
          id,        "M" + std::to_string(id), "B",          "Q",         Num(1, 100), Num(1, 100),
          Num(1, 3), Num(100, 100'000),        u32(0, 1001), u32(0, 1001)};
    }
    case 1:
      return Deposit{account(), asset(), Num(1, 1'000'000'000)};
    case 2:
      return Withdraw{account(), asset(), Num(1, 100'000)};
    case 3:
      return SetRiskLimits{
          account(),    Num(0, 1000), Num(0, 10'000'000), u32(0, 10),
          u32(0, 3000), u32(0, 50),   u32(0, 50),         static_cast<StpMode>(Num(0, 3))};
    case 4:
      return AmendOrder{account(), OrderRef{order(), 0}, Num(1, 200), Num(1, 50)};
    case 5:
      return CancelOrder{account(), OrderRef{order(), 0}};
    default:
      return PlaceOrder{account(),
                        market(),
                        0,
                        static_cast<Side>(Num(1, 3)),
                        static_cast<OrderKind>(Num(1, 6)),
                        Num(0, 200),
                        Num(1, 50),
                        Draw(rc::gen::element<bool>(true, false)) ? 0 : Num(0, 100'000)};
  }
}

// Extreme and malformed values in every field never crash the engine, overflow (the sanitizer
// build checks that) or break an invariant: they are accepted within range or rejected.
RC_GTEST_PROP(EngineProperties, HostileValuesAreRejectedOrHandledExactly, ()) {
  Engine e;
  // A live starting point, so hostile orders meet real markets, balances and books.
  RC_ASSERT(e.Apply(CreateMarket{1, "M1", "B", "Q", 3, 7, 1, 100'000, 10, 20}, 1).accepted);
  RC_ASSERT(e.Apply(CreateMarket{2, "M2", "B", "Q", 1, 1, 1, 100'000, 0, 0}, 2).accepted);
  for (AccountId a = 1; a <= 3; ++a) {
    RC_ASSERT(e.Apply(Deposit{a, "B", 1'000'000'000}, 3).accepted);
    RC_ASSERT(e.Apply(Deposit{a, "Q", 1'000'000'000}, 4).accepted);
  }
  const int n = Draw(rc::gen::inRange(1, 200));
  for (int k = 0; k < n; ++k) {
    const Command c = HostileCommand();
    (void)e.Apply(c, Draw(HostileInt()));
    const Status inv = e.CheckInvariants();
    RC_ASSERT(inv.ok());
    const std::string bytes = EncodeCommand(c);
    Result<Command> back = DecodeCommand(bytes);
    RC_ASSERT(back.ok());
    RC_ASSERT(EncodeCommand(back.value()) == bytes);
  }
  auto restored = Engine::Deserialize(e.SerializeToString());
  if (!restored.ok()) RC_FAIL(restored.status().ToString());
  RC_ASSERT(restored.value()->StateHash() == e.StateHash());
}

}  // namespace
}  // namespace dreichor::engine
