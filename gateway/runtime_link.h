// RuntimeLink: the gateway's persistent, pipelined HTTP/1.1 connections to the runtime.
//
// Requests are queued on one of `connections` lanes (lane = the API key's id modulo the count),
// so every request of one key travels on one connection and reaches the runtime's sequencer in
// the order it was sent (the runtime answers a connection's requests in order). Each lane writes
// whatever is queued in one write (up to kMaxBatch requests) while earlier answers are still
// being read, keeping up to kMaxInFlight requests on the wire: under load every write carries
// many requests and the connection is never idle. Every request carries the runtime's internal
// credential. All I/O is asynchronous on the link's own thread; every step has a timeout.
//
// A broken or timed-out connection fails the requests written on it with kIoError: for a command
// the outcome is then unknown to the gateway (the client checks by client_order_id). Requests
// still queued are sent on the next connection, which the lane opens at once. A full lane
// (kMaxQueued) refuses at once. `done` runs on the link's thread: it must not block.
#pragma once

#include <atomic>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/env_config.h"
#include "util/status.h"

namespace dreichor::gateway {

struct RuntimeAnswer {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

struct RuntimeLinkOptions {
  config::HostPort runtime;
  size_t connections = 4;
  std::string trading_token;  // "" sends none
  std::chrono::milliseconds timeout{10'000};
};

class RuntimeLink {
 public:
  static constexpr size_t kMaxBatch = 64;
  static constexpr size_t kMaxInFlight = 256;
  static constexpr size_t kMaxQueued = 8192;
  using Done = std::function<void(Result<RuntimeAnswer>)>;

  explicit RuntimeLink(RuntimeLinkOptions options);
  ~RuntimeLink();
  RuntimeLink(const RuntimeLink&) = delete;
  RuntimeLink& operator=(const RuntimeLink&) = delete;

  void Start();
  // Queues a request; false (and `done` not called) when the lane's queue is full or the link
  // is stopping.
  bool Send(uint64_t lane, boost::beast::http::verb method, std::string target, std::string body,
            std::string traceparent, Done done);
  // Fails whatever is queued or in flight with kIoError and joins the thread. Idempotent.
  void Stop();

  size_t connected_lanes() const { return connected_.load(); }
  uint64_t forwarded() const { return forwarded_.load(); }
  uint64_t failed() const { return failed_.load(); }

  struct Impl;
  struct Lane;

 private:
  std::unique_ptr<Impl> impl_;
  std::atomic<size_t> connected_{0};
  std::atomic<uint64_t> forwarded_{0};
  std::atomic<uint64_t> failed_{0};
};

}  // namespace dreichor::gateway
