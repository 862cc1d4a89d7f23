// JSON forms of the engine's commands and events: the HTTP API's request bodies and answers,
// the CLI's CloudEvents export and anything else that shows a command to the outside. Depends on
// the engine and on the strict JSON reader only (no server, no sequencer).
//
// Parsing checks shape only: types, ranges that the binary encoding can hold, known fields,
// enum names. Whether a command makes sense (a market exists, funds suffice) is the engine's
// judgement, returned as a durable outcome, never as a parse error. docs/api.md is the reference
// for every field.
//
//   engine::Command c;
//   if (auto e = command_json::Parse(engine::CommandType::kPlaceOrder, body, &c)) return *e;
//   nlohmann::ordered_json j = command_json::ToJson(c);   // and back: Parse(type, j) == c
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "engine/command.h"
#include "engine/event.h"
#include "http/error.h"
#include "http/json_writer.h"

namespace dreichor::command_json {

// Parses a request body into a command of `type`; nullopt means *out is set.
std::optional<http::ApiError> Parse(engine::CommandType type, std::string_view body,
                                    engine::Command* out);

// A command as JSON with the field names its route accepts, plus "command": its type name.
// Parse(TypeOf(c), ToJson(c) without "command") gives back c.
nlohmann::ordered_json ToJson(const engine::Command& command);

// The same fields as ToJson ("command" first), written into the object `w` has open: for the
// record stream, where one document per record would cost more than the rest of its encoding.
void WriteCommandFields(const engine::Command& command, http::JsonWriter* w);

// One engine event as a JSON object: {"type":"trade","market":1,...} (docs/api.md, "Events").
void WriteEvent(const engine::Event& event, http::JsonWriter* w);

}  // namespace dreichor::command_json
