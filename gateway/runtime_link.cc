#include "gateway/runtime_link.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <mutex>
#include <optional>

namespace dreichor::gateway {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr size_t kMaxAnswerBytes = 4 << 20;
constexpr std::chrono::milliseconds kReconnectDelay{100};

struct Pending {
  bhttp::verb method;
  std::string target;
  std::string body;
  std::string traceparent;
  RuntimeLink::Done done;
};

// The wire form of one request.
void AppendRequest(const std::string& host, const std::string& token, const Pending& p,
                   std::string* out) {
  const auto verb = bhttp::to_string(p.method);
  out->append(verb.data(), verb.size()).append(" ").append(p.target).append(" HTTP/1.1\r\nHost: ");
  out->append(host).append("\r\n");
  if (!token.empty()) out->append("Authorization: Bearer ").append(token).append("\r\n");
  if (!p.traceparent.empty()) out->append("traceparent: ").append(p.traceparent).append("\r\n");
  if (p.method == bhttp::verb::post) {
    out->append("Content-Type: application/json\r\nContent-Length: ")
        .append(std::to_string(p.body.size()))
        .append("\r\n\r\n")
        .append(p.body);
  } else {
    out->append("\r\n");
  }
}

}  // namespace

struct RuntimeLink::Impl {
  RuntimeLink* owner = nullptr;
  RuntimeLinkOptions options;
  std::string host_header;
  net::io_context io{1};
  net::executor_work_guard<net::io_context::executor_type> work{io.get_executor()};
  std::vector<std::unique_ptr<Lane>> lanes;
  std::thread thread;
  std::atomic<bool> stopping{false};
};

// One connection. Everything but `queue` runs on the link's thread.
struct RuntimeLink::Lane {
  Impl* impl = nullptr;
  std::mutex mu;
  std::deque<Pending> queue;  // GUARDED_BY(mu): not yet written
  bool kicked = false;        // GUARDED_BY(mu): a Pump is posted

  std::optional<beast::tcp_stream> stream;
  uint64_t generation = 0;  // of the connection: handlers of an older one do nothing
  bool connecting = false;
  bool writing = false;
  bool reading = false;
  std::deque<Pending> in_flight;  // written (or being written), in order
  size_t written = 0;             // of in_flight, how many are on the wire or being written
  std::string wire;
  beast::flat_buffer buffer;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser;

  // Takes what is queued and moves the connection forward.
  void Pump() {
    {
      std::lock_guard<std::mutex> guard(mu);
      kicked = false;
      while (!queue.empty() && in_flight.size() < kMaxInFlight) {
        in_flight.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    if (impl->stopping) return FailAll(Status::IoError("the gateway is stopping"));
    if (!stream) {
      if (!in_flight.empty()) Connect();
      return;
    }
    if (connecting) return;
    Write();
    Read();
  }

  void Connect() {
    if (connecting) return;
    connecting = true;
    stream.emplace(impl->io);
    auto resolver = std::make_shared<tcp::resolver>(impl->io);
    auto self = this;
    const uint64_t g = generation;
    resolver->async_resolve(
        impl->options.runtime.host, std::to_string(impl->options.runtime.port),
        [self, resolver, g](beast::error_code ec, tcp::resolver::results_type results) {
          if (g != self->generation) return;
          if (ec) return self->Broken("resolving the runtime: " + ec.message());
          self->stream->expires_after(self->impl->options.timeout);
          self->stream->async_connect(
              results, [self, g](beast::error_code e, const tcp::endpoint&) {
                if (g != self->generation) return;
                if (e) return self->Broken("connecting to the runtime: " + e.message());
                self->connecting = false;
                beast::error_code ignored;
                self->stream->socket().set_option(tcp::no_delay(true), ignored);
                ++self->impl->owner->connected_;
                self->Write();
                self->Read();
              });
        });
  }

  void Write() {
    if (writing || written == in_flight.size()) return;
    wire.clear();
    const size_t end = std::min(in_flight.size(), written + kMaxBatch);
    for (size_t i = written; i < end; ++i) {
      AppendRequest(impl->host_header, impl->options.trading_token, in_flight[i], &wire);
    }
    written = end;
    writing = true;
    stream->expires_after(impl->options.timeout);
    beast::net::async_write(*stream, net::buffer(wire),
                            [this, g = generation](beast::error_code ec, size_t) {
                              if (g != generation) return;
                              writing = false;
                              if (ec) return Broken("writing to the runtime: " + ec.message());
                              Pump();
                            });
  }

  void Read() {
    if (reading || written == 0) return;
    reading = true;
    parser.emplace();
    parser->body_limit(kMaxAnswerBytes);
    stream->expires_after(impl->options.timeout);
    bhttp::async_read(
        *stream, buffer, *parser, [this, g = generation](beast::error_code ec, size_t) {
          if (g != generation) return;
          reading = false;
          if (ec) return Broken("reading the runtime's answer: " + ec.message());
          bhttp::response<bhttp::string_body> r = parser->release();
          Pending done = std::move(in_flight.front());
          in_flight.pop_front();
          --written;
          ++impl->owner->forwarded_;
          const bool keep_alive = r.keep_alive();
          done.done(RuntimeAnswer{r.result_int(), std::string(r[bhttp::field::content_type]),
                                  std::move(r.body())});
          if (!keep_alive) return Broken("the runtime closed the connection");
          if (written == 0) stream->expires_never();
          Pump();
        });
  }

  // The connection is lost: what was written fails (its outcome is unknown); what was not is
  // sent again on a new connection.
  void Broken(const std::string& why) {
    ++generation;  // the closed connection's handlers, when they run, do nothing
    if (!connecting) --impl->owner->connected_;
    stream.reset();
    const Status status =
        Status::IoError(why + (written > 0 ? ": the outcome of the requests sent is unknown" : ""));
    for (size_t i = 0; i < written; ++i) {
      ++impl->owner->failed_;
      in_flight.front().done(status);
      in_flight.pop_front();
    }
    if (connecting) {  // nothing was written: these could not be sent either
      while (!in_flight.empty()) {
        ++impl->owner->failed_;
        in_flight.front().done(status);
        in_flight.pop_front();
      }
    }
    written = 0;
    writing = reading = connecting = false;
    buffer.clear();
    if (!in_flight.empty()) {  // not yet written: sent again once reconnected
      auto timer = std::make_shared<net::steady_timer>(impl->io, kReconnectDelay);
      timer->async_wait([this, timer](beast::error_code) { Pump(); });
    }
  }

  void FailAll(const Status& why) {
    std::deque<Pending> rest;
    {
      std::lock_guard<std::mutex> guard(mu);
      rest.swap(queue);
    }
    for (auto* list : {&in_flight, &rest}) {
      for (Pending& p : *list) {
        ++impl->owner->failed_;
        p.done(why);
      }
      list->clear();
    }
    written = 0;
    ++generation;
    if (stream && !connecting) --impl->owner->connected_;
    stream.reset();
  }
};

RuntimeLink::RuntimeLink(RuntimeLinkOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->owner = this;
  impl_->options = std::move(options);
  impl_->host_header =
      impl_->options.runtime.host + ":" + std::to_string(impl_->options.runtime.port);
  for (size_t i = 0; i < impl_->options.connections; ++i) {
    impl_->lanes.push_back(std::make_unique<Lane>());
    impl_->lanes.back()->impl = impl_.get();
  }
}

RuntimeLink::~RuntimeLink() { Stop(); }

void RuntimeLink::Start() {
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

bool RuntimeLink::Send(uint64_t lane_index, bhttp::verb method, std::string target,
                       std::string body, std::string traceparent, Done done) {
  if (impl_->stopping) return false;
  Lane* lane = impl_->lanes[lane_index % impl_->lanes.size()].get();
  bool kick = false;
  {
    std::lock_guard<std::mutex> guard(lane->mu);
    if (lane->queue.size() >= kMaxQueued) return false;
    lane->queue.push_back(Pending{method, std::move(target), std::move(body),
                                  std::move(traceparent), std::move(done)});
    kick = !lane->kicked;
    lane->kicked = true;
  }
  // One Pump per burst of Sends: it takes everything queued by the time it runs.
  if (kick) net::post(impl_->io, [lane] { lane->Pump(); });
  return true;
}

void RuntimeLink::Stop() {
  if (impl_->stopping.exchange(true)) return;
  if (impl_->thread.joinable()) {
    net::post(impl_->io, [this] {
      for (auto& lane : impl_->lanes) lane->FailAll(Status::IoError("the gateway is stopping"));
      impl_->work.reset();
      impl_->io.stop();
    });
    impl_->thread.join();
  } else {
    for (auto& lane : impl_->lanes) lane->FailAll(Status::IoError("the gateway is stopping"));
  }
}

}  // namespace dreichor::gateway
