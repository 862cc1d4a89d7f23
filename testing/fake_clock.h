// FakeClock: a Clock for tests that starts at a fixed time and moves only when told to or when
// something sleeps on it (a sleep returns at once, having advanced the time). Thread-safe.
#pragma once

#include <atomic>

#include "util/clock.h"

namespace dreichor::testing {

class FakeClock final : public Clock {
 public:
  // 2026-11-18T00:53:20Z, a fixed moment every test can build tokens and times around.
  static constexpr int64_t kStart = 1'795'000'000'000'000'000;

  explicit FakeClock(int64_t now_ns = kStart) : now_ns_(now_ns) {}
  int64_t NowUnixNanos() override { return now_ns_.load(); }
  void SleepFor(std::chrono::nanoseconds d) override { now_ns_ += d.count(); }

  void Set(int64_t now_ns) { now_ns_ = now_ns; }
  void Advance(std::chrono::nanoseconds d) { now_ns_ += d.count(); }

 private:
  std::atomic<int64_t> now_ns_;
};

}  // namespace dreichor::testing
