// The engine's vocabulary: identifiers, units and the small enums that appear in commands,
// events and state.
//
// Units (see docs/engine.md): every asset amount is an integer count of that asset's smallest
// unit. A market quotes prices in ticks and quantities in lots:
//   base amount of q lots          = q * lot_size
//   quote amount of q lots at p    = p * tick_size * q
// The numeric values of every enum here are written to disk (commands, snapshots): they are
// frozen. Add new values; never renumber.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dreichor::engine {

using AccountId = uint64_t;
using MarketId = uint32_t;
using OrderId = uint64_t;
using ClientOrderId = uint64_t;  // 0 means "none"
using TradeId = uint64_t;
using Price = int64_t;        // ticks
using Quantity = int64_t;     // lots
using Amount = int64_t;       // smallest unit of an asset
using TimestampNs = int64_t;  // nanoseconds since the Unix epoch, assigned by the sequencer
using AssetIndex = uint32_t;

// Fees are credited to this account. It cannot place orders; it can withdraw.
inline constexpr AccountId kFeeAccountId = 0;

inline constexpr uint32_t kBasisPointsPerUnit = 10000;
inline constexpr uint32_t kMaxFeeBps = 1000;  // 10 %
inline constexpr size_t kMaxAssetCodeLength = 12;
inline constexpr size_t kMaxSymbolLength = 24;

enum class Side : uint8_t { kBuy = 1, kSell = 2 };

enum class OrderKind : uint8_t {
  kLimit = 1,   // good till cancelled: matches, then rests
  kMarket = 2,  // matches against a bound (protection price or quote budget), never rests
  kImmediateOrCancel = 3,  // limit price; matches what it can, the rest expires
  kFillOrKill = 4,         // limit price; fills completely at once or is rejected untouched
  kPostOnly = 5,           // limit price; rests without trading or is rejected
};

// What happens when an incoming order meets a resting order of the same account. The incoming
// order's account setting decides.
enum class StpMode : uint8_t {
  kCancelResting = 0,   // cancel the resting order, keep matching (the default)
  kCancelIncoming = 1,  // stop matching; the incoming remainder is cancelled
  kCancelBoth = 2,      // cancel the resting order and the incoming remainder
};

enum class MarketStatus : uint8_t { kOpen = 1, kHalted = 2 };

inline Side Opposite(Side s) { return s == Side::kBuy ? Side::kSell : Side::kBuy; }

inline bool IsValid(Side s) { return s == Side::kBuy || s == Side::kSell; }
inline bool IsValid(OrderKind k) {
  return static_cast<uint8_t>(k) >= 1 && static_cast<uint8_t>(k) <= 5;
}
inline bool IsValid(StpMode m) { return static_cast<uint8_t>(m) <= 2; }
inline bool IsValid(MarketStatus s) {
  return s == MarketStatus::kOpen || s == MarketStatus::kHalted;
}

}  // namespace dreichor::engine
