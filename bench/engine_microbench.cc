// Google Benchmark microbenchmarks of the engine's hot paths, each on a book prepared like the
// standalone workload's (docs/benchmarks.md).
#include <benchmark/benchmark.h>

#include "bench/workload.h"
#include "engine/command_codec.h"
#include "engine/engine.h"

namespace dreichor::bench {
namespace {

using namespace dreichor::engine;

// Accounts of the microbenchmarks: funded, without risk limits (a rate limit would start
// rejecting after its burst and the benchmark would time rejections).
constexpr AccountId kTraderA = 1'000'001;
constexpr AccountId kTraderB = 1'000'002;
constexpr TimestampNs kSpacing = 100;

// An engine holding the workload's initial book (~1,000 orders over ~750 levels).
std::unique_ptr<Engine> PreparedEngine(const Workload& w, TimestampNs* now) {
  auto e = std::make_unique<Engine>();
  for (size_t i = 0; i < w.setup.size(); ++i) (void)e->Apply(w.setup[i], w.stamps[i]);
  *now = w.stamps[w.setup.size() - 1];
  for (AccountId a : {kTraderA, kTraderB}) {
    (void)e->Apply(Deposit{a, "USD", 1'000'000'000'000'000}, *now += kSpacing);
    (void)e->Apply(Deposit{a, "BTC", 1'000'000'000'000'000}, *now += kSpacing);
  }
  return e;
}

// Applies a command that must be accepted; a rejection aborts the benchmark run.
Outcome MustApply(benchmark::State& state, Engine& e, const Command& c, TimestampNs* now) {
  Outcome o = e.Apply(c, *now += kSpacing);
  if (!o.accepted) state.SkipWithError(std::string(ReasonCode(o.reason)).c_str());
  return o;
}

const Workload& SetupOnly() {
  static const Workload w = [] {
    WorkloadParams p;
    p.commands = 0;
    return GenerateWorkload(p);
  }();
  return w;
}

Price Mid(const Engine& e) { return e.GetMarket(1)->last_trade_price; }

void BM_PlaceRestingThenCancel(benchmark::State& state) {
  TimestampNs now;
  auto e = PreparedEngine(SetupOnly(), &now);
  const Price price = Mid(*e) - 200;
  for (auto _ : state) {
    Outcome o = MustApply(
        state, *e, PlaceOrder{kTraderA, 1, 0, Side::kBuy, OrderKind::kLimit, price, 10, 0}, &now);
    MustApply(state, *e, CancelOrder{kTraderA, OrderRef{o.order_id, 0}}, &now);
  }
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_PlaceRestingThenCancel);

// Moves one order back and forth by a tick, `state.range(0)` ticks below the last trade: near
// the touch, and deep in the book where its level is found by the price index rather than by
// being next to the best.
void BM_AmendOneTickBackAndForth(benchmark::State& state) {
  TimestampNs now;
  auto e = PreparedEngine(SetupOnly(), &now);
  const Price price = Mid(*e) - state.range(0);
  OrderId id =
      MustApply(state, *e, PlaceOrder{kTraderA, 1, 0, Side::kBuy, OrderKind::kLimit, price, 10, 0},
                &now)
          .order_id;
  Price offset = 1;
  for (auto _ : state) {
    MustApply(state, *e, AmendOrder{kTraderA, OrderRef{id, 0}, price + offset, 10}, &now);
    offset = 1 - offset;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AmendOneTickBackAndForth)->Arg(50)->Arg(400);

void BM_CrossingLimitTradesAgainstRestingOrder(benchmark::State& state) {
  TimestampNs now;
  auto e = PreparedEngine(SetupOnly(), &now);
  // A second, empty market, so each iteration is one maker and one taker and nothing else.
  MustApply(state, *e, CreateMarket{2, "BTC-EUR", "BTC", "EUR", 1, 1, 1, 1'000'000, 10, 20}, &now);
  for (AccountId a : {kTraderA, kTraderB}) {
    MustApply(state, *e, Deposit{a, "EUR", 1'000'000'000'000'000}, &now);
  }
  for (auto _ : state) {
    MustApply(state, *e, PlaceOrder{kTraderA, 2, 0, Side::kSell, OrderKind::kLimit, 500, 10, 0},
              &now);
    MustApply(state, *e,
              PlaceOrder{kTraderB, 2, 0, Side::kBuy, OrderKind::kImmediateOrCancel, 500, 10, 0},
              &now);
  }
  state.SetItemsProcessed(2 * state.iterations());
}
BENCHMARK(BM_CrossingLimitTradesAgainstRestingOrder);

void BM_EncodeDecodePlaceOrder(benchmark::State& state) {
  const Command c = PlaceOrder{7, 1, 42, Side::kBuy, OrderKind::kLimit, 100, 5, 0};
  std::string bytes;
  for (auto _ : state) {
    bytes.clear();
    EncodeCommand(c, &bytes);
    benchmark::DoNotOptimize(DecodeCommand(bytes));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeDecodePlaceOrder);

void BM_StateHashOfPreparedBook(benchmark::State& state) {
  TimestampNs now;
  auto e = PreparedEngine(SetupOnly(), &now);
  for (auto _ : state) benchmark::DoNotOptimize(e->StateHash());
}
BENCHMARK(BM_StateHashOfPreparedBook);

void BM_DeserializePreparedBook(benchmark::State& state) {
  TimestampNs now;
  auto e = PreparedEngine(SetupOnly(), &now);
  const std::string bytes = e->SerializeToString();
  for (auto _ : state) benchmark::DoNotOptimize(Engine::Deserialize(bytes));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}
BENCHMARK(BM_DeserializePreparedBook);

}  // namespace
}  // namespace dreichor::bench
