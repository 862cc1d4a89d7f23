// JsonText: a JSON value as compact text that never throws. Strings that are not valid UTF-8
// (a container's log line, bytes from an old record) have each bad byte replaced by U+FFFD
// instead of throwing from the middle of an answer or a history append.
//
//   std::string body = JsonText(nlohmann::ordered_json{{"ok", true}});
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace dreichor {

template <typename Json>
std::string JsonText(const Json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace dreichor
