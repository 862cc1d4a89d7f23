#include "http/websocket.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <mutex>

namespace dreichor::http {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;

struct WebSocketConnection::Impl {
  explicit Impl(beast::tcp_stream&& stream) : ws(std::move(stream)) {}

  websocket::stream<beast::tcp_stream> ws;
  WebSocketOptions options;
  std::string peer;
  MessageHandler on_message;
  ClosedHandler on_closed;
  beast::flat_buffer in;

  mutable std::mutex mu;
  std::deque<std::shared_ptr<const std::string>> queue;  // GUARDED_BY(mu)
  size_t queued = 0;                                     // GUARDED_BY(mu): bytes in `queue`
  bool open = false;                                     // GUARDED_BY(mu): the handshake is done
  bool writing = false;                                  // GUARDED_BY(mu): the write loop runs
  bool closing = false;                                  // GUARDED_BY(mu): nothing more is queued
  bool ended = false;                                    // strand only: on_closed has run
  websocket::close_reason reason;                        // GUARDED_BY(mu)
};

namespace {

std::string PeerOf(const beast::tcp_stream& stream) {
  beast::error_code ec;
  const auto endpoint = stream.socket().remote_endpoint(ec);
  if (ec) return "unknown";
  const auto a = endpoint.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" +
         std::to_string(endpoint.port());
}

}  // namespace

std::shared_ptr<WebSocketConnection> WebSocketConnection::Create(beast::tcp_stream&& stream,
                                                                 const WebSocketOptions& options) {
  stream.expires_never();  // the websocket's own timeouts take over
  auto impl = std::make_unique<Impl>(std::move(stream));
  impl->options = options;
  impl->peer = PeerOf(impl->ws.next_layer());
  return std::shared_ptr<WebSocketConnection>(new WebSocketConnection(std::move(impl)));
}

WebSocketConnection::WebSocketConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebSocketConnection::~WebSocketConnection() = default;

namespace {

// The loops below run on the connection's strand and keep the connection alive by capture.
void End(WebSocketConnection::Impl* c);
void WriteNext(const std::shared_ptr<WebSocketConnection>& self, WebSocketConnection::Impl* c);

void Read(const std::shared_ptr<WebSocketConnection>& self, WebSocketConnection::Impl* c) {
  c->ws.async_read(c->in, [self, c](beast::error_code ec, size_t) {
    if (ec) return End(c);
    const auto data = c->in.cdata();
    if (c->on_message) {
      c->on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    c->in.consume(c->in.size());
    Read(self, c);
  });
}

// Takes the next frame off the queue: the front message, or with json_array_batches every queued
// message that fits, as one JSON array. The caller holds c->mu; the queue is not empty.
std::shared_ptr<const std::string> TakeFrameLocked(WebSocketConnection::Impl* c) {
  if (!c->options.json_array_batches) {
    auto frame = std::move(c->queue.front());
    c->queue.pop_front();
    c->queued -= frame->size();
    return frame;
  }
  auto joined = std::make_shared<std::string>();
  joined->push_back('[');
  size_t count = 0;
  while (!c->queue.empty() && (count == 0 || joined->size() + c->queue.front()->size() + 2 <=
                                                 c->options.max_batch_bytes)) {
    if (count++ > 0) joined->push_back(',');
    joined->append(*c->queue.front());
    c->queued -= c->queue.front()->size();
    c->queue.pop_front();
  }
  joined->push_back(']');
  return joined;
}

void WriteNext(const std::shared_ptr<WebSocketConnection>& self, WebSocketConnection::Impl* c) {
  std::shared_ptr<const std::string> frame;
  {
    std::lock_guard<std::mutex> lock(c->mu);
    if (c->queue.empty()) {
      if (!c->closing) {
        c->writing = false;
        return;
      }
      const websocket::close_reason reason = c->reason;
      c->ws.async_close(reason, [self, c](beast::error_code) { End(c); });
      return;
    }
    frame = TakeFrameLocked(c);
  }
  c->ws.text(true);
  // `frame` rides along: it is off the queue, and the write reads it until it completes.
  c->ws.async_write(net::buffer(*frame), [self, c, frame](beast::error_code ec, size_t) {
    if (ec) return End(c);
    WriteNext(self, c);
  });
}

void End(WebSocketConnection::Impl* c) {
  {
    std::lock_guard<std::mutex> lock(c->mu);
    c->closing = true;
    c->queue.clear();
    c->queued = 0;
  }
  if (c->ended) return;
  c->ended = true;
  beast::error_code ignored;
  c->ws.next_layer().socket().close(ignored);
  if (c->on_closed) c->on_closed();
}

websocket::close_reason CloseReason(uint16_t code, std::string_view text) {
  websocket::close_reason r;
  r.code = code;
  text = text.substr(0, r.reason.max_size());
  r.reason.assign(text.data(), text.size());
  return r;
}

// Starts the write loop unless it runs; the caller holds c->mu.
void KickLocked(const std::shared_ptr<WebSocketConnection>& self, WebSocketConnection::Impl* c) {
  if (!c->open || c->writing) return;
  c->writing = true;
  net::post(c->ws.get_executor(), [self, c] { WriteNext(self, c); });
}

}  // namespace

void WebSocketConnection::Start(Request request, MessageHandler on_message,
                                ClosedHandler on_closed) {
  Impl* c = impl_.get();
  c->on_message = std::move(on_message);
  c->on_closed = std::move(on_closed);
  websocket::stream_base::timeout timeout{};
  timeout.handshake_timeout = c->options.handshake_timeout;
  timeout.idle_timeout = c->options.idle_timeout;
  timeout.keep_alive_pings = true;
  c->ws.set_option(timeout);
  c->ws.read_message_max(c->options.max_message_bytes);
  c->ws.auto_fragment(false);
  auto self = shared_from_this();
  auto shared_request = std::make_shared<Request>(std::move(request));
  net::post(c->ws.get_executor(), [self, c, shared_request] {
    c->ws.async_accept(*shared_request, [self, c, shared_request](beast::error_code ec) {
      if (ec) return End(c);
      {
        std::lock_guard<std::mutex> lock(c->mu);
        c->open = true;
        if (!c->queue.empty() || c->closing) KickLocked(self, c);
      }
      Read(self, c);
    });
  });
}

WebSocketConnection::Sent WebSocketConnection::Send(std::shared_ptr<const std::string> message) {
  Impl* c = impl_.get();
  std::lock_guard<std::mutex> lock(c->mu);
  if (c->closing) return Sent::kClosing;
  if (c->queued + message->size() > c->options.max_queued_bytes) {
    c->closing = true;
    c->queue.clear();
    c->queued = 0;
    c->reason = CloseReason(
        kCloseTooSlow,
        "too slow: more than " + std::to_string(c->options.max_queued_bytes) + " bytes unsent");
    KickLocked(shared_from_this(), c);
    return Sent::kTooSlow;
  }
  c->queued += message->size();
  c->queue.push_back(std::move(message));
  KickLocked(shared_from_this(), c);
  return Sent::kQueued;
}

void WebSocketConnection::Close(uint16_t code, std::string reason) {
  Impl* c = impl_.get();
  std::lock_guard<std::mutex> lock(c->mu);
  if (c->closing) return;
  c->closing = true;
  c->reason = CloseReason(code, reason);
  KickLocked(shared_from_this(), c);
}

size_t WebSocketConnection::queued_bytes() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->queued;
}

bool WebSocketConnection::closing() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->closing;
}

const std::string& WebSocketConnection::peer() const { return impl_->peer; }

}  // namespace dreichor::http
