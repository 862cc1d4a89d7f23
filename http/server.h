// Server: a bounded HTTP/1.1 server (Boost.Beast) with keep-alive and pipelining.
//
// Each connection reads requests, hands each to the Handler, and writes the answers in request
// order when the handler calls `respond` — from any thread, at any later time (the runtime's
// commands are answered by its sequencer once durable). Limits: header bytes, body bytes, open
// connections (one more is answered 503 and closed), requests in flight per connection, an idle
// timeout between requests and a write timeout. A request that breaks a limit or is not HTTP
// gets the one error shape (http/error.h) and the connection is closed.
//
//   ServerOptions o{.address = "127.0.0.1", .port = 0};
//   auto server = Server::Start(o, &handler);   // bound and serving
//   server.value()->port();                     // the port bound (useful with port 0)
//   server.value()->Stop();
#pragma once

#include <atomic>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "util/status.h"

namespace dreichor::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
// Answers one request, exactly once, from any thread. Build() runs the builder on the
// connection's I/O thread, keeping the caller's thread (e.g. the sequencer) free.
class Respond {
 public:
  using Builder = std::function<Response()>;
  explicit Respond(std::function<void(Builder)> post) : post_(std::move(post)) {}
  void operator()(Response response) const;
  void Build(Builder builder) const { post_(std::move(builder)); }

 private:
  std::function<void(Builder)> post_;
};

class Handler {
 public:
  virtual ~Handler() = default;
  // Called on an I/O thread; must call `respond` exactly once, on any thread.
  virtual void Handle(Request&& request, Respond respond) = 0;
  // A WebSocket handshake (RFC 6455) read on a connection with nothing else in flight, on an
  // I/O thread. The handler either takes the connection — moves `stream` out (see
  // http/websocket.h) and returns nullopt — or returns the answer to write instead (unknown
  // route, bad parameters, not serving). Default: 404, no WebSocket routes.
  virtual std::optional<Response> Upgrade(Request& request, boost::beast::tcp_stream& stream);
};

struct ServerOptions {
  std::string address;  // IPv4 or IPv6 literal
  uint16_t port = 0;
  size_t max_body_bytes = 64 << 10;
  size_t max_header_bytes = 16 << 10;
  size_t max_connections = 1024;
  size_t threads = 1;
  std::chrono::seconds idle_timeout{60};
  // When set, a request other than POST waits until every earlier request on its connection is
  // answered before it is handed over: a pipelined read then sees the effects of the commands
  // sent before it (the runtime's rule). Off: every request is handed over as it is read.
  bool reads_wait_for_earlier_requests = false;
  // When set, every request (WebSocket handshakes included) reaches the handler with exactly one
  // header of this name holding the peer's IP address; a client's own headers of that name are
  // removed first. For per-address limits.
  std::string peer_address_header{};
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options, Handler* handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  // "127.0.0.1:8080" or "[::1]:8080".
  std::string address() const;
  size_t open_connections() const;
  // Requests read but not yet fully answered.
  size_t busy_requests() const;
  // Stops accepting, marks later answers "Connection: close", and waits until no request is
  // being handled or written, or until `deadline`. True when idle.
  bool Drain(std::chrono::steady_clock::time_point deadline);
  // Serves a connection accepted elsewhere: `fd` is a connected stream socket (the server owns
  // it from now on), `peer_address` the address to report for it (peer_address_header). The TLS
  // front of a service hands over each decrypted connection this way.
  void Adopt(int fd, std::string peer_address);
  // Stops accepting and running; open connections are dropped. Idempotent.
  void Stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dreichor::http
