// WebSocketClient: a blocking WebSocket (RFC 6455) client over plain TCP, every step bounded by a
// timeout. A market-data follower reads the runtime's record stream with it; tests use it as a
// subscriber.
//
//   auto c = WebSocketClient::Connect("127.0.0.1", 8080, "/v1/stream?from=1", 5s);
//   auto message = c.value()->Read(5s);        // the next text message
//   c.value()->Send("{\"op\":\"subscribe\"}");
//
// After the peer closes, Read returns kFailedPrecondition naming the close code and reason. After
// a timeout or any other error the connection is unusable: connect again. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "util/status.h"

namespace dreichor::http {

class WebSocketClient {
 public:
  // `host` is an IP literal (IPv6 without brackets) or a name to resolve.
  static Result<std::unique_ptr<WebSocketClient>> Connect(const std::string& host, uint16_t port,
                                                          const std::string& target,
                                                          std::chrono::milliseconds timeout);
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // The next message: kFailedPrecondition "closed by the server: 4008 too slow..." when the peer
  // closed, kIoError on a timeout or a broken connection.
  Result<std::string> Read(std::chrono::milliseconds timeout);
  Status Send(const std::string& text, std::chrono::milliseconds timeout);
  // Sends a close frame and waits (bounded) for the peer's.
  void Close(std::chrono::milliseconds timeout);
  // Ends a Read or Send in progress (or the next one) with an error, from any thread.
  void Cancel();
  // The close code the peer sent (0 when none yet).
  uint16_t close_code() const;

  struct Impl;

 private:
  explicit WebSocketClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dreichor::http
