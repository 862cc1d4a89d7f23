#include "gateway/runtime_link.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace dreichor::gateway {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

struct RuntimeLink::Lane {
  std::mutex mu;
  std::condition_variable wake;
  std::deque<Pending> queue;  // GUARDED_BY(mu)
  bool stopping = false;      // GUARDED_BY(mu)
  std::thread thread;
};

namespace {

constexpr size_t kMaxAnswerBytes = 4 << 20;

// The wire form of one request.
void AppendRequest(const std::string& host, const std::string& token, bhttp::verb method,
                   const std::string& target, const std::string& body,
                   const std::string& traceparent, std::string* out) {
  const auto verb = bhttp::to_string(method);
  out->append(verb.data(), verb.size()).append(" ").append(target).append(" HTTP/1.1\r\nHost: ");
  out->append(host).append("\r\n");
  if (!token.empty()) out->append("Authorization: Bearer ").append(token).append("\r\n");
  if (!traceparent.empty()) out->append("traceparent: ").append(traceparent).append("\r\n");
  if (method == bhttp::verb::post) {
    out->append("Content-Type: application/json\r\nContent-Length: ")
        .append(std::to_string(body.size()))
        .append("\r\n\r\n")
        .append(body);
  } else {
    out->append("\r\n");
  }
}

void SetTimeouts(tcp::socket& socket, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// Connects within `timeout` (names resolved each time: the runtime's address may move).
Status Connect(net::io_context& io, tcp::socket& socket, const config::HostPort& runtime,
               std::chrono::milliseconds timeout) {
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(runtime.host, std::to_string(runtime.port), ec);
  if (ec) return Status::IoError("resolving the runtime " + runtime.host + ": " + ec.message());
  std::optional<boost::system::error_code> done;
  net::async_connect(socket, endpoints,
                     [&](const boost::system::error_code& e, const tcp::endpoint&) { done = e; });
  io.restart();
  io.run_for(timeout);
  if (!done) {
    socket.close(ec);
    io.restart();
    io.run();  // the cancelled handler
    return Status::IoError("connecting to the runtime timed out");
  }
  if (*done) return Status::IoError("connecting to the runtime: " + done->message());
  socket.set_option(tcp::no_delay(true), ec);
  return Status::Ok();
}

}  // namespace

RuntimeLink::RuntimeLink(RuntimeLinkOptions options) : options_(std::move(options)) {
  for (size_t i = 0; i < options_.connections; ++i) lanes_.push_back(std::make_unique<Lane>());
}

RuntimeLink::~RuntimeLink() { Stop(); }

void RuntimeLink::Start() {
  for (auto& lane : lanes_) lane->thread = std::thread([this, l = lane.get()] { Run(l); });
}

bool RuntimeLink::Send(uint64_t lane_index, bhttp::verb method, std::string target,
                       std::string body, std::string traceparent, Done done) {
  Lane& lane = *lanes_[lane_index % lanes_.size()];
  {
    std::lock_guard<std::mutex> guard(lane.mu);
    if (lane.stopping || lane.queue.size() >= kMaxQueued) return false;
    lane.queue.push_back(Pending{method, std::move(target), std::move(body),
                                 std::move(traceparent), std::move(done)});
  }
  lane.wake.notify_one();
  return true;
}

void RuntimeLink::Stop() {
  for (auto& lane : lanes_) {
    {
      std::lock_guard<std::mutex> guard(lane->mu);
      lane->stopping = true;
    }
    lane->wake.notify_all();
  }
  for (auto& lane : lanes_) {
    if (lane->thread.joinable()) lane->thread.join();
  }
}

void RuntimeLink::Run(Lane* lane) {
  net::io_context io;
  tcp::socket socket(io);
  boost::beast::flat_buffer buffer;
  bool open = false;
  auto fail = [this](std::vector<Pending>& batch, size_t from, const Status& why) {
    for (size_t i = from; i < batch.size(); ++i) {
      ++failed_;
      batch[i].done(why);
    }
  };
  for (;;) {
    std::vector<Pending> batch;
    {
      std::unique_lock<std::mutex> lock(lane->mu);
      lane->wake.wait(lock, [&] { return lane->stopping || !lane->queue.empty(); });
      if (lane->stopping) {
        std::vector<Pending> rest(std::make_move_iterator(lane->queue.begin()),
                                  std::make_move_iterator(lane->queue.end()));
        lane->queue.clear();
        lock.unlock();
        fail(rest, 0, Status::IoError("the gateway is stopping"));
        break;
      }
      while (!lane->queue.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(lane->queue.front()));
        lane->queue.pop_front();
      }
    }
    if (!open) {
      if (Status s = Connect(io, socket, options_.runtime, options_.timeout); !s.ok()) {
        fail(batch, 0, s);
        continue;
      }
      SetTimeouts(socket, options_.timeout);
      buffer.clear();
      open = true;
      ++connected_;
    }
    std::string wire;
    const std::string host = options_.runtime.host + ":" + std::to_string(options_.runtime.port);
    for (const Pending& p : batch) {
      AppendRequest(host, options_.trading_token, p.method, p.target, p.body, p.traceparent,
                    &wire);
    }
    boost::system::error_code ec;
    net::write(socket, net::buffer(wire), ec);
    size_t answered = 0;
    while (!ec && answered < batch.size()) {
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(kMaxAnswerBytes);
      bhttp::read(socket, buffer, parser, ec);
      if (ec) break;
      bhttp::response<bhttp::string_body> r = parser.release();
      RuntimeAnswer answer{r.result_int(), std::string(r[bhttp::field::content_type]),
                           std::move(r.body())};
      ++forwarded_;
      batch[answered++].done(std::move(answer));
      if (!r.keep_alive()) ec = bhttp::error::end_of_stream;
    }
    if (ec) {
      fail(batch, answered,
           Status::IoError("the connection to the runtime broke (" + ec.message() +
                               "): the request's outcome is unknown"));
      socket.close(ec);
      open = false;
      --connected_;
    }
  }
  if (open) {
    boost::system::error_code ignored;
    socket.close(ignored);
    --connected_;
  }
}

}  // namespace dreichor::gateway
