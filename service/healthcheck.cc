#include "service/healthcheck.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>

#include "config/env_config.h"
#include "util/socket_address.h"

namespace dreichor::service {

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

using Clock = std::chrono::steady_clock;

// Waits for `events` on fd until `deadline`; false on timeout or error.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return false;
  pollfd p{fd, events, 0};
  return poll(&p, 1, static_cast<int>(left)) == 1 && (p.revents & (events | POLLHUP)) != 0;
}

}  // namespace

ProbeResult ProbeHttp(const std::string& host, uint16_t port, const std::string& path,
                      std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  std::string target = host;
  if (target == "0.0.0.0") target = "127.0.0.1";
  if (target == "::") target = "::1";
  SocketAddress addr;
  if (!ParseSocketAddress(target, port, &addr)) return {0, "not an IP address: " + host};
  Fd fd(socket(addr.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return {0, std::string("socket: ") + strerror(errno)};
  if (connect(fd.get(), addr.get(), addr.length) != 0 && errno != EINPROGRESS) {
    return {0, std::string("connect: ") + strerror(errno)};
  }
  if (!WaitFor(fd.get(), POLLOUT, deadline)) return {0, "connect: timed out"};
  int err = 0;
  socklen_t err_len = sizeof(err);
  getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &err_len);
  if (err != 0) return {0, std::string("connect: ") + strerror(err)};
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: " + target + "\r\nConnection: close\r\n\r\n";
  if (send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return {0, std::string("send: ") + strerror(errno)};
  }
  std::string answer;
  char buf[512];
  while (answer.find("\r\n") == std::string::npos && answer.size() < 4096) {
    if (!WaitFor(fd.get(), POLLIN, deadline)) return {0, "no answer within the timeout"};
    const ssize_t n = recv(fd.get(), buf, sizeof(buf), 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  // "HTTP/1.1 200 OK"
  if (answer.size() < 12 || answer.compare(0, 5, "HTTP/") != 0) return {0, "not an HTTP answer"};
  return {std::atoi(answer.c_str() + 9), ""};
}

int HealthcheckCommand(const std::string& address, std::chrono::milliseconds timeout,
                       std::ostream& out, std::ostream& err) {
  auto hp = config::ParseHostPort(address);
  if (!hp || hp->port == 0) {
    err << "healthcheck: not host:port with a non-zero port: " << address << "\n";
    return 1;
  }
  const ProbeResult r = ProbeHttp(hp->host, hp->port, "/health/ready", timeout);
  if (r.http_status == 200) {
    out << "ready\n";
    return 0;
  }
  if (r.http_status == 0) {
    err << "not ready: " << r.error << "\n";
  } else {
    err << "not ready: /health/ready answered " << r.http_status << "\n";
  }
  return 1;
}

}  // namespace dreichor::service
