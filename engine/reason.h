// Reason codes: why a command was rejected, or why an order left the book.
//
// The numeric values are part of the API and of durable data: frozen. The snake_case names are
// the machine-readable codes clients see (stable); the messages are for humans and may be
// reworded.
#pragma once

#include <cstdint>
#include <string_view>

namespace dreichor::engine {

#define DREICHOR_REASONS(X)                                                                    \
  X(kNone, 0, "none", "no reason")                                                             \
  X(kUnknownMarket, 1, "unknown_market", "no market has this id")                              \
  X(kMarketExists, 2, "market_exists", "a market with this id or symbol already exists")       \
  X(kMarketHalted, 3, "market_halted", "the market is halted: only cancels are accepted")      \
  X(kInvalidMarketParams, 4, "invalid_market_params",                                          \
    "market parameters are out of range (sizes, quantities, fees, symbol or assets)")          \
  X(kInvalidAsset, 5, "invalid_asset", "the asset code is empty, too long or not [A-Z0-9]")    \
  X(kUnknownAccount, 6, "unknown_account", "no account has this id")                           \
  X(kFeeAccountCannotTrade, 7, "fee_account_cannot_trade", "the fee account cannot trade")     \
  X(kInvalidAmount, 8, "invalid_amount", "the amount must be positive")                        \
  X(kInsufficientBalance, 9, "insufficient_balance", "the available balance is too small")     \
  X(kInvalidQuantity, 10, "invalid_quantity", "the quantity must be positive")                 \
  X(kQuantityBelowMinimum, 11, "quantity_below_minimum",                                       \
    "the quantity is below the market's minimum")                                              \
  X(kQuantityAboveMaximum, 12, "quantity_above_maximum",                                       \
    "the quantity is above the market's maximum")                                              \
  X(kInvalidPrice, 13, "invalid_price", "the price must be positive")                          \
  X(kMarketOrderUnbounded, 14, "market_order_unbounded",                                       \
    "a market order needs a protection price, or a quote budget when buying")                  \
  X(kInvalidOrderKind, 15, "invalid_order_kind", "unknown order kind or side")                 \
  X(kUnknownOrder, 16, "unknown_order", "no open order matches this reference")                \
  X(kNotOrderOwner, 17, "not_order_owner", "the order belongs to another account")             \
  X(kDuplicateClientOrderId, 18, "duplicate_client_order_id",                                  \
    "an open order of this account already has this client order id")                          \
  X(kRiskMaxOrderQuantity, 19, "risk_max_order_quantity",                                      \
    "the quantity exceeds the account's maximum order quantity")                               \
  X(kRiskMaxOrderNotional, 20, "risk_max_order_notional",                                      \
    "the notional exceeds the account's maximum order notional")                               \
  X(kRiskMaxOpenOrders, 21, "risk_max_open_orders",                                            \
    "the account already has its maximum number of open orders")                               \
  X(kRiskPriceBand, 22, "risk_price_band",                                                     \
    "the price is outside the band around the last trade price")                               \
  X(kRiskRateLimit, 23, "risk_rate_limit", "the account's order rate limit is exhausted")      \
  X(kPostOnlyWouldTrade, 24, "post_only_would_trade",                                          \
    "a post-only order would have traded on entry")                                            \
  X(kFillOrKillUnfillable, 25, "fill_or_kill_unfillable",                                      \
    "a fill-or-kill order could not be filled completely at once")                             \
  X(kArithmeticOverflow, 26, "arithmetic_overflow",                                            \
    "the amounts involved exceed the representable range")                                     \
  X(kAmendNoChange, 27, "amend_no_change", "the amend changes neither price nor quantity")     \
  X(kInvalidRiskLimits, 28, "invalid_risk_limits", "risk limit values are out of range")       \
  X(kUserCancelled, 29, "user_cancelled", "cancelled by its owner")                            \
  X(kSelfTradePrevented, 30, "self_trade_prevented",                                           \
    "cancelled to prevent a trade with the same account")                                      \
  X(kUnfilledRemainder, 31, "unfilled_remainder",                                              \
    "the part that did not trade at once expired (immediate-or-cancel or market order)")       \
  X(kInvalidStatusChange, 32, "invalid_status_change", "the market already has this status")   \
  X(kQuoteBudgetExhausted, 33, "quote_budget_exhausted",                                       \
    "the market buy's quote budget could not pay for another lot")                             \
  X(kInvalidRetention, 34, "invalid_retention",                                                \
    "retention needs 1 <= from_sequence <= through_sequence and a positive until_ns")          \
  X(kRetentionRulesFull, 35, "retention_rules_full",                                           \
    "1024 retention rules are kept: give one that covers more records for longer")             \
  X(kInvalidLegalHold, 36, "invalid_legal_hold", "a legal hold needs a positive hold_id")      \
  X(kUnknownLegalHold, 37, "unknown_legal_hold", "no legal hold with this id is placed")       \
  X(kLegalHoldsFull, 38, "legal_holds_full", "1024 legal holds are placed: release one first") \
  X(kInvalidApiKey, 39, "invalid_api_key",                                                     \
    "an API key needs a positive key_id, a trading account, a 32-byte Ed25519 public key and " \
    "read and/or trade permission")                                                            \
  X(kApiKeyExists, 40, "api_key_exists",                                                       \
    "an API key with this key_id or this public key was registered before")                    \
  X(kUnknownApiKey, 41, "unknown_api_key", "no API key has this key_id")                       \
  X(kApiKeyRevoked, 42, "api_key_revoked", "the API key is already revoked")                   \
  X(kApiKeysFull, 43, "api_keys_full",                                                         \
    "the account has 64 API keys, or 100000 are registered in all")

enum class Reason : uint16_t {
#define DREICHOR_REASON_ENUM(name, value, code, message) name = value,
  DREICHOR_REASONS(DREICHOR_REASON_ENUM)
#undef DREICHOR_REASON_ENUM
};

// Stable machine-readable code, e.g. "insufficient_balance".
std::string_view ReasonCode(Reason r);
// One-sentence explanation for humans.
std::string_view ReasonMessage(Reason r);
// Whether a numeric value names a defined reason (decoders use it).
bool IsValidReason(uint16_t value);

}  // namespace dreichor::engine
