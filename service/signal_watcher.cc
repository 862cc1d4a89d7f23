#include "service/signal_watcher.h"

#include <pthread.h>
#include <unistd.h>

#include "service/exit_codes.h"

namespace dreichor::service {

namespace {
const char* SignalName(int sig) { return sig == SIGTERM ? "SIGTERM" : "SIGINT"; }
}  // namespace

SignalWatcher::SignalWatcher(JsonLog* log) : log_(log) {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  thread_ = std::thread([this] { Run(); });
}

SignalWatcher::~SignalWatcher() {
  quit_ = true;
  thread_.join();
}

std::string SignalWatcher::WaitForStop() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !first_signal_.empty(); });
  return first_signal_;
}

void SignalWatcher::Run() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point deadline = Clock::time_point::max();
  bool stopping = false;
  const timespec tick{0, 20'000'000};  // 20 ms: how late the deadline may be noticed
  while (!quit_) {
    const int sig = sigtimedwait(&set_, nullptr, &tick);
    if (sig == SIGTERM || sig == SIGINT) {
      if (!serving_) {
        log_->Warn("stopped before ready", {{"signal", SignalName(sig)}, {"exit_code", kExitOk}});
        _exit(kExitOk);
      }
      if (stopping) {
        log_->Error("second signal: exiting at once",
                    {{"signal", SignalName(sig)}, {"exit_code", kExitSecondSignal}});
        _exit(kExitSecondSignal);
      }
      stopping = true;
      deadline = Clock::now() + std::chrono::milliseconds(deadline_ms_.load());
      {
        std::lock_guard<std::mutex> guard(mu_);
        first_signal_ = SignalName(sig);
      }
      cv_.notify_all();
    }
    if (stopping && !done_ && Clock::now() >= deadline) {
      log_->Error("shutdown deadline passed: exiting",
                  {{"deadline_ms", deadline_ms_.load()}, {"exit_code", kExitShutdownDeadline}});
      _exit(kExitShutdownDeadline);
    }
  }
}

}  // namespace dreichor::service
