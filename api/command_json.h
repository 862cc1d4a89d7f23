// JSON ⇄ engine commands and their results, for the HTTP API (docs/api.md is the reference).
//
// Parsing checks shape only: types, ranges that the binary encoding can hold, known fields,
// enum names. Whether a command makes sense (a market exists, funds suffice) is the engine's
// judgement, returned as a durable outcome, never as a parse error.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "api/api_error.h"
#include "engine/command.h"
#include "runtime/sequencer.h"

namespace dreichor::api {

enum class CommandRoute {
  kPlaceOrder,
  kCancelOrder,
  kCancelAll,
  kAmendOrder,
  kCreateMarket,
  kSetMarketStatus,
  kDeposit,
  kWithdraw,
  kSetRiskLimits,
};

// Parses a request body into the command for `route`; nullopt error means *out is set.
std::optional<ApiError> ParseCommand(CommandRoute route, std::string_view body,
                                     engine::Command* out);

// A command as JSON with the field names its route accepts, plus "command": its type name.
// ParseCommand(route, CommandJson(c) without "command") gives back c.
nlohmann::ordered_json CommandJson(const engine::Command& command);

// The response body for a durable command:
// {"sequence":..,"timestamp":"..","timestamp_ns":..,"event_id":"..","accepted":..,
//  "reason":{"code":..,"message":..}|null,"order_id":..,"events":[...]}
std::string CommandResultBody(const runtime::CommandResult& result);

}  // namespace dreichor::api
