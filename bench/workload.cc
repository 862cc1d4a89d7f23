#include "bench/workload.h"

#include <algorithm>
#include <random>

#include "engine/engine.h"
#include "util/flat_hash_map.h"

namespace dreichor::bench {

using namespace dreichor::engine;

const char* WorkloadKindName(WorkloadKind k) {
  switch (k) {
    case WorkloadKind::kSetup:
      return "setup";
    case WorkloadKind::kNewLimit:
      return "new_gtc";
    case WorkloadKind::kImmediateOrCancel:
      return "ioc";
    case WorkloadKind::kCancel:
      return "cancel";
    case WorkloadKind::kAmend:
      return "amend";
  }
  return "?";
}

namespace {

constexpr MarketId kMarket = 1;
constexpr Price kStartPrice = 1'000'000;
constexpr TimestampNs kStart = 1'700'000'000'000'000'000;
constexpr TimestampNs kSpacing = 100;  // 10 million commands per second of command time

// Tracks the open orders of the scratch engine from its events so the generator can pick one
// uniformly at random in O(1).
class OpenOrders {
 public:
  void Observe(const std::vector<Event>& events) {
    for (const Event& ev : events) {
      switch (ev.type) {
        case EventType::kOrderRested:
          Add(ev.order_id);
          break;
        case EventType::kOrderFilled:
        case EventType::kOrderCancelled:
        case EventType::kOrderExpired:
          Remove(ev.order_id);
          break;
        default:
          break;
      }
    }
  }
  size_t size() const { return ids_.size(); }
  OrderId Pick(std::mt19937_64& rng) const { return ids_[rng() % ids_.size()]; }

 private:
  void Add(OrderId id) {
    if (pos_.Find(id) != nullptr) return;  // an amend re-rests an order that is already open
    pos_.Insert(id, static_cast<uint32_t>(ids_.size()));
    ids_.push_back(id);
  }
  void Remove(OrderId id) {
    const uint32_t* p = pos_.Find(id);
    if (p == nullptr) return;
    const uint32_t at = *p;
    ids_[at] = ids_.back();
    pos_.Insert(ids_[at], at);
    ids_.pop_back();
    pos_.Erase(id);
  }
  std::vector<OrderId> ids_;
  FlatHashMap<uint64_t, uint32_t> pos_;
};

class Generator {
 public:
  explicit Generator(const WorkloadParams& p) : p_(p), rng_(p.seed) {}

  Workload Run() {
    Setup();
    out_.resting_after_setup = open_.size();
    out_.levels_after_setup = Levels();
    out_.commands.reserve(p_.commands);
    out_.kinds.reserve(p_.commands);
    for (size_t i = 0; i < p_.commands; ++i) Step();
    out_.resting_at_end = open_.size();
    return std::move(out_);
  }

 private:
  void Emit(Command c, WorkloadKind kind) {
    now_ += kSpacing;
    (void)e_.Apply(c, now_);
    open_.Observe(e_.events());
    for (const Event& ev : e_.events()) out_.trades += ev.type == EventType::kTrade;
    out_.stamps.push_back(now_);
    if (kind == WorkloadKind::kSetup) {
      out_.setup.push_back(std::move(c));
    } else {
      out_.commands.push_back(std::move(c));
      out_.kinds.push_back(kind);
    }
  }

  AccountId RandomAccount() { return 1 + rng_() % p_.accounts; }
  Price Reference() const {
    Price last = e_.GetMarket(kMarket)->last_trade_price;
    return last != 0 ? last : kStartPrice;
  }
  size_t Levels() const {
    auto d = e_.GetDepth(kMarket, SIZE_MAX);
    return d->bids.size() + d->asks.size();
  }

  void Setup() {
    Emit(CreateMarket{kMarket, "BTC-USD", "BTC", "USD", 1, 1, 1, 1'000'000, 10, 20},
         WorkloadKind::kSetup);
    for (AccountId a = 1; a <= p_.accounts; ++a) {
      Emit(Deposit{a, "USD", 4'000'000'000'000'000}, WorkloadKind::kSetup);
      Emit(Deposit{a, "BTC", 4'000'000'000'000}, WorkloadKind::kSetup);
      SetRiskLimits l;
      l.account = a;
      l.max_order_quantity = 100'000;
      l.max_order_notional = 1'000'000'000'000;
      l.max_open_orders = 10'000;
      l.price_band_bps = 5000;
      l.rate_capacity = 100'000;
      l.rate_per_second = 1'000'000;
      Emit(l, WorkloadKind::kSetup);
    }
    // Seed the first trade so the price band has a reference.
    Emit(Passive(Side::kSell, 0), WorkloadKind::kSetup);
    Emit(Passive(Side::kBuy, 0), WorkloadKind::kSetup);
    PlaceOrder cross = Passive(Side::kBuy, 0);
    cross.price = kStartPrice + 1;
    Emit(cross, WorkloadKind::kSetup);
    while (open_.size() < p_.target_resting) {
      Emit(Passive(rng_() % 2 == 0 ? Side::kBuy : Side::kSell, 1 + rng_() % p_.half_range_ticks),
           WorkloadKind::kSetup);
    }
  }

  // A limit order `distance` ticks behind the reference on its own side (0: at the reference).
  PlaceOrder Passive(Side side, int64_t distance) {
    PlaceOrder p;
    p.account = RandomAccount();
    p.market = kMarket;
    p.side = side;
    p.kind = OrderKind::kLimit;
    p.price = side == Side::kBuy ? Reference() - distance : Reference() + distance;
    p.quantity = 1 + static_cast<Quantity>(rng_() % 100);
    return p;
  }

  void Step() {
    const uint32_t roll = rng_() % 100;
    if (roll < 9) {
      NewLimit();
    } else if (roll < 12) {
      ImmediateOrCancel();
    } else if (roll < 18 && open_.size() > 0) {
      Emit(CancelOrder{OwnerOf(open_.Pick(rng_)), OrderRef{picked_, 0}}, WorkloadKind::kCancel);
    } else if (open_.size() > 0) {
      Amend();
    } else {
      NewLimit();
    }
  }

  AccountId OwnerOf(OrderId id) {
    picked_ = id;
    return e_.GetOrder(id)->account;
  }

  // Below the target depth new orders rest passively; above it they are placed through the
  // touch and consume resting liquidity, which keeps the book near its target size.
  void NewLimit() {
    const Side side = rng_() % 2 == 0 ? Side::kBuy : Side::kSell;
    PlaceOrder p = Passive(side, 1 + static_cast<int64_t>(rng_() % p_.half_range_ticks));
    if (open_.size() > p_.target_resting) {
      p.price = side == Side::kBuy ? Reference() + 3 : Reference() - 3;
    }
    Emit(p, WorkloadKind::kNewLimit);
  }

  void ImmediateOrCancel() {
    const Side side = rng_() % 2 == 0 ? Side::kBuy : Side::kSell;
    PlaceOrder p = Passive(side, 0);
    p.kind = OrderKind::kImmediateOrCancel;
    p.price = side == Side::kBuy ? Reference() + 2 : Reference() - 2;
    Emit(p, WorkloadKind::kImmediateOrCancel);
  }

  // Steps an order 1..3 ticks toward the last trade. An order already at or past the
  // reference steps back out instead, so every amend changes the price.
  void Amend() {
    const OrderInfo o = *e_.GetOrder(open_.Pick(rng_));
    const Price ref = Reference();
    const Price step = 1 + static_cast<Price>(rng_() % 3);
    const Price toward = o.side == Side::kBuy ? +1 : -1;
    Price price = o.price + toward * step;
    const bool at_or_past = o.side == Side::kBuy ? o.price >= ref : o.price <= ref;
    if (at_or_past) price = o.price - toward * step;
    if (price <= 0) price = 1;
    Emit(AmendOrder{o.account, OrderRef{o.id, 0}, price, o.open}, WorkloadKind::kAmend);
  }

  WorkloadParams p_;
  std::mt19937_64 rng_;
  Engine e_;
  OpenOrders open_;
  Workload out_;
  TimestampNs now_ = kStart;
  OrderId picked_ = 0;
};

}  // namespace

Workload GenerateWorkload(const WorkloadParams& params) { return Generator(params).Run(); }

}  // namespace dreichor::bench
