// EngineGate: a unix-socket HTTP front of the container engine's API for one environment.
//
// The gate alone holds the engine's (root-equivalent) socket. The environment's deploy agent
// talks to the gate's socket, which only that agent's group may open, exactly as it would talk to
// the engine: each request is judged by EnginePolicy (engine_policy.h) and, if allowed, forwarded
// to the engine and its answer relayed; if refused, it is answered 403 with the engine's error
// shape, {"message":"engine gate: <reason>"}, and logged with the reason.
//
// One request per connection (answered with Connection: close). Bounded: request header and body
// sizes, the time to read a request, open connections (one more is answered 503), and the engine's
// answer (64 MiB, ten minutes: a pull may be slow).
//
//   auto gate = EngineGate::Start(options, &log);   // bound and serving
//   gate.value()->Stop();
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "deploy/gate/engine_policy.h"
#include "util/json_log.h"
#include "util/status.h"

namespace dreichor::deploy {

struct GateOptions {
  std::string listen_socket;  // created (an old socket file is replaced), mode 0660
  int socket_group = -1;      // gid given the socket; -1: the process's own
  std::string engine_socket;
  GateScope scope;
  size_t max_connections = 16;
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds engine_timeout{600'000};
};

class EngineGate {
 public:
  static Result<std::unique_ptr<EngineGate>> Start(const GateOptions& options, JsonLog* log);
  ~EngineGate();
  // Stops accepting, then waits for the requests in progress.
  void Stop();
  // Connections accepted and not yet answered.
  size_t open_connections() const { return open_.load(); }

 private:
  EngineGate(GateOptions options, JsonLog* log, int listen_fd);
  void AcceptLoop();
  void Serve(int fd);

  const GateOptions options_;
  JsonLog* const log_;
  const int listen_fd_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> connections_;  // guarded by mu_
};

}  // namespace dreichor::deploy
