// Engine: Dreichor's deterministic trading state machine.
//
// Commands go in (Apply), an Outcome and a list of Events come out. The whole state is a pure
// function of the sequence of (command, timestamp) pairs applied since construction: the engine
// reads no clock, no randomness and no environment, does no I/O, and never lets the iteration
// order of a hash table affect a result. Prices and quantities are integers and all arithmetic
// on client numbers is checked. Business rejections are outcomes, not errors; the engine throws
// nothing.
//
//   Engine e;
//   Outcome o = e.Apply(Deposit{7, "USD", 1'000'000}, timestamp_ns);
//   for (const Event& ev : e.events()) ...   // valid until the next Apply
//
// The rules it enforces are specified in docs/engine.md.
// Thread safety: none. One thread applies commands; queries must not run concurrently with Apply.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/api_keys.h"
#include "engine/command.h"
#include "engine/event.h"
#include "engine/evidence_policy.h"
#include "engine/ledger.h"
#include "engine/market.h"
#include "engine/order_book.h"
#include "util/byte_io.h"
#include "util/flat_hash_map.h"
#include "util/sha256.h"
#include "util/status.h"

namespace dreichor::engine {

struct DepthLevel {
  Price price = 0;
  Quantity quantity = 0;
  uint32_t order_count = 0;
  bool operator==(const DepthLevel&) const = default;
};

struct Depth {
  MarketId market = 0;
  uint64_t market_seq = 0;
  std::vector<DepthLevel> bids;  // best first
  std::vector<DepthLevel> asks;  // best first
};

struct MarketInfo {
  MarketId id = 0;
  std::string symbol;
  std::string base_asset;
  std::string quote_asset;
  Amount tick_size = 0;
  Amount lot_size = 0;
  Quantity min_quantity = 0;
  Quantity max_quantity = 0;
  uint32_t maker_fee_bps = 0;
  uint32_t taker_fee_bps = 0;
  MarketStatus status = MarketStatus::kOpen;
  Price last_trade_price = 0;
  Quantity last_trade_quantity = 0;
  uint64_t market_seq = 0;
  std::optional<DepthLevel> best_bid;
  std::optional<DepthLevel> best_ask;
};

struct BalanceInfo {
  std::string asset;
  Amount available = 0;
  Amount held = 0;
};

struct OrderInfo {
  OrderId id = 0;
  ClientOrderId client_order_id = 0;
  AccountId account = 0;
  MarketId market = 0;
  Side side = Side::kBuy;
  OrderKind kind = OrderKind::kLimit;
  Price price = 0;
  Quantity open = 0;
  Quantity filled = 0;
};

class Engine {
 public:
  Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Applies one command stamped with the sequencer's timestamp. Events of this command are in
  // events() until the next call.
  Outcome Apply(const Command& command, TimestampNs timestamp);
  const std::vector<Event>& events() const { return events_; }

  // ---- Queries (read-only) ----
  std::optional<MarketInfo> GetMarket(MarketId market) const;
  std::vector<MarketInfo> ListMarkets() const;  // by id
  // Top `levels` price levels per side; nullopt for an unknown market.
  std::optional<Depth> GetDepth(MarketId market, size_t levels) const;
  // Up to `limit` (at most kRecentTrades) of the market's latest trades, newest first;
  // nullopt for an unknown market.
  std::optional<std::vector<TradeRecord>> GetRecentTrades(MarketId market, size_t limit) const;
  // Every asset the ledger knows, in asset order; nullopt for an unknown account.
  std::optional<std::vector<BalanceInfo>> GetBalances(AccountId account) const;
  std::optional<OrderInfo> GetOrder(OrderId order) const;
  // Open orders by id; market 0 means all markets.
  std::vector<OrderInfo> GetOpenOrders(AccountId account, MarketId market = 0) const;
  size_t open_order_count() const { return order_index_.size(); }
  // Total deposited minus withdrawn, per asset code; 0 for an unknown asset.
  Amount Supply(std::string_view asset) const;
  // The audit evidence's retention rules and legal holds.
  const EvidencePolicy& evidence() const { return evidence_; }
  // The API keys clients sign with (registered and revoked).
  const ApiKeys& api_keys() const { return api_keys_; }

  // ---- State ----
  // Writes the canonical serialisation (docs/engine-state-format.md): equal states give equal
  // bytes, whatever history produced them.
  void Serialize(ByteSink* sink) const;
  std::string SerializeToString() const;
  // SHA-256 of the canonical serialisation.
  Sha256::Digest StateHash() const;
  // Rebuilds an engine; every field is range-checked and cross-checked, so damaged input gives
  // an error naming what was wrong, never a crash or an inconsistent engine.
  static Result<std::unique_ptr<Engine>> Deserialize(std::string_view bytes);

  // Recomputes every structural and accounting invariant from scratch (O(state)); for tests
  // and the operator's verification tools.
  Status CheckInvariants() const;

 private:
  friend class StateDecoder;

  struct ClientKey {
    AccountId account = 0;
    ClientOrderId client_order_id = 0;
    bool operator==(const ClientKey&) const = default;
  };
  struct ClientKeyHash {
    uint64_t operator()(const ClientKey& k) const {
      return Mix64(k.account * 0x9e3779b97f4a7c15ULL ^ k.client_order_id);
    }
  };
  // How an order in flight pays for what it buys.
  struct TakerState {
    bool budget_mode = false;  // a market buy: spends from `budget`, no price-derived hold
    Amount budget = 0;         // remaining quote held for a market buy
    bool has_limit = true;     // false: a market order with no protection price
    bool stopped_by_stp = false;
    bool budget_exhausted = false;
  };

  static Outcome Reject(Reason r, OrderId order = 0) { return Outcome{false, r, order}; }
  static Outcome Accept(OrderId order = 0) { return Outcome{true, Reason::kNone, order}; }

  // Admin commands (engine_admin.cc).
  Outcome HandleCreateMarket(const CreateMarket& c);
  Outcome HandleSetMarketStatus(const SetMarketStatus& c);
  Outcome HandleDeposit(const Deposit& c);
  Outcome HandleWithdraw(const Withdraw& c);
  Outcome HandleSetRiskLimits(const SetRiskLimits& c);
  Outcome HandleSetRetention(const SetRetention& c);
  Outcome HandleLegalHold(const LegalHold& c);
  Outcome HandleRegisterApiKey(const RegisterApiKey& c);
  Outcome HandleRevokeApiKey(const RevokeApiKey& c);

  // Order entry (engine_orders.cc).
  Outcome HandlePlaceOrder(const PlaceOrder& c);
  Outcome HandleCancelOrder(const CancelOrder& c);
  Outcome HandleCancelAll(const CancelAll& c);
  Outcome HandleAmendOrder(const AmendOrder& c);
  // Amend paths: same price and less quantity keeps priority; anything else re-enters.
  void ReduceInPlace(Market& m, uint32_t slot, Quantity new_quantity);
  Reason Reprice(Market& m, uint32_t slot, Price new_price, Quantity new_quantity);
  Reason ValidateQuantity(const Market& m, Quantity q) const;
  // The checks of a place, in the order docs/engine.md gives them.
  Reason CheckPlaceShape(const PlaceOrder& c, const Market& m) const;
  Reason CheckPlaceRisk(const PlaceOrder& c, const Market& m, Account& account);
  Reason ComputeEntryHold(const PlaceOrder& c, const Market& m, Amount available, Amount* hold,
                          TakerState* t) const;
  // Creates the accepted order (ids, indexes, kOrderAccepted); returns its pool slot.
  uint32_t OpenOrder(const PlaceOrder& c, uint32_t market_slot, uint32_t account_slot);
  // Finds an open order of `account` by reference; sets *reason when there is none.
  uint32_t FindOwnOrder(AccountId account, const OrderRef& ref, Reason* reason) const;
  // The amount an open order of this side, price and open quantity holds (quote for buys,
  // base for sells); false on overflow.
  bool HoldFor(const Market& m, Side side, Price price, Quantity open, Amount* hold) const;
  Quantity FillOrKillLiquidity(const Market& m, const Order& taker, Quantity needed) const;
  // After matching: rests the order, or closes it (filled, expired or cancelled by self-trade
  // prevention) and returns what it still holds. `linked`: already in its account's list.
  void FinishTaker(Market& m, uint32_t slot, const TakerState& t, bool linked);

  // Matching (engine_matching.cc).
  void Match(Market& m, uint32_t taker_slot, TakerState& t);
  void Fill(Market& m, Order& taker, Order& maker, Price price, Quantity q, TakerState& t);
  Quantity AffordableLots(const Market& m, Price price, Amount budget, Quantity cap) const;
  // Cancels a resting order: unlinks it (its level must be handled by the caller when
  // `level` is given, else found and erased here), releases its hold, emits kOrderCancelled.
  void CancelResting(Market& m, uint32_t slot, Reason reason, Level* level);
  void Rest(Market& m, uint32_t slot);
  void ReleaseOrder(uint32_t slot);  // forgets a closed order (indexes, account list, pool)
  void ReleaseHold(const Market& m, const Order& o);
  void EmitBookChanged(Market& m, Side side, Price price, Quantity total, uint32_t count);
  Event& EmitOrderEvent(EventType type, const Order& o, Quantity quantity, Reason reason);

  // Invariant checks (engine_invariants.cc).
  static Status Broken(const std::string& what);
  Status CheckLevel(const Market& m, const BookSide& side, const Level& level, const Level* better,
                    std::vector<std::vector<Amount>>& held,
                    std::vector<uint32_t>& open_per_account) const;

  std::vector<Market> markets_;
  FlatHashMap<uint64_t, uint32_t> market_index_;  // market id -> markets_ slot
  Ledger ledger_;
  OrderPool pool_;
  FlatHashMap<uint64_t, uint32_t> order_index_;  // order id -> pool slot
  FlatHashMap<ClientKey, uint32_t, ClientKeyHash> client_index_;
  OrderId next_order_id_ = 1;
  TradeId next_trade_id_ = 1;
  EvidencePolicy evidence_;
  ApiKeys api_keys_;
  uint64_t next_priority_ = 1;  // not part of the canonical state (see Deserialize)
  TimestampNs now_ = 0;         // timestamp of the command being applied
  std::vector<Event> events_;
};

}  // namespace dreichor::engine
