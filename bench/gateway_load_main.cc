// dreichor-gateway-load: one load generator for three ways of entering orders, so that their
// figures compare (docs/benchmarks.md, "Gateway"):
//
//   --mode direct    pipelined HTTP/1.1 straight to the runtime (with its trading token)
//   --mode session   order-entry WebSocket sessions through the gateway (one signed logon each)
//   --mode rest      signed REST through the gateway (one Ed25519 signature per order)
//
//   dreichor-gateway-load --seed --runtime 127.0.0.1:8080 --connections 16
//   dreichor-gateway-load --mode session --gateway 127.0.0.1:9000 --connections 16 --window 16
//
// Every connection is a thread that keeps `window` orders in flight in rounds: it sends a whole
// window (one write for HTTP, one frame per order for a session), then reads the window's
// answers; latency is from a round's send to each answer. Connection i trades for account
// 5001+i with API key 5001+i: even connections rest sell limits at 100, odd ones send buy IOCs at
// 100 that take them, so every order is a real durable command. --seed creates the market,
// funds the accounts and registers the keys (through the runtime's admin API,
// DREICHOR_ADMIN_TOKEN). The keys' seeds are derived from their ids: benchmark keys, never real.
// Prints one JSON line: mode, orders, throughput_per_s, p50_us, p99_us, errors.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "config/env_config.h"
#include "gateway/authenticator.h"
#include "testing/http_client.h"
#include "util/base64.h"
#include "util/ed25519.h"
#include "util/sha256.h"

namespace {

using namespace dreichor;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using Steady = std::chrono::steady_clock;

constexpr uint64_t kFirstAccount = 5001;

std::unique_ptr<Ed25519PrivateKey> BenchKey(uint64_t id) {
  const Sha256::Digest d = Sha256::Of("dreichor-gateway-load key " + std::to_string(id));
  Ed25519Bytes seed;
  std::copy(d.begin(), d.end(), seed.begin());
  return Ed25519PrivateKey::FromSeed(seed).value();
}

std::string OrderBody(int connection) {
  const bool sell = connection % 2 == 0;
  return R"({"account":)" + std::to_string(kFirstAccount + connection) + R"(,"market":1,"side":")" +
         (sell ? "sell" : "buy") + R"(","kind":")" + (sell ? "limit" : "ioc") +
         R"(","price":100,"quantity":1})";
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Options {
  std::string mode = "session";
  config::HostPort runtime;
  config::HostPort gateway;
  int connections = 16;
  int window = 16;
  double duration = 10;
  std::string trading_token;
};

struct Totals {
  std::atomic<uint64_t> orders{0};
  std::atomic<uint64_t> errors{0};
  std::mutex mu;
  std::vector<int64_t> latencies_ns;
};

tcp::socket Connect(net::io_context& io, const config::HostPort& at) {
  tcp::socket socket(io);
  tcp::resolver resolver(io);
  net::connect(socket, resolver.resolve(at.host, std::to_string(at.port)));
  socket.set_option(tcp::no_delay(true));
  return socket;
}

// The HTTP modes: direct (trading token) and rest (a signature per order).
void RunHttp(const Options& o, int connection, Steady::time_point end, Totals* totals) {
  net::io_context io;
  const bool direct = o.mode == "direct";
  tcp::socket socket = Connect(io, direct ? o.runtime : o.gateway);
  const std::string body = OrderBody(connection);
  const uint64_t key_id = kFirstAccount + connection;
  auto key = BenchKey(key_id);
  int64_t last_ms = 0;
  beast::flat_buffer buffer;
  std::vector<int64_t> latencies;
  while (Steady::now() < end) {
    std::string wire;
    for (int i = 0; i < o.window; ++i) {
      wire += "POST /v1/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
      if (direct) {
        wire += "Authorization: Bearer " + o.trading_token + "\r\n";
      } else {
        int64_t ms = std::max(NowMs(), last_ms + 1);  // a fresh timestamp per signature
        last_ms = ms;
        const std::string ts = std::to_string(ms);
        wire += "DREICHOR-KEY: " + std::to_string(key_id) + "\r\nDREICHOR-TIMESTAMP: " + ts +
                "\r\nDREICHOR-SIGNATURE: " +
                Base64Encode(key->Sign(gateway::SigningPayload(ts, "POST", "/v1/orders", body))) +
                "\r\n";
      }
      wire += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    const auto sent = Steady::now();
    net::write(socket, net::buffer(wire));
    for (int i = 0; i < o.window; ++i) {
      bhttp::response<bhttp::string_body> r;
      bhttp::read(socket, buffer, r);
      latencies.push_back((Steady::now() - sent).count());
      if (r.result_int() == 200) {
        ++totals->orders;
      } else {
        ++totals->errors;
      }
    }
  }
  std::lock_guard<std::mutex> guard(totals->mu);
  totals->latencies_ns.insert(totals->latencies_ns.end(), latencies.begin(), latencies.end());
}

void RunSession(const Options& o, int connection, Steady::time_point end, Totals* totals) {
  net::io_context io;
  beast::websocket::stream<tcp::socket> ws(Connect(io, o.gateway));
  ws.handshake(o.gateway.host, "/v1/session");
  const uint64_t key_id = kFirstAccount + connection;
  auto key = BenchKey(key_id);
  const std::string ts = std::to_string(NowMs());
  const std::string nonce = "bench-" + std::to_string(key_id) + "-" + ts;
  ws.write(net::buffer(
      R"({"op":"logon","key_id":)" + std::to_string(key_id) + R"(,"timestamp":)" + ts +
      R"(,"nonce":")" + nonce + R"(","signature":")" +
      Base64Encode(key->Sign(gateway::SigningPayload(ts, "GET", "/v1/session", nonce))) + "\"}"));
  beast::flat_buffer buffer;
  ws.read(buffer);  // [{"type":"logon",...}]
  if (beast::buffers_to_string(buffer.data()).find("\"logon\"") == std::string::npos) {
    fprintf(stderr, "logon refused: %s\n", beast::buffers_to_string(buffer.data()).c_str());
    ++totals->errors;
    return;
  }
  buffer.consume(buffer.size());
  const std::string body = OrderBody(connection);
  uint64_t seq = 0;
  std::vector<int64_t> latencies;
  while (Steady::now() < end) {
    const auto sent = Steady::now();
    for (int i = 0; i < o.window; ++i) {
      ws.write(net::buffer(R"({"op":"place","seq":)" + std::to_string(++seq) + R"(,"order":)" +
                           body + "}"));
    }
    // Each frame is a JSON array of messages; answers and errors are counted in it.
    for (int answered = 0; answered < o.window;) {
      ws.read(buffer);
      const std::string frame = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      const auto now = Steady::now();
      for (size_t at = frame.find(R"({"type":")"); at != std::string::npos;
           at = frame.find(R"({"type":")", at + 1)) {
        const std::string_view type = std::string_view(frame).substr(at + 9, 6);
        if (type == "answer") {
          ++answered;
          latencies.push_back((now - sent).count());
          const size_t status = frame.find(R"("status":)", at);
          if (frame.compare(status + 9, 3, "200") == 0) {
            ++totals->orders;
          } else {
            ++totals->errors;
          }
        } else if (type == "error\"") {
          ++answered;
          ++totals->errors;
        }
      }
    }
  }
  std::lock_guard<std::mutex> guard(totals->mu);
  totals->latencies_ns.insert(totals->latencies_ns.end(), latencies.begin(), latencies.end());
}

// The benchmark keys' permissions: read,trade (the private stream flows), or trade only with
// DREICHOR_BENCH_TRADE_ONLY=1 (answers only).
std::string Permissions() { return getenv("DREICHOR_BENCH_TRADE_ONLY") ? "trade" : "read,trade"; }

bool Seed(const Options& o) {
  const char* token = getenv("DREICHOR_ADMIN_TOKEN");
  if (token == nullptr) {
    fprintf(stderr, "--seed needs DREICHOR_ADMIN_TOKEN\n");
    return false;
  }
  testing::TestHttpClient c(o.runtime.host, o.runtime.port);
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", std::string("Bearer ") + token}};
  std::vector<std::pair<std::string, std::string>> posts = {
      {"/v1/admin/markets", R"({"market":1,"symbol":"LOAD-USD","base_asset":"LOAD",
        "quote_asset":"USD","tick_size":1,"lot_size":1,"min_quantity":1,"max_quantity":1000000,
        "maker_fee_bps":1,"taker_fee_bps":2})"}};
  for (int i = 0; i < o.connections; ++i) {
    const uint64_t id = kFirstAccount + i;
    const std::string account = std::to_string(id);
    for (const char* asset : {"USD", "LOAD"}) {
      posts.push_back({"/v1/admin/deposits", R"({"account":)" + account + R"(,"asset":")" + asset +
                                                 R"(","amount":1000000000000000})"});
    }
    const Ed25519Bytes pub = BenchKey(id)->public_key();
    posts.push_back(
        {"/v1/admin/api-keys",
         R"({"key_id":)" + account + R"(,"account":)" + account + R"(,"permissions":")" +
             Permissions() + R"(",)" + R"("public_key":")" +
             Base64Encode(std::string(reinterpret_cast<const char*>(pub.data()), pub.size())) +
             "\"}"});
  }
  for (const auto& [path, body] : posts) {
    auto r = c.Post(path, body, auth);
    if (r.status != 200) {
      fprintf(stderr, "seed: %s answered %d: %s\n", path.c_str(), r.status, r.body.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Order entry load: direct to the runtime, or through the gateway"};
  Options o;
  std::string runtime = "127.0.0.1:8080", gateway_address = "127.0.0.1:9000";
  bool seed = false;
  app.add_option("--mode", o.mode)->check(CLI::IsMember({"direct", "session", "rest"}));
  app.add_option("--runtime", runtime);
  app.add_option("--gateway", gateway_address);
  app.add_option("--connections", o.connections)->check(CLI::Range(1, 1024));
  app.add_option("--window", o.window)->check(CLI::Range(1, 4096));
  app.add_option("--duration", o.duration)->check(CLI::Range(0.1, 3600.0));
  app.add_flag("--seed", seed, "Create the market, fund the accounts, register the keys, exit");
  CLI11_PARSE(app, argc, argv);
  o.runtime = *config::ParseHostPort(runtime);
  o.gateway = *config::ParseHostPort(gateway_address);
  if (seed) return Seed(o) ? 0 : 1;
  if (const char* t = getenv("DREICHOR_TRADING_TOKEN")) o.trading_token = t;

  Totals totals;
  const auto start = Steady::now();
  const auto end = start + std::chrono::duration_cast<Steady::duration>(
                               std::chrono::duration<double>(o.duration));
  std::vector<std::thread> threads;
  for (int i = 0; i < o.connections; ++i) {
    threads.emplace_back([&, i] {
      try {
        if (o.mode == "session") {
          RunSession(o, i, end, &totals);
        } else {
          RunHttp(o, i, end, &totals);
        }
      } catch (const std::exception& e) {
        fprintf(stderr, "connection %d: %s\n", i, e.what());
        ++totals.errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Steady::now() - start).count();
  std::sort(totals.latencies_ns.begin(), totals.latencies_ns.end());
  auto percentile_us = [&](double p) {
    if (totals.latencies_ns.empty()) return 0.0;
    const size_t i = std::min(totals.latencies_ns.size() - 1,
                              static_cast<size_t>(p / 100.0 * totals.latencies_ns.size()));
    return static_cast<double>(totals.latencies_ns[i]) / 1e3;
  };
  printf(
      "{\"mode\":\"%s\",\"connections\":%d,\"window\":%d,\"orders\":%llu,"
      "\"throughput_per_s\":%.0f,\"p50_us\":%.0f,\"p99_us\":%.0f,\"errors\":%llu}\n",
      o.mode.c_str(), o.connections, o.window,
      static_cast<unsigned long long>(totals.orders.load()), totals.orders.load() / seconds,
      percentile_us(50), percentile_us(99), static_cast<unsigned long long>(totals.errors.load()));
  return totals.errors.load() == 0 ? 0 : 1;
}
