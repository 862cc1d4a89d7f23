#include "gateway/tls_front.h"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace dreichor::gateway {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using unix_socket = net::local::stream_protocol::socket;

namespace {

constexpr std::chrono::seconds kHandshakeTimeout{10};
constexpr size_t kChunk = 16 << 10;

// One client: the TLS stream on one side, the server's end of the socket pair on the other.
class Tunnel : public std::enable_shared_from_this<Tunnel> {
 public:
  Tunnel(tcp::socket socket, ssl::context& context)
      : tls_(std::move(socket), context),
        plain_(tls_.get_executor()),
        timer_(tls_.get_executor()) {}

  void Start(http::Server* server) {
    timer_.expires_after(kHandshakeTimeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && !self->handshaken_) self->Close();
    });
    tls_.async_handshake(ssl::stream_base::server,
                         [self = shared_from_this(), server](boost::system::error_code ec) {
                           self->OnHandshake(ec, server);
                         });
  }

 private:
  void OnHandshake(boost::system::error_code ec, http::Server* server) {
    handshaken_ = true;
    timer_.cancel();
    if (ec) return Close();
    boost::system::error_code peer_ec;
    const tcp::endpoint peer = tls_.next_layer().remote_endpoint(peer_ec);
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return Close();
    plain_.assign(net::local::stream_protocol(), fds[1], ec);
    if (ec) {
      ::close(fds[0]);
      ::close(fds[1]);
      return Close();
    }
    server->Adopt(fds[0], peer_ec ? std::string("unknown") : peer.address().to_string());
    FromClient();
    ToClient();
  }

  void FromClient() {
    tls_.async_read_some(net::buffer(in_),
                         [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                           if (ec) return self->Close();
                           net::async_write(self->plain_, net::buffer(self->in_.data(), n),
                                            [self](boost::system::error_code e, size_t) {
                                              if (e) return self->Close();
                                              self->FromClient();
                                            });
                         });
  }

  void ToClient() {
    plain_.async_read_some(net::buffer(out_),
                           [self = shared_from_this()](boost::system::error_code ec, size_t n) {
                             if (ec) return self->Close();
                             net::async_write(self->tls_, net::buffer(self->out_.data(), n),
                                              [self](boost::system::error_code e, size_t) {
                                                if (e) return self->Close();
                                                self->ToClient();
                                              });
                           });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    plain_.close(ignored);
    tls_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    tls_.next_layer().close(ignored);
    timer_.cancel();
  }

  ssl::stream<tcp::socket> tls_;
  unix_socket plain_;
  net::steady_timer timer_;
  std::array<char, kChunk> in_{};
  std::array<char, kChunk> out_{};
  bool handshaken_ = false;
  bool closed_ = false;
};

}  // namespace

struct TlsFront::Impl {
  ssl::context context{ssl::context::tls_server};
  net::io_context io{1};
  net::executor_work_guard<net::io_context::executor_type> work{io.get_executor()};
  tcp::acceptor acceptor{io};
  http::Server* server = nullptr;
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) {
        if (!acceptor.is_open()) return;
      } else {
        std::make_shared<Tunnel>(std::move(socket), context)->Start(server);
      }
      Accept();
    });
  }
};

TlsFront::TlsFront(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TlsFront::~TlsFront() { Stop(); }

Result<std::unique_ptr<TlsFront>> TlsFront::Load(const std::string& cert_file,
                                                 const std::string& key_file) {
  auto impl = std::make_unique<Impl>();
  boost::system::error_code ec;
  impl->context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                ssl::context::no_tlsv1_1,
                            ec);
  impl->context.use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return Status::InvalidArgument("DREICHOR_TLS_CERT_FILE " + cert_file +
                                   ": not a readable PEM certificate chain (" + ec.message() + ")");
  }
  impl->context.use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    return Status::InvalidArgument("DREICHOR_TLS_KEY_FILE: not a readable PEM private key (" +
                                   ec.message() + ")");
  }
  if (SSL_CTX_check_private_key(impl->context.native_handle()) != 1) {
    return Status::InvalidArgument("DREICHOR_TLS_KEY_FILE is not the key of the certificate");
  }
  return std::unique_ptr<TlsFront>(new TlsFront(std::move(impl)));
}

Status TlsFront::Start(const config::HostPort& listen, http::Server* server) {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(listen.host, ec);
  if (ec) return Status::InvalidArgument("not an IP address: " + listen.host);
  const tcp::endpoint endpoint(address, listen.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::IoError("binding " + listen.host + ":" + std::to_string(listen.port) + ": " +
                           ec.message());
  impl_->server = server;
  impl_->Accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
  return Status::Ok();
}

std::string TlsFront::address() const {
  boost::system::error_code ec;
  const tcp::endpoint e = impl_->acceptor.local_endpoint(ec);
  if (ec) return "";
  const std::string host =
      e.address().is_v6() ? "[" + e.address().to_string() + "]" : e.address().to_string();
  return host + ":" + std::to_string(e.port());
}

void TlsFront::Stop() {
  if (!impl_) return;
  net::post(impl_->io, [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->work.reset();
  impl_->io.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace dreichor::gateway
