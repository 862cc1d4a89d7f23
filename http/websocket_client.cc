#include "http/websocket_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace dreichor::http {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct WebSocketClient::Impl {
  net::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;

  // Runs the io_context until `done` or `timeout`; on a timeout, cancels and drains.
  bool RunUntil(const bool& done, std::chrono::milliseconds timeout) {
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      io.run_one_until(deadline);
    }
    if (done) return true;
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
    io.restart();
    io.run();
    return false;
  }
};

WebSocketClient::WebSocketClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebSocketClient::~WebSocketClient() = default;

Result<std::unique_ptr<WebSocketClient>> WebSocketClient::Connect(
    const std::string& host, uint16_t port, const std::string& target,
    std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  beast::error_code ec;
  bool done = false;
  const std::string where = host + ":" + std::to_string(port);
  // A literal address is used as is; a name is resolved (every address it has is tried).
  tcp::resolver resolver(impl->io);
  tcp::resolver::results_type endpoints;
  resolver.async_resolve(host, std::to_string(port),
                         [&](beast::error_code e, tcp::resolver::results_type results) {
                           ec = e;
                           endpoints = std::move(results);
                           done = true;
                         });
  if (!impl->RunUntil(done, timeout)) return Status::IoError("resolve " + where + ": timeout");
  if (ec) return Status::IoError("resolve " + where + ": " + ec.message());
  done = false;
  auto& tcp_stream = beast::get_lowest_layer(impl->ws);
  tcp_stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
    ec = e;
    done = true;
  });
  if (!impl->RunUntil(done, timeout)) return Status::IoError("connect to " + where + ": timeout");
  if (ec) return Status::IoError("connect to " + where + ": " + ec.message());
  done = false;
  websocket::response_type response;
  const std::string host_header =
      host.find(':') != std::string::npos ? "[" + host + "]:" + std::to_string(port) : where;
  impl->ws.async_handshake(response, host_header, target, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  if (!impl->RunUntil(done, timeout))
    return Status::IoError("handshake with " + where + ": timeout");
  if (ec) {
    std::string detail = ec.message();
    if (response.result_int() != 0 && response.result_int() != 101) {
      detail = "HTTP " + std::to_string(response.result_int()) + ": " + response.body();
    }
    return Status::FailedPrecondition("handshake with " + where + target + " refused: " + detail);
  }
  impl->ws.read_message_max(64 << 20);
  return std::unique_ptr<WebSocketClient>(new WebSocketClient(std::move(impl)));
}

Result<std::string> WebSocketClient::Read(std::chrono::milliseconds timeout) {
  Impl& c = *impl_;
  c.buffer.clear();
  beast::error_code ec;
  bool done = false;
  c.ws.async_read(c.buffer, [&](beast::error_code e, size_t) {
    ec = e;
    done = true;
  });
  if (!c.RunUntil(done, timeout)) return Status::IoError("no message within the timeout");
  if (ec == websocket::error::closed) {
    const auto& reason = c.ws.reason();
    return Status::FailedPrecondition("closed by the server: " + std::to_string(reason.code) + " " +
                                      std::string(reason.reason.data(), reason.reason.size()));
  }
  if (ec) return Status::IoError("read: " + ec.message());
  return beast::buffers_to_string(c.buffer.cdata());
}

Status WebSocketClient::Send(const std::string& text, std::chrono::milliseconds timeout) {
  Impl& c = *impl_;
  beast::error_code ec;
  bool done = false;
  c.ws.text(true);
  c.ws.async_write(net::buffer(text), [&](beast::error_code e, size_t) {
    ec = e;
    done = true;
  });
  if (!c.RunUntil(done, timeout)) return Status::IoError("send: timeout");
  if (ec) return Status::IoError("send: " + ec.message());
  return Status::Ok();
}

void WebSocketClient::Close(std::chrono::milliseconds timeout) {
  Impl& c = *impl_;
  if (!c.ws.is_open()) return;
  bool done = false;
  c.ws.async_close(websocket::close_code::normal, [&](beast::error_code) { done = true; });
  c.RunUntil(done, timeout);
}

void WebSocketClient::Cancel() {
  Impl* c = impl_.get();
  net::post(c->io, [c] {
    beast::error_code ignored;
    beast::get_lowest_layer(c->ws).socket().close(ignored);
  });
}

uint16_t WebSocketClient::close_code() const { return impl_->ws.reason().code; }

}  // namespace dreichor::http
