// TestHttpClient: a small blocking HTTP/1.1 client over one keep-alive connection, for tests.
// Every call has a timeout; a failure is reported as status 0 with the reason in `body`.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "util/socket_address.h"

namespace dreichor::testing {

struct TestResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  bool closed = false;                         // the server closed the connection after it
};

class TestHttpClient {
 public:
  TestHttpClient(std::string host, uint16_t port, int timeout_ms = 30'000)
      : host_(std::move(host)), port_(port), timeout_ms_(timeout_ms) {}
  ~TestHttpClient() { Close(); }
  TestHttpClient(const TestHttpClient&) = delete;
  TestHttpClient& operator=(const TestHttpClient&) = delete;

  TestResponse Get(const std::string& path) { return Send("GET", path, "", {}); }
  TestResponse Post(const std::string& path, const std::string& body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Content-Type", "application/json");
    return Send("POST", path, body, headers);
  }
  // Sends exactly these bytes and reads one response.
  TestResponse Raw(const std::string& bytes) {
    if (!Connect()) return Failure("connect: " + std::string(strerror(errno)));
    if (!WriteAll(bytes)) return Failure("send failed");
    return ReadResponse();
  }
  TestResponse Send(const std::string& method, const std::string& path, const std::string& body,
                    const std::vector<std::pair<std::string, std::string>>& headers) {
    std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + host_ + "\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    if (!body.empty() || method == "POST") {
      req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    req += "\r\n" + body;
    return Raw(req);
  }
  // Reads the next response on the connection (after Raw() sent several requests).
  TestResponse ReadNext() { return ReadResponse(); }
  bool Connect() {
    if (fd_ >= 0) return true;
    SocketAddress addr;
    if (!ParseSocketAddress(host_, port_, &addr)) return false;
    fd_ = socket(addr.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    timeval tv{timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd_, addr.get(), addr.length) != 0) {
      Close();
      return false;
    }
    return true;
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    buffer_.clear();
  }

 private:
  TestResponse Failure(const std::string& why) {
    Close();
    TestResponse r;
    r.body = why;
    r.closed = true;
    return r;
  }
  bool WriteAll(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  bool Fill() {
    char buf[16384];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }
  TestResponse ReadResponse() {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return Failure("connection closed before a response");
    }
    TestResponse r;
    const std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    if (head.size() < 12) return Failure("short status line");
    r.status = std::atoi(head.c_str() + 9);
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos < head.size()) {
      const size_t next = head.find("\r\n", pos + 2);
      const std::string line =
          head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(tolower(c));
        size_t v = colon + 1;
        while (v < line.size() && line[v] == ' ') ++v;
        r.headers[name] = line.substr(v);
      }
      pos = next;
    }
    const size_t length =
        r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (buffer_.size() < length) {
      if (!Fill()) return Failure("connection closed inside a body");
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    if (r.headers["connection"] == "close") {
      r.closed = true;
      Close();
    }
    return r;
  }

  std::string host_;
  uint16_t port_;
  int timeout_ms_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace dreichor::testing
