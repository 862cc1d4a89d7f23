// Fuzz target: HTTP requests through the bounded server (http/server.h), its route table and a
// strict JSON body route, over a real loopback connection as a client would send them.
//
// Each input is written to a new connection, whose write side is then closed; the answer is read
// to the end. Promises checked: the server never crashes and keeps serving; whatever it answers
// is an HTTP/1.1 status line, and an error is the one JSON error shape.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "command_json/command_json.h"
#include "http/reply.h"
#include "http/router.h"
#include "http/server.h"

using namespace dreichor;

namespace {

class FuzzHandler final : public http::Handler {
 public:
  FuzzHandler() {
    router_.Add(
        http::Method::get, "/v1/markets/{market}/depth",
        [](const http::Request&, const http::RouteParams& p, http::Respond respond) {
          respond(http::JsonReply(
              200, nlohmann::json{{"market", std::string(p.Get("market"))}, {"query", p.query()}}));
        });
    router_.Add(
        http::Method::post, "/v1/orders",
        [](const http::Request& r, const http::RouteParams&, http::Respond respond) {
          engine::Command c;
          if (auto e = command_json::Parse(engine::CommandType::kPlaceOrder, r.body(), &c)) {
            respond(http::ErrorReply(*e));
            return;
          }
          respond(http::JsonReply(200, command_json::ToJson(c)));
        });
  }
  void Handle(http::Request&& request, http::Respond respond) override {
    router_.Dispatch(request, std::move(respond));
  }

 private:
  http::Router router_;
};

uint16_t ServerPort() {
  static FuzzHandler* handler = new FuzzHandler();
  static http::Server* server = [] {
    http::ServerOptions options;
    options.address = "127.0.0.1";
    options.max_body_bytes = 4 << 10;
    options.max_header_bytes = 4 << 10;
    options.idle_timeout = std::chrono::seconds(5);
    auto started = http::Server::Start(options, handler);
    if (!started.ok()) std::abort();
    return std::move(started).value().release();
  }();
  return server->port();
}

std::string Exchange(uint16_t port, const uint8_t* data, size_t size) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) std::abort();
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // libFuzzer's timers interrupt system calls: an interrupted connect goes on by itself.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int error = errno;
    if (error == EINTR) {
      pollfd p{fd, POLLOUT, 0};
      while (::poll(&p, 1, 10'000) < 0 && errno == EINTR) {
      }
      socklen_t len = sizeof(error);
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
    }
    if (error != 0) {
      errno = error;
      std::perror("connect to the server under test");
      std::abort();
    }
  }
  size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the server may close early (a limit broken): that is its right
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  // Closed with a reset once the answer is read, so that no client port waits in TIME_WAIT: at
  // hundreds of connections a second, the loopback's ephemeral ports ran out in minutes (connect
  // failed with EADDRNOTAVAIL, which this harness first took for a server fault).
  const linger reset{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  std::string answer;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) std::abort();  // the server neither answered nor closed
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return answer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string answer = Exchange(ServerPort(), data, size);
  if (!answer.empty() && answer.rfind("HTTP/1.1 ", 0) != 0) std::abort();
  const bool is_error = answer.size() > 9 && (answer[9] == '4' || answer[9] == '5');
  if (is_error && answer.find("\"error\"") == std::string::npos) std::abort();
  return 0;
}
