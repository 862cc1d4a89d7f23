// RuntimeLink: the gateway's persistent, pipelined HTTP/1.1 connections to the runtime.
//
// Requests are queued on one of `connections` lanes (lane = the API key's id modulo the count),
// so every request of one key travels on one connection and reaches the runtime's sequencer in
// the order it was sent (the runtime answers a connection's requests in order). Each lane's
// thread sends everything queued (up to kMaxBatch) in one write, then reads the answers in
// order; under load every write carries many requests. Every request carries the runtime's
// internal credential.
//
// A broken connection fails the requests written on it with kIoError: for a command the
// outcome is then unknown to the gateway (the client checks by client_order_id); the lane
// connects again for the next batch. A full lane (kMaxQueued) refuses at once. `done` runs on
// the lane's thread: it must not block.
#pragma once

#include <atomic>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
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
  static constexpr size_t kMaxQueued = 8192;
  using Done = std::function<void(Result<RuntimeAnswer>)>;

  explicit RuntimeLink(RuntimeLinkOptions options);
  ~RuntimeLink();
  RuntimeLink(const RuntimeLink&) = delete;
  RuntimeLink& operator=(const RuntimeLink&) = delete;

  void Start();
  // Queues a request; false (and `done` not called) when the lane's queue is full.
  bool Send(uint64_t lane, boost::beast::http::verb method, std::string target, std::string body,
            std::string traceparent, Done done);
  // Fails whatever is queued with kIoError and joins the lanes. Idempotent.
  void Stop();

  size_t connected_lanes() const { return connected_.load(); }
  uint64_t forwarded() const { return forwarded_.load(); }
  uint64_t failed() const { return failed_.load(); }

 private:
  struct Pending {
    boost::beast::http::verb method;
    std::string target;
    std::string body;
    std::string traceparent;
    Done done;
  };
  struct Lane;
  void Run(Lane* lane);

  const RuntimeLinkOptions options_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::atomic<size_t> connected_{0};
  std::atomic<uint64_t> forwarded_{0};
  std::atomic<uint64_t> failed_{0};
};

}  // namespace dreichor::gateway
