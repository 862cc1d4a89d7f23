#include "api/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "api/api_error.h"

namespace dreichor::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

Response ErrorResponse(int status, const std::string& code, const std::string& message) {
  Response res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.body() = ErrorBody(ApiError{status, code, message, ""});
  return res;
}

void Respond::operator()(Response response) const {
  auto shared = std::make_shared<Response>(std::move(response));
  post_([shared] { return std::move(*shared); });
}

struct HttpServer::Impl {
  // Declared before `io`: sessions destroyed with the io_context still count down.
  std::atomic<size_t> connections{0};
  std::atomic<size_t> busy{0};
  std::atomic<bool> close_after_response{false};
  std::atomic<bool> stopped{false};
  HttpServerOptions options;
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

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, HttpServer::Impl* server, bool over_limit)
      : stream_(std::move(socket)), server_(server), over_limit_(over_limit) {
    server_->connections++;
  }
  ~Session() {
    if (busy_) server_->busy--;
    server_->connections--;
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->over_limit_) {
        self->keep_alive_ = false;
        self->Write(ErrorResponse(503, "too_many_connections",
                                  "the server's connection limit is reached; retry later"));
      } else {
        self->Read();
      }
    });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(server_->options.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_->options.max_header_bytes));
    stream_.expires_after(server_->options.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    if (ec == http::error::body_limit) {
      return Reject(413, "body_too_large",
                    "the request body exceeds " + std::to_string(server_->options.max_body_bytes) +
                        " bytes");
    }
    if (ec == http::error::header_limit) {
      return Reject(431, "headers_too_large",
                    "the request headers exceed " +
                        std::to_string(server_->options.max_header_bytes) + " bytes");
    }
    if (ec && ec != http::error::end_of_stream && ec.category() == http::make_error_code(http::error::bad_target).category()) {
      return Reject(400, "malformed_http", "not a valid HTTP/1.1 request: " + ec.message());
    }
    if (ec) return Close();  // end of stream, timeout, reset: nothing to answer
    server_->busy++;
    busy_ = true;
    Request request = parser_->release();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    stream_.expires_never();  // the handler may wait for durability; the write has its own limit
    auto self = shared_from_this();
    server_->handler->Handle(std::move(request), Respond([self](Respond::Builder build) {
      net::post(self->stream_.get_executor(),
                [self, b = std::move(build)] { self->Write(b()); });
    }));
  }

  void Reject(int status, const std::string& code, const std::string& message) {
    keep_alive_ = false;
    Write(ErrorResponse(status, code, message));
  }

  void Write(Response response) {
    response.version(version_);
    response.keep_alive(keep_alive_ && !server_->close_after_response.load());
    response.prepare_payload();
    response_ = std::make_shared<Response>(std::move(response));
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, *response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this(),
                                                !response_->keep_alive()));
  }

  void OnWrite(bool close, beast::error_code ec, size_t) {
    response_.reset();
    if (busy_) {
      busy_ = false;
      server_->busy--;
    }
    if (ec || close) return Close();
    Read();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  HttpServer::Impl* server_;
  bool over_limit_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Response> response_;
  bool keep_alive_ = true;
  bool busy_ = false;  // a request was read and its answer is not yet written
  unsigned version_ = 11;
};

}  // namespace

void HttpServer::Impl::Accept() {
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

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      Handler* handler) {
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
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { Stop(); }

uint16_t HttpServer::port() const { return impl_->bound.port(); }

std::string HttpServer::address() const {
  const auto a = impl_->bound.address();
  const std::string host = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
  return host + ":" + std::to_string(port());
}

size_t HttpServer::open_connections() const { return impl_->connections.load(); }

size_t HttpServer::busy_requests() const { return impl_->busy.load(); }

bool HttpServer::Drain(std::chrono::steady_clock::time_point deadline) {
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

void HttpServer::Stop() {
  if (impl_->stopped.exchange(true)) return;
  net::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->work.reset();
  impl_->io.stop();
  for (std::thread& t : impl_->threads) t.join();
}

}  // namespace dreichor::api
