// SignalWatcher: owns SIGTERM and SIGINT for the whole process (blocks them, then takes them
// on its own thread with sigtimedwait), and enforces the shutdown contract's timing:
//
//   - before the runtime serves, a signal ends the process at once with exit code 0 (startup
//     has acknowledged nothing, and everything it wrote is crash-safe);
//   - while serving, the first signal wakes WaitForStop() and starts the shutdown deadline;
//   - a second signal exits at once (kExitSecondSignal);
//   - if Done() has not been called when the deadline passes, the process exits
//     (kExitShutdownDeadline). Every acknowledged command is already durable, so this is safe.
//
// Construct it before any other thread so that every thread inherits the blocked mask.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <string>
#include <thread>

#include "util/json_log.h"

namespace dreichor::service {

class SignalWatcher {
 public:
  explicit SignalWatcher(JsonLog* log);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  void SetDeadline(std::chrono::milliseconds deadline) { deadline_ms_ = deadline.count(); }
  void SetServing() { serving_ = true; }
  // Blocks until the first signal; returns its name ("SIGTERM" or "SIGINT").
  std::string WaitForStop();
  // Wakes WaitForStop with `reason`, as a first signal would (without the deadline): the
  // process decided to stop by itself (a follower that diverged).
  void StopFromWithin(const std::string& reason) {
    {
      std::lock_guard<std::mutex> guard(mu_);
      if (first_signal_.empty()) first_signal_ = reason;
    }
    cv_.notify_all();
  }
  // Shutdown finished: the deadline no longer applies.
  void Done() { done_ = true; }

 private:
  void Run();

  JsonLog* log_;
  sigset_t set_;
  std::atomic<int64_t> deadline_ms_{10'000};
  std::atomic<bool> serving_{false};
  std::atomic<bool> done_{false};
  std::atomic<bool> quit_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  std::string first_signal_;  // GUARDED_BY(mu_); empty until the first signal
  std::thread thread_;
};

}  // namespace dreichor::service
