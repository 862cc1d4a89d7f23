// Fuzz target: the HTTP API's command bodies (command_json/command_json.h, docs/api.md).
//
// The first input byte picks the command type, the rest is the body. Promises checked: hostile
// JSON (deep nesting, huge numbers, invalid UTF-8, duplicate keys) gives an ApiError with a
// code and a message, never an exception; a body that parses survives the round trip
// command → JSON → command unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "command_json/command_json.h"
#include "engine/command_codec.h"

using namespace dreichor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const engine::CommandType type = engine::kCommandTypes[data[0] % engine::kCommandTypeCount];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  engine::Command command;
  if (auto error = command_json::Parse(type, body, &command)) {
    if (error->code.empty() || error->message.empty()) std::abort();
    return 0;
  }
  if (engine::TypeOf(command) != type) std::abort();
  nlohmann::ordered_json json = command_json::ToJson(command);
  json.erase("command");
  engine::Command again;
  if (command_json::Parse(type, json.dump(), &again)) std::abort();
  if (engine::EncodeCommand(again) != engine::EncodeCommand(command)) std::abort();
  return 0;
}
