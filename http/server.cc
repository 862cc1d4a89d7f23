#include "http/server.h"

#include <unistd.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <deque>
#include <optional>
#include <thread>
#include <vector>

#include "http/reply.h"

namespace dreichor::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::optional<Response> Handler::Upgrade(Request& request, beast::tcp_stream&) {
  return ErrorReply(kNotFound, "no WebSocket route " + std::string(request.target()));
}

void Respond::operator()(Response response) const {
  auto shared = std::make_shared<Response>(std::move(response));
  post_([shared] { return std::move(*shared); });
}

struct Server::Impl {
  // Declared before `io`: sessions destroyed with the io_context still count down.
  std::atomic<size_t> connections{0};
  std::atomic<size_t> busy{0};
  std::atomic<bool> close_after_response{false};
  std::atomic<bool> stopped{false};
  ServerOptions options;
  Handler* handler = nullptr;
  tcp::endpoint bound;
  net::io_context io;
  net::executor_work_guard<net::io_context::executor_type> work{io.get_executor()};
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;

  void Accept();
};

namespace {

constexpr std::chrono::seconds kWriteTimeout{30};

// The wire form of a response (status line, fields, body); Content-Length must be set.
void AppendWireForm(const Response& r, std::string* out) {
  out->append("HTTP/1.1 ").append(std::to_string(r.result_int())).append(" ");
  const auto reason = bhttp::obsolete_reason(r.result());
  out->append(reason.data(), reason.size()).append("\r\n");
  for (const auto& field : r) {
    out->append(field.name_string().data(), field.name_string().size()).append(": ");
    out->append(field.value().data(), field.value().size()).append("\r\n");
  }
  out->append("\r\n").append(r.body());
}

// One connection. Requests may be pipelined: up to kMaxPipeline are read and handed to the
// handler before the first is answered; answers are written strictly in request order, and
// those ready together go out in one write.
class Session : public std::enable_shared_from_this<Session> {
 public:
  static constexpr size_t kMaxPipeline = 16;

  // `peer`: the peer's address when the socket does not tell it (an adopted connection).
  Session(tcp::socket&& socket, Server::Impl* server, bool over_limit, std::string peer = "")
      : stream_(std::move(socket)),
        server_(server),
        peer_address_(std::move(peer)),
        over_limit_(over_limit) {
    server_->connections++;
    if (!server_->options.peer_address_header.empty() && peer_address_.empty()) {
      beast::error_code ec;
      const tcp::endpoint remote = stream_.socket().remote_endpoint(ec);
      if (!ec) peer_address_ = remote.address().to_string();
    }
  }
  ~Session() {
    server_->busy -= slots_.size();
    server_->connections--;
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->over_limit_) {
        self->Finish(ErrorReply(kTooManyConnections,
                                "the server's connection limit is reached; retry later"));
      } else {
        self->Read();
      }
    });
  }

 private:
  struct Slot {
    uint64_t id = 0;
    std::optional<Response> response;
  };

  void Read() {
    if (reading_ || closing_ || deferred_ || slots_.size() >= kMaxPipeline) return;
    reading_ = true;
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_->options.max_header_bytes));
    ArmTimer();
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  // Idle timeout while waiting for a request with nothing in flight; otherwise the write's.
  void ArmTimer() {
    if (writing_) {
      stream_.expires_after(kWriteTimeout);
    } else if (slots_.empty()) {
      stream_.expires_after(server_->options.idle_timeout);
    } else {
      stream_.expires_never();
    }
  }

  void OnRead(beast::error_code ec, size_t) {
    reading_ = false;
    if (ec == bhttp::error::body_limit) {
      return Finish(ErrorReply(kBodyTooLarge, "the request body exceeds " +
                                                  std::to_string(server_->options.max_body_bytes) +
                                                  " bytes"));
    }
    if (ec == bhttp::error::header_limit) {
      return Finish(ErrorReply(kHeadersTooLarge,
                               "the request headers exceed " +
                                   std::to_string(server_->options.max_header_bytes) + " bytes"));
    }
    if (ec && ec != bhttp::error::end_of_stream &&
        ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
      return Finish(ErrorReply(kMalformedHttp, "not a valid HTTP/1.1 request: " + ec.message()));
    }
    if (ec) {  // end of stream, timeout, reset: answer what is in flight, then close
      closing_ = true;
      if (slots_.empty() && !writing_) Close();
      return;
    }
    Request request = parser_->release();
    if (const std::string& name = server_->options.peer_address_header; !name.empty()) {
      request.erase(name);  // whatever the client sent under this name is not believed
      request.set(name, peer_address_);
    }
    if (beast::websocket::is_upgrade(request) && slots_.empty() && !deferred_) {
      auto refused = server_->handler->Upgrade(request, stream_);
      if (!refused) {  // the handler owns the connection now
        closing_ = true;
        return;
      }
      return Finish(std::move(*refused));
    }
    const uint64_t id = next_id_++;
    const bool earlier_unanswered = !slots_.empty() && !slots_.back().response;
    slots_.push_back(Slot{id, std::nullopt});
    server_->busy++;
    if (!request.keep_alive()) closing_ = true;
    if (server_->options.reads_wait_for_earlier_requests && request.method() != bhttp::verb::post &&
        earlier_unanswered) {
      deferred_ = std::move(request);
      deferred_id_ = id;
      return;
    }
    Dispatch(std::move(request), id);
    Read();
  }

  void Dispatch(Request&& request, uint64_t id) {
    auto self = shared_from_this();
    server_->handler->Handle(std::move(request), Respond([self, id](Respond::Builder build) {
                               net::post(
                                   self->stream_.get_executor(),
                                   [self, id, b = std::move(build)] { self->Complete(id, b()); });
                             }));
  }

  // Hands over a deferred read once everything before it is answered.
  void MaybeDispatchDeferred() {
    if (!deferred_) return;
    for (const Slot& slot : slots_) {
      if (slot.id == deferred_id_) break;
      if (!slot.response) return;
    }
    Request request = std::move(*deferred_);
    deferred_.reset();
    Dispatch(std::move(request), deferred_id_);
    Read();
  }

  // An error that ends the connection: answered after everything before it.
  void Finish(Response response) {
    closing_ = true;
    slots_.push_back(Slot{next_id_++, std::nullopt});
    server_->busy++;
    Complete(slots_.back().id, std::move(response));
  }

  void Complete(uint64_t id, Response response) {
    for (Slot& slot : slots_) {
      if (slot.id == id) {
        slot.response = std::move(response);
        break;
      }
    }
    MaybeDispatchDeferred();
    Flush();
  }

  void Flush() {
    if (writing_) return;
    out_.clear();
    size_t count = 0;
    bool close_after = false;
    for (Slot& slot : slots_) {
      if (!slot.response || close_after) break;
      Response& r = *slot.response;
      const bool last = closing_ && count + 1 == slots_.size();
      r.keep_alive(!last && !server_->close_after_response.load());
      r.prepare_payload();
      if (!r.keep_alive()) close_after = true;
      AppendWireForm(r, &out_);
      ++count;
    }
    if (count == 0) {
      if (closing_ && slots_.empty()) Close();
      return;
    }
    writing_ = true;
    ArmTimer();
    net::async_write(
        stream_, net::buffer(out_),
        beast::bind_front_handler(&Session::OnWrite, shared_from_this(), count, close_after));
  }

  void OnWrite(size_t count, bool close_after, beast::error_code ec, size_t) {
    writing_ = false;
    for (size_t i = 0; i < count; ++i) slots_.pop_front();
    server_->busy -= count;
    if (ec || close_after) {
      closing_ = true;
      return Close();
    }
    if (closing_ && slots_.empty()) return Close();
    Flush();
    if (!reading_) {
      Read();
    } else if (!writing_) {
      // With a read pending and no write, the timer is the read's again. (With both pending,
      // Flush has armed it already: basic_stream allows no expires_after while a read and a
      // write are both outstanding.)
      ArmTimer();
    }
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  Server::Impl* server_;
  std::string peer_address_;  // the peer's IP, when the server names it to the handler
  bool over_limit_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::deque<Slot> slots_;           // requests read and not yet answered, in order
  std::optional<Request> deferred_;  // a read waiting for the commands before it
  uint64_t deferred_id_ = 0;
  uint64_t next_id_ = 0;
  std::string out_;  // the bytes being written
  bool reading_ = false;
  bool writing_ = false;
  bool closing_ = false;  // no more requests will be read
};

}  // namespace

void Server::Adopt(int fd, std::string peer_address) {
  Impl* impl = impl_.get();
  net::post(impl->io, [impl, fd, peer = std::move(peer_address)]() mutable {
    tcp::socket socket(net::make_strand(impl->io));
    beast::error_code ec;
    socket.assign(tcp::v6(), fd, ec);
    if (ec) {
      ::close(fd);
      return;
    }
    const bool over = impl->connections.load() >= impl->options.max_connections;
    std::make_shared<Session>(std::move(socket), impl, over, std::move(peer))->Start();
  });
}

void Server::Impl::Accept() {
  acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (!acceptor.is_open()) return;  // stopped
    } else {
      socket.set_option(tcp::no_delay(true), ec);
      const bool over = connections.load() >= options.max_connections;
      std::make_shared<Session>(std::move(socket), this, over)->Start();
    }
    Accept();
  });
}

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, Handler* handler) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handler = handler;
  beast::error_code ec;
  const auto address = net::ip::make_address(options.address, ec);
  if (ec) return Status::InvalidArgument("not an IP address: " + options.address);
  const tcp::endpoint endpoint(address, options.port);
  auto fail = [&](const char* what) {
    return Status::IoError(std::string(what) + " " + options.address + ":" +
                           std::to_string(options.port) + ": " + ec.message());
  };
  impl->acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("cannot open a socket for");
  impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  impl->acceptor.bind(endpoint, ec);
  if (ec) return fail("cannot bind");
  impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("cannot listen on");
  impl->bound = impl->acceptor.local_endpoint();
  impl->Accept();
  for (size_t i = 0; i < std::max<size_t>(1, options.threads); ++i) {
    impl->threads.emplace_back([io = &impl->io] { io->run(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return impl_->bound.port(); }

std::string Server::address() const {
  const auto a = impl_->bound.address();
  const std::string host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
  return host + ":" + std::to_string(port());
}

size_t Server::open_connections() const { return impl_->connections.load(); }

size_t Server::busy_requests() const { return impl_->busy.load(); }

bool Server::Drain(std::chrono::steady_clock::time_point deadline) {
  impl_->close_after_response = true;
  net::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  while (impl_->busy.load() > 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void Server::Stop() {
  if (impl_->stopped.exchange(true)) return;
  net::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->work.reset();
  impl_->io.stop();
  for (std::thread& t : impl_->threads) t.join();
}

}  // namespace dreichor::http
