// Commands: the only way to change the engine's state.
//
// A command is what an operator or a trader asked for, already shape-checked by the API layer
// but not yet judged by business rules. The engine judges it (accepted or rejected with a
// Reason) deterministically from the command, its timestamp and the current state.
// The binary encoding of each command is specified in docs/command-encoding.md; the numeric
// CommandType values are written to the audit log and are frozen.
#pragma once

#include <array>
#include <cstdint>
#include <iterator>
#include <string>
#include <variant>

#include "engine/types.h"

namespace dreichor::engine {

enum class CommandType : uint16_t {
  kCreateMarket = 1,
  kSetMarketStatus = 2,
  kDeposit = 3,
  kWithdraw = 4,
  kSetRiskLimits = 5,
  kSetRetention = 6,
  kLegalHold = 7,
  kRegisterApiKey = 8,
  kRevokeApiKey = 9,
  kPlaceOrder = 16,
  kCancelOrder = 17,
  kCancelAll = 18,
  kAmendOrder = 19,
};

// Admin: opens a market. Market ids are chosen by the operator and must be non-zero.
struct CreateMarket {
  MarketId market = 0;
  std::string symbol;          // 1..24 of [A-Z0-9_-/]
  std::string base_asset;      // 1..12 of [A-Z0-9]
  std::string quote_asset;     // 1..12 of [A-Z0-9], different from base
  Amount tick_size = 0;        // quote units per tick per lot, > 0
  Amount lot_size = 0;         // base units per lot, > 0
  Quantity min_quantity = 0;   // lots, >= 1
  Quantity max_quantity = 0;   // lots, >= min_quantity
  uint32_t maker_fee_bps = 0;  // <= kMaxFeeBps
  uint32_t taker_fee_bps = 0;  // <= kMaxFeeBps
};

// Admin: halts (cancels only) or resumes a market.
struct SetMarketStatus {
  MarketId market = 0;
  MarketStatus status = MarketStatus::kOpen;
};

// Admin: credits an account's available balance; creates the account on first use.
struct Deposit {
  AccountId account = 0;
  std::string asset;
  Amount amount = 0;  // > 0
};

// Admin: debits an account's available balance; never below zero.
struct Withdraw {
  AccountId account = 0;
  std::string asset;
  Amount amount = 0;  // > 0
};

// Admin: replaces an account's pre-trade risk limits; creates the account on first use.
// A limit of 0 means "no limit". The rate limit is a token bucket of `rate_capacity` tokens
// refilled at `rate_per_second`, measured on command timestamps; each place or amend costs one.
struct SetRiskLimits {
  AccountId account = 0;
  Quantity max_order_quantity = 0;
  Amount max_order_notional = 0;  // quote units
  uint32_t max_open_orders = 0;
  uint32_t price_band_bps = 0;
  uint32_t rate_capacity = 0;
  uint32_t rate_per_second = 0;
  StpMode stp_mode = StpMode::kCancelResting;
};

// Admin: the audit records from_sequence..through_sequence are evidence to keep until
// `until_ns` (nanoseconds since the Unix epoch). Retention only ever lengthens: a record is kept
// until the latest date of every rule that covers it (docs/audit-proofs.md, "Retention and legal
// hold").
struct SetRetention {
  uint64_t from_sequence = 0;     // >= 1
  uint64_t through_sequence = 0;  // >= from_sequence; may be beyond the log's end
  int64_t until_ns = 0;           // > 0
};

// Admin: places (or releases) the legal hold `hold_id`. While any hold is placed, no evidence
// may be deleted, whatever its retention.
struct LegalHold {
  uint64_t hold_id = 0;  // > 0
  bool placed = true;
};

// Admin: registers an API key (engine/api_keys.h): the client's Ed25519 public key, bound to
// `account`, with permission bits (kPermissionRead, kPermissionTrade).
struct RegisterApiKey {
  uint64_t key_id = 0;  // > 0, chosen by the operator; never reused
  AccountId account = 0;
  std::array<uint8_t, 32> public_key{};
  uint8_t permissions = 0;
};

// Admin: revokes an API key for good.
struct RevokeApiKey {
  uint64_t key_id = 0;
};

struct PlaceOrder {
  AccountId account = 0;
  MarketId market = 0;
  ClientOrderId client_order_id = 0;  // 0: none
  Side side = Side::kBuy;
  OrderKind kind = OrderKind::kLimit;
  // Limit kinds: the limit price. Market orders: the protection price (worst acceptable), or 0.
  Price price = 0;
  Quantity quantity = 0;
  // Market buys only: the most quote (including fees) the order may spend, or 0.
  Amount quote_budget = 0;
};

// Names an open order by engine order id, or (when order_id is 0) by client order id.
struct OrderRef {
  OrderId order_id = 0;
  ClientOrderId client_order_id = 0;
};

struct CancelOrder {
  AccountId account = 0;
  OrderRef order;
};

// Cancels every open order of the account, or only those in `market` when it is non-zero.
struct CancelAll {
  AccountId account = 0;
  MarketId market = 0;
};

// Changes an open order's price and/or open quantity. Reducing the quantity at the same price
// keeps time priority; anything else loses it (and may trade at the new price).
struct AmendOrder {
  AccountId account = 0;
  OrderRef order;
  Price new_price = 0;
  Quantity new_quantity = 0;  // the new open (unfilled) quantity, > 0
};

using Command = std::variant<CreateMarket, SetMarketStatus, Deposit, Withdraw, SetRiskLimits,
                             PlaceOrder, CancelOrder, CancelAll, AmendOrder, SetRetention,
                             LegalHold, RegisterApiKey, RevokeApiKey>;

CommandType TypeOf(const Command& c);
// Short snake_case name of a command type, e.g. "place_order" (for logs and metrics).
const char* CommandTypeName(CommandType t);

// Every command type, in the order of the Command variant's alternatives.
inline constexpr CommandType kCommandTypes[] = {
    CommandType::kCreateMarket, CommandType::kSetMarketStatus, CommandType::kDeposit,
    CommandType::kWithdraw,     CommandType::kSetRiskLimits,   CommandType::kPlaceOrder,
    CommandType::kCancelOrder,  CommandType::kCancelAll,       CommandType::kAmendOrder,
    CommandType::kSetRetention, CommandType::kLegalHold,       CommandType::kRegisterApiKey,
    CommandType::kRevokeApiKey,
};
inline constexpr size_t kCommandTypeCount = std::size(kCommandTypes);
static_assert(kCommandTypeCount == std::variant_size_v<Command>, "a command type is missing");

// A dense index 0..kCommandTypeCount-1 for tables indexed by command type (the codes have
// gaps and are frozen, so they cannot index an array themselves).
constexpr size_t CommandTypeIndex(CommandType t) {
  for (size_t i = 0; i < kCommandTypeCount; ++i) {
    if (kCommandTypes[i] == t) return i;
  }
  return kCommandTypeCount;  // not a command type: callers check
}

}  // namespace dreichor::engine
