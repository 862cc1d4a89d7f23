// Stable lower-case names of the engine's enums, as the API, logs and tools spell them, and the
// reverse lookups the API uses to parse requests. Names are part of the public API: frozen.
#pragma once

#include <optional>
#include <string_view>

#include "engine/event.h"
#include "engine/types.h"

namespace dreichor::engine {

// "buy", "sell"
std::string_view SideName(Side s);
// "limit", "market", "ioc", "fok", "post_only"
std::string_view OrderKindName(OrderKind k);
// "cancel_resting", "cancel_incoming", "cancel_both"
std::string_view StpModeName(StpMode m);
// "open", "halted"
std::string_view MarketStatusName(MarketStatus s);
// "order_accepted", "order_rested", "trade", "order_cancelled", "order_expired",
// "order_amended", "book_changed", "order_filled"
std::string_view EventTypeName(EventType t);

std::optional<Side> ParseSide(std::string_view name);
std::optional<OrderKind> ParseOrderKind(std::string_view name);
std::optional<StpMode> ParseStpMode(std::string_view name);
std::optional<MarketStatus> ParseMarketStatus(std::string_view name);

}  // namespace dreichor::engine
