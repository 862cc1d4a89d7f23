#include "engine/names.h"

#include <array>
#include <utility>

namespace dreichor::engine {

namespace {

template <typename E, size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

constexpr NameTable<Side, 2> kSides{{{Side::kBuy, "buy"}, {Side::kSell, "sell"}}};
constexpr NameTable<OrderKind, 5> kKinds{{{OrderKind::kLimit, "limit"},
                                          {OrderKind::kMarket, "market"},
                                          {OrderKind::kImmediateOrCancel, "ioc"},
                                          {OrderKind::kFillOrKill, "fok"},
                                          {OrderKind::kPostOnly, "post_only"}}};
constexpr NameTable<StpMode, 3> kStpModes{{{StpMode::kCancelResting, "cancel_resting"},
                                           {StpMode::kCancelIncoming, "cancel_incoming"},
                                           {StpMode::kCancelBoth, "cancel_both"}}};
constexpr NameTable<MarketStatus, 2> kStatuses{
    {{MarketStatus::kOpen, "open"}, {MarketStatus::kHalted, "halted"}}};
constexpr NameTable<EventType, 8> kEventTypes{{{EventType::kOrderAccepted, "order_accepted"},
                                               {EventType::kOrderRested, "order_rested"},
                                               {EventType::kTrade, "trade"},
                                               {EventType::kOrderCancelled, "order_cancelled"},
                                               {EventType::kOrderExpired, "order_expired"},
                                               {EventType::kOrderAmended, "order_amended"},
                                               {EventType::kBookChanged, "book_changed"},
                                               {EventType::kOrderFilled, "order_filled"}}};

template <typename E, size_t N>
std::string_view NameOf(const NameTable<E, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> ValueOf(const NameTable<E, N>& table, std::string_view name) {
  for (const auto& [v, n] : table) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace

std::string_view SideName(Side s) { return NameOf(kSides, s); }
std::string_view OrderKindName(OrderKind k) { return NameOf(kKinds, k); }
std::string_view StpModeName(StpMode m) { return NameOf(kStpModes, m); }
std::string_view MarketStatusName(MarketStatus s) { return NameOf(kStatuses, s); }
std::string_view EventTypeName(EventType t) { return NameOf(kEventTypes, t); }

std::optional<Side> ParseSide(std::string_view name) { return ValueOf(kSides, name); }
std::optional<OrderKind> ParseOrderKind(std::string_view name) { return ValueOf(kKinds, name); }
std::optional<StpMode> ParseStpMode(std::string_view name) { return ValueOf(kStpModes, name); }
std::optional<MarketStatus> ParseMarketStatus(std::string_view name) {
  return ValueOf(kStatuses, name);
}

}  // namespace dreichor::engine
