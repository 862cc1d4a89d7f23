// HTTP requests that send the deterministic test command stream (testing/commands.h) to a
// runtime: command n as the raw bytes of one POST to its route, ready to be pipelined.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "command_json/command_json.h"
#include "testing/commands.h"

namespace dreichor::testing {

// The route of a command type the test stream uses.
inline const char* CommandPath(engine::CommandType type) {
  switch (type) {
    case engine::CommandType::kCreateMarket:
      return "/v1/admin/markets";
    case engine::CommandType::kDeposit:
      return "/v1/admin/deposits";
    case engine::CommandType::kPlaceOrder:
      return "/v1/orders";
    case engine::CommandType::kCancelOrder:
      return "/v1/orders/cancel";
    case engine::CommandType::kAmendOrder:
      return "/v1/orders/amend";
    default:
      return nullptr;
  }
}

// The whole HTTP/1.1 request for command n; admin routes carry `admin_token`.
inline std::string CommandRequest(uint64_t n, const std::string& admin_token) {
  const engine::Command c = runtime::CommandForSequence(n);
  const std::string path = CommandPath(engine::TypeOf(c));
  nlohmann::json body = command_json::ToJson(c);
  body.erase("command");
  const std::string text = body.dump();
  std::string r = "POST " + path + " HTTP/1.1\r\nHost: test\r\n";
  if (path.rfind("/v1/admin", 0) == 0) r += "Authorization: Bearer " + admin_token + "\r\n";
  r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(text.size()) +
       "\r\n\r\n" + text;
  return r;
}

}  // namespace dreichor::testing
