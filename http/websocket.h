// WebSocketConnection: one server-side WebSocket (RFC 6455) connection, taken over from the HTTP
// server (Server::Handler::Upgrade) with the handshake request.
//
// Text messages are sent from any thread through a bounded queue (optionally joined into JSON
// arrays, one per frame, see WebSocketOptions): a message that would take the
// queue past `max_queued_bytes` is not queued, and the connection is closed with
// kCloseTooSlow and a reason, so a peer that does not read never holds the sender back or grows
// its memory. Messages from the peer are bounded by `max_message_bytes` (a larger one closes
// the connection with 1009, "message too big") and handed to `on_message` one at a time, on the
// connection's strand. Pings keep an idle connection alive; a peer silent past `idle_timeout`
// after a ping is dropped. `on_closed` runs once, when the connection has ended for any reason.
//
//   auto c = WebSocketConnection::Create(std::move(stream), options);
//   c->Start(std::move(request), [](std::string_view text) { ... }, [] { ... });
//   c->Send(std::make_shared<const std::string>("{\"hello\":1}"));   // from any thread
//   c->Close(kCloseNormal, "bye");
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/server.h"

namespace dreichor::http {

// Close codes this project sends (RFC 6455 §7.4; 4000-4999 are the application's).
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseGoingAway = 1001;      // the server is shutting down
inline constexpr uint16_t kClosePolicy = 1008;         // a message the endpoint does not accept
inline constexpr uint16_t kCloseTryAgainLater = 1013;  // a limit is reached
inline constexpr uint16_t kCloseTooSlow = 4008;        // the peer fell too far behind
inline constexpr uint16_t kCloseVerifyFailed = 4009;   // the data to send failed a check

struct WebSocketOptions {
  size_t max_queued_bytes = 16 << 20;  // unsent outgoing bytes before the peer counts as too slow
  // Every frame sent is a JSON array of the messages (each a JSON value) queued when it is
  // written, up to about max_batch_bytes: under load one write carries many messages.
  bool json_array_batches = false;
  size_t max_batch_bytes = 256 << 10;
  size_t max_message_bytes = 16 << 10;  // largest incoming message
  std::chrono::seconds idle_timeout{30};
  std::chrono::seconds handshake_timeout{10};
};

class WebSocketConnection : public std::enable_shared_from_this<WebSocketConnection> {
 public:
  using MessageHandler = std::function<void(std::string_view text)>;
  using ClosedHandler = std::function<void()>;

  static std::shared_ptr<WebSocketConnection> Create(boost::beast::tcp_stream&& stream,
                                                     const WebSocketOptions& options);
  ~WebSocketConnection();
  WebSocketConnection(const WebSocketConnection&) = delete;
  WebSocketConnection& operator=(const WebSocketConnection&) = delete;

  // Answers the handshake `request` (101), then reads. Call once.
  void Start(Request request, MessageHandler on_message, ClosedHandler on_closed);
  enum class Sent { kQueued, kClosing, kTooSlow };
  // Queues one text message: kQueued; kClosing when the connection is closing (nothing queued);
  // kTooSlow when the message would pass max_queued_bytes: the queue is dropped and the
  // connection closed with kCloseTooSlow. Thread-safe.
  Sent Send(std::shared_ptr<const std::string> message);
  // Sends what is queued, then the close frame with `code` and `reason` (at most 123 bytes).
  // Idempotent; thread-safe.
  void Close(uint16_t code, std::string reason);

  size_t queued_bytes() const;
  bool closing() const;
  // "127.0.0.1:50312": the peer's address, for logs.
  const std::string& peer() const;

  struct Impl;

 private:
  explicit WebSocketConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dreichor::http
