// The agent's view of time: wall-clock timestamps for its history and a way to wait between
// readiness checks. Injected so that unit tests run the deploy steps without waiting.
#pragma once

#include <chrono>
#include <cstdint>
#include <thread>

namespace dreichor::deploy {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowUnixNanos() = 0;
  virtual void SleepFor(std::chrono::milliseconds d) = 0;

  int64_t NowUnixSeconds() { return NowUnixNanos() / 1'000'000'000; }
};

class SystemClock final : public Clock {
 public:
  int64_t NowUnixNanos() override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void SleepFor(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
};

}  // namespace dreichor::deploy
