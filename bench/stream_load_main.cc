// dreichor-stream-load: many WebSocket subscribers on one thread, counting what they receive, for
// the record stream's and the market-data feed's benchmarks (scripts/stream_bench.sh).
//
//   dreichor-stream-load --address 127.0.0.1:8080 --path /v1/stream --subscribers 4 --duration 10
//   dreichor-stream-load --address 127.0.0.1:8090 --path /v1/market-data --subscribers 1000
//       --subscribe '{"op":"subscribe","channel":"depth","market":1}' --duration 10
//
// Each subscriber connects, optionally sends one text message, then reads until the end. Frames
// are JSON arrays (record-stream events, or market-data messages) and are counted by what they
// hold ("events"). Every depth update's prev_market_seq is checked against the subscriber's last
// market_seq (a mismatch is a gap: a message lost or dropped). At the end it prints one JSON
// line: frames and events in total and per second, gaps, and the subscribers that were closed or
// failed before the end (with the first reason).
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "config/env_config.h"

namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct Totals {
  uint64_t messages = 0;  // WebSocket messages
  uint64_t events = 0;    // record-stream events (records and heartbeats) or feed messages
  uint64_t bytes = 0;
  uint64_t gaps = 0;
  uint64_t ended_early = 0;  // closed or failed before the end
  uint64_t subscribed = 0;
  bool counting = false;  // after the warm-up
  std::string first_failure;
};

// The unsigned number after `"key":` in `text`, or -1.
int64_t NumberAfter(std::string_view text, std::string_view key) {
  const size_t at = text.find(key);
  if (at == std::string_view::npos) return -1;
  int64_t v = 0;
  size_t i = at + key.size();
  if (i >= text.size() || text[i] < '0' || text[i] > '9') return -1;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) v = v * 10 + (text[i] - '0');
  return v;
}

size_t Occurrences(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  Subscriber(net::io_context& io, Totals* totals, std::string host, std::string path,
             std::string subscribe, bool* stopping)
      : ws_(io),
        totals_(totals),
        host_(std::move(host)),
        path_(std::move(path)),
        subscribe_(std::move(subscribe)),
        stopping_(stopping) {}

  void Start(const tcp::endpoint& endpoint) {
    beast::get_lowest_layer(ws_).async_connect(endpoint, [self = shared_from_this()](
                                                             beast::error_code ec) {
      if (ec) return self->Fail("connect: " + ec.message());
      self->ws_.read_message_max(64 << 20);
      self->ws_.async_handshake(self->host_, self->path_, [self](beast::error_code e) {
        if (e) return self->Fail("handshake: " + e.message());
        if (self->subscribe_.empty()) return self->Subscribed();
        self->ws_.text(true);
        self->ws_.async_write(net::buffer(self->subscribe_), [self](beast::error_code w, size_t) {
          if (w) return self->Fail("subscribe: " + w.message());
          self->Subscribed();
        });
      });
    });
  }

  void Close() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 private:
  void Subscribed() {
    totals_->subscribed++;
    Read();
  }
  void Fail(const std::string& why) {
    if (*stopping_) return;
    totals_->ended_early++;
    if (totals_->first_failure.empty()) totals_->first_failure = why;
  }
  void Read() {
    buffer_.clear();
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Fail("read: " + ec.message());
      self->Tally(beast::buffers_to_string(self->buffer_.cdata()));
      self->Read();
    });
  }
  // A record-stream frame is an array of CloudEvents; a market-data frame an array of messages,
  // each starting {"channel": (or {"type": for answers to the client).
  void Tally(const std::string& text) {
    const std::string_view t(text);
    const bool stream = t.find("\"specversion\"") != std::string_view::npos;
    size_t messages = 0;
    if (stream) {
      messages = Occurrences(t, "\"specversion\"");
    } else {
      const std::string_view start = "{\"channel\":\"";
      for (size_t at = t.find(start); at != std::string_view::npos;) {
        const size_t next = t.find(start, at + start.size());
        const std::string_view one =
            t.substr(at, next == std::string_view::npos ? t.npos : next - at);
        ++messages;
        if (one.substr(start.size(), 6) == "depth\"") {
          const int64_t seq = NumberAfter(one, "\"market_seq\":");
          const int64_t prev = NumberAfter(one, "\"prev_market_seq\":");
          if (prev >= 0 && last_seq_ >= 0 && prev != last_seq_) totals_->gaps++;
          if (seq >= 0) last_seq_ = seq;
        }
        at = next;
      }
    }
    if (!totals_->counting) return;
    totals_->messages++;
    totals_->bytes += text.size();
    totals_->events += messages;
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  Totals* totals_;
  std::string host_, path_, subscribe_;
  bool* stopping_;
  int64_t last_seq_ = -1;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"WebSocket subscribers for the stream and market-data benchmarks"};
  std::string address, path = "/v1/stream", subscribe;
  int subscribers = 1;
  double duration = 10, warmup = 1;
  app.add_option("--address", address, "host:port")->required();
  app.add_option("--path", path, "the WebSocket path (with its query)");
  app.add_option("--subscribers", subscribers)->check(CLI::Range(1, 20000));
  app.add_option("--subscribe", subscribe, "a message each subscriber sends first");
  app.add_option("--duration", duration, "seconds counted");
  app.add_option("--warmup", warmup, "seconds before counting starts");
  CLI11_PARSE(app, argc, argv);
  const auto hp = dreichor::config::ParseHostPort(address);
  if (!hp) {
    fprintf(stderr, "not host:port: %s\n", address.c_str());
    return 2;
  }
  net::io_context io;
  Totals totals;
  bool stopping = false;
  const tcp::endpoint endpoint(net::ip::make_address(hp->host), hp->port);
  std::vector<std::shared_ptr<Subscriber>> all;
  for (int i = 0; i < subscribers; ++i) {
    all.push_back(std::make_shared<Subscriber>(io, &totals, address, path, subscribe, &stopping));
    all.back()->Start(endpoint);
  }
  using Clock = std::chrono::steady_clock;
  net::steady_timer timer(io);
  Clock::time_point counted_from;
  timer.expires_after(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup)));
  timer.async_wait([&](beast::error_code) {
    totals.counting = true;
    counted_from = Clock::now();
    timer.expires_after(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration)));
    timer.async_wait([&](beast::error_code) {
      totals.counting = false;
      stopping = true;
      for (auto& s : all) s->Close();
    });
  });
  io.run();
  const double seconds = std::chrono::duration<double>(Clock::now() - counted_from).count();
  printf(
      "{\"subscribers\":%d,\"subscribed\":%llu,\"seconds\":%.2f,\"messages\":%llu,"
      "\"events\":%llu,\"events_per_s\":%.0f,\"messages_per_s\":%.0f,\"mib_per_s\":%.1f,"
      "\"gaps\":%llu,\"ended_early\":%llu,\"first_failure\":\"%s\"}\n",
      subscribers, static_cast<unsigned long long>(totals.subscribed), seconds,
      static_cast<unsigned long long>(totals.messages),
      static_cast<unsigned long long>(totals.events), totals.events / duration,
      totals.messages / duration, totals.bytes / duration / (1 << 20),
      static_cast<unsigned long long>(totals.gaps),
      static_cast<unsigned long long>(totals.ended_early), totals.first_failure.c_str());
  return totals.gaps == 0 && totals.ended_early == 0 ? 0 : 1;
}
