// The record stream's HTTP entry: `GET /v1/stream?from=S` with a WebSocket handshake
// (docs/record-stream.md). Checks the request, takes the connection and hands it to the hub.
//
//   std::optional<http::Response> refused = UpgradeToStream(hub, request, stream);
//   if (refused) ... // written as the answer instead; otherwise the connection is the hub's
#pragma once

#include <optional>

#include "http/server.h"
#include "http/websocket.h"
#include "stream/record_hub.h"

namespace dreichor::stream {

inline constexpr std::string_view kStreamPath = "/v1/stream";

// Refusals: 400 for a query other than one decimal `from`, or a `from` beyond the next record;
// 405 for a method other than GET. Limits reached after the handshake close the WebSocket with
// 1013 ("try again later") and the reason.
std::optional<http::Response> UpgradeToStream(RecordHub* hub, http::Request& request,
                                              boost::beast::tcp_stream& stream,
                                              const http::WebSocketOptions& options = {});

}  // namespace dreichor::stream
