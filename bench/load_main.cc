// dreichor-load: drives order entry against a running dreichor-runtime over keep-alive HTTP/1.1
// connections and reports throughput and latency percentiles.
//
//   dreichor-load --address 127.0.0.1:8080 --connections 64 --duration 10            # closed loop
//   dreichor-load --address 127.0.0.1:8080 --connections 64 --duration 10 --rate 50000
//
// Closed loop (no --rate): every connection sends its next order as soon as the previous one is
// answered; this finds the most the runtime can take. Fixed rate: order i is due at
// start + i/rate whatever happens; latency is measured from that due time, not from when a free
// connection finally sent it, so a stall is charged to every order it delayed (the correction
// for coordinated omission). Each connection has up to --pipeline requests in flight (HTTP/1.1
// pipelining; 1 means none).
//
// With --seed, market 1 and funded accounts are created first through the admin API (the token
// is read from DREICHOR_ADMIN_TOKEN). Orders are IOC pairs that trade against each other's
// resting limit orders: every order is a real durable command through the whole path.
//
// The summary also names the highest sequence number the runtime acknowledged (a 200 answer). If
// the runtime goes away (the soak kills it), the run stops there, prints its summary and exits 3,
// so the caller can check that every acknowledged command survived the restart.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "config/env_config.h"
#include "testing/http_client.h"
#include "util/socket_address.h"

namespace {

using dreichor::ParseSocketAddress;
using dreichor::SocketAddress;
using Clock = std::chrono::steady_clock;
using Nanos = std::chrono::nanoseconds;

constexpr int kAccounts = 1000;

struct Connection {
  int fd = -1;
  std::deque<Clock::time_point> due;  // per request in flight: when it was due (or sent)
  std::string in;
  std::string out;
  size_t next_request = 0;
};

// Orders alternate: a resting sell limit at 100 from one account, then a buy IOC at 100 from
// another that takes it. Accounts rotate so that no account's orders pile up.
std::vector<std::string> BuildRequests(const std::string& host) {
  std::vector<std::string> out;
  for (int i = 0; i < 2 * kAccounts; ++i) {
    const int account = i % kAccounts + 1;
    const bool sell = i % 2 == 0;
    const std::string body = std::string(R"({"account":)") + std::to_string(account) +
                             R"(,"market":1,"side":")" + (sell ? "sell" : "buy") + R"(","kind":")" +
                             (sell ? "limit" : "ioc") + R"(","price":100,"quantity":1})";
    out.push_back("POST /v1/orders HTTP/1.1\r\nHost: " + host +
                  "\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  return out;
}

bool Seed(const std::string& host, uint16_t port) {
  const char* token = getenv("DREICHOR_ADMIN_TOKEN");
  if (token == nullptr) {
    fprintf(stderr, "--seed needs DREICHOR_ADMIN_TOKEN\n");
    return false;
  }
  dreichor::testing::TestHttpClient c(host, port);
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", std::string("Bearer ") + token}};
  auto r = c.Post("/v1/admin/markets",
                  R"({"market":1,"symbol":"LOAD-USD","base_asset":"LOAD","quote_asset":"USD",
                  "tick_size":1,"lot_size":1,"min_quantity":1,"max_quantity":1000000,
                  "maker_fee_bps":1,"taker_fee_bps":2})",
                  auth);
  if (r.status != 200) {
    fprintf(stderr, "seed: create market answered %d: %s\n", r.status, r.body.c_str());
    return false;
  }
  for (int a = 1; a <= kAccounts; ++a) {
    for (const char* asset : {"USD", "LOAD"}) {
      r = c.Post("/v1/admin/deposits",
                 R"({"account":)" + std::to_string(a) + R"(,"asset":")" + asset +
                     R"(","amount":1000000000000000})",
                 auth);
      if (r.status != 200) {
        fprintf(stderr, "seed: deposit answered %d: %s\n", r.status, r.body.c_str());
        return false;
      }
    }
  }
  return true;
}

int Connect(const SocketAddress& addr) {
  int fd = socket(addr.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, addr.get(), addr.length) != 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// One complete response at the front of `in`: its status, and removes it. 0 if incomplete.
// Raises *max_sequence to the "sequence" a 200 answer acknowledges.
int TakeResponse(std::string* in, uint64_t* max_sequence) {
  const size_t head_end = in->find("\r\n\r\n");
  if (head_end == std::string::npos || in->size() < 12) return 0;
  size_t length = 0;
  const char* cl = strcasestr(in->c_str(), "content-length:");
  if (cl != nullptr && cl < in->c_str() + head_end) length = strtoul(cl + 15, nullptr, 10);
  if (in->size() < head_end + 4 + length) return 0;
  const int status = atoi(in->c_str() + 9);
  const std::string_view body = std::string_view(*in).substr(head_end + 4, length);
  constexpr std::string_view kKey = "\"sequence\":";
  if (const size_t at = body.find(kKey); status == 200 && at != std::string_view::npos) {
    *max_sequence =
        std::max<uint64_t>(*max_sequence, strtoull(body.data() + at + kKey.size(), nullptr, 10));
  }
  in->erase(0, head_end + 4 + length);
  return status;
}

double Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p / 100.0 * sorted.size()));
  return static_cast<double>(sorted[i]) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Order-entry load generator for dreichor-runtime"};
  std::string address;
  int connections = 64;
  int pipeline = 1;
  double duration_s = 10, warmup_s = 1, rate = 0;
  bool seed = false;
  app.add_option("--address", address, "Runtime host:port")->required();
  app.add_option("--connections", connections, "Keep-alive connections")
      ->check(CLI::Range(1, 4096));
  app.add_option("--duration", duration_s, "Measured seconds")->check(CLI::Range(0.1, 3600.0));
  app.add_option("--warmup", warmup_s, "Unmeasured seconds first")->check(CLI::Range(0.0, 600.0));
  app.add_option("--pipeline", pipeline, "Requests in flight per connection")
      ->check(CLI::Range(1, 16));
  app.add_option("--rate", rate, "Offered orders per second (0: closed loop)");
  app.add_flag("--seed", seed, "Create the market and fund the accounts first");
  CLI11_PARSE(app, argc, argv);

  auto hp = dreichor::config::ParseHostPort(address);
  if (!hp || hp->port == 0) {
    fprintf(stderr, "--address: not host:port: %s\n", address.c_str());
    return 2;
  }
  SocketAddress addr;
  if (!ParseSocketAddress(hp->host, hp->port, &addr)) {
    fprintf(stderr, "--address: not an IP address: %s\n", hp->host.c_str());
    return 2;
  }
  if (seed && !Seed(hp->host, hp->port)) return 1;

  const std::vector<std::string> requests = BuildRequests(hp->host);
  std::vector<Connection> conns(static_cast<size_t>(connections));
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  for (size_t i = 0; i < conns.size(); ++i) {
    conns[i].fd = Connect(addr);
    if (conns[i].fd < 0) {
      fprintf(stderr, "connect %s: %s\n", address.c_str(), strerror(errno));
      return 1;
    }
    conns[i].next_request = i * 2 % requests.size();
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }

  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from =
      start + std::chrono::duration_cast<Nanos>(std::chrono::duration<double>(warmup_s));
  const Clock::time_point end =
      measure_from + std::chrono::duration_cast<Nanos>(std::chrono::duration<double>(duration_s));
  std::vector<int64_t> latencies;
  latencies.reserve(static_cast<size_t>(rate > 0 ? rate * duration_s * 1.1 : 4e6));
  std::deque<Clock::time_point> backlog;  // due times not yet sent (fixed rate)
  std::vector<size_t> idle;               // one entry per free pipeline slot
  for (int d = 0; d < pipeline; ++d) {
    for (size_t i = 0; i < conns.size(); ++i) idle.push_back(i);
  }
  uint64_t scheduled = 0, completed = 0, errors = 0, measured_ok = 0, max_sequence = 0;
  bool runtime_closed = false;
  char buf[65536];
  epoll_event events[256];

  // Queues a request on connection i; Flush sends what each connection has queued at once.
  auto send_on = [&](size_t i, Clock::time_point due) {
    Connection& c = conns[i];
    c.out += requests[c.next_request];
    c.next_request = (c.next_request + 1) % requests.size();
    c.due.push_back(due);
  };
  auto flush = [&] {
    for (Connection& c : conns) {
      if (c.out.empty()) continue;
      if (send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(c.out.size())) {
        fprintf(stderr, "send failed: %s\n", strerror(errno));
        exit(1);
      }
      c.out.clear();
    }
  };

  while (!runtime_closed) {
    const Clock::time_point now = Clock::now();
    if (now >= end) break;
    if (rate > 0) {
      // Everything due by now joins the backlog, sent as connections free up.
      for (;;) {
        const auto due = start + std::chrono::duration_cast<Nanos>(
                                     std::chrono::duration<double>(scheduled / rate));
        if (due > now) break;
        backlog.push_back(due);
        ++scheduled;
      }
      while (!backlog.empty() && !idle.empty()) {
        send_on(idle.back(), backlog.front());
        idle.pop_back();
        backlog.pop_front();
      }
    } else {
      while (!idle.empty()) {
        send_on(idle.back(), now);
        idle.pop_back();
      }
    }
    flush();
    // Never spin: the generator shares the machine with the runtime. Orders falling due while
    // it waits (at most 1 ms) are sent late, and that lateness counts in their latency.
    const int n = epoll_wait(ep, events, 256, 1);
    for (int e = 0; e < n; ++e) {
      const size_t i = events[e].data.u64;
      Connection& c = conns[i];
      const ssize_t got = recv(c.fd, buf, sizeof(buf), 0);
      if (got <= 0) {
        // The runtime went away (a soak kills it): report what it acknowledged until then.
        fprintf(stderr, "connection closed by the runtime\n");
        runtime_closed = true;
        break;
      }
      c.in.append(buf, static_cast<size_t>(got));
      const Clock::time_point done = Clock::now();
      while (int status = TakeResponse(&c.in, &max_sequence)) {
        ++completed;
        if (status != 200) ++errors;
        const Clock::time_point due = c.due.front();
        c.due.pop_front();
        if (due >= measure_from && status == 200) {
          ++measured_ok;
          latencies.push_back(std::chrono::duration_cast<Nanos>(done - due).count());
        }
        idle.push_back(i);
      }
    }
  }
  std::sort(latencies.begin(), latencies.end());
  const double throughput = static_cast<double>(measured_ok) / duration_s;
  printf(
      "{\"mode\":\"%s\",\"offered_rate\":%.0f,\"connections\":%d,\"pipeline\":%d,\"duration_s\":%."
      "1f,"
      "\"completed\":%llu,\"errors\":%llu,\"throughput_per_s\":%.0f,\"latency_ms\":{\"p50\":%.3f,"
      "\"p90\":%.3f,\"p99\":%.3f,\"p99_9\":%.3f,\"max\":%.3f},\"backlog_at_end\":%zu,"
      "\"max_acknowledged_sequence\":%llu,\"runtime_closed\":%s}\n",
      rate > 0 ? "fixed_rate" : "closed_loop", rate, connections, pipeline, duration_s,
      static_cast<unsigned long long>(completed), static_cast<unsigned long long>(errors),
      throughput, Percentile(latencies, 50), Percentile(latencies, 90), Percentile(latencies, 99),
      Percentile(latencies, 99.9), latencies.empty() ? 0.0 : latencies.back() / 1e6, backlog.size(),
      static_cast<unsigned long long>(max_sequence), runtime_closed ? "true" : "false");
  for (Connection& c : conns) close(c.fd);
  close(ep);
  if (runtime_closed) return 3;
  return errors == 0 ? 0 : 1;
}
