// Clock: the wall clock and waiting, as an interface, so that code which stamps times or waits
// (the sequencer, logs, metrics, the deploy agent's polling) can be run by tests on a fake one
// (testing/fake_clock.h) that never reads the real time and never really sleeps.
//
//   Clock* clock = Clock::Real();
//   int64_t now = clock->NowUnixNanos();
//   clock->SleepFor(std::chrono::milliseconds(500));
//
// Clock::Real() is thread-safe. The engine never reads a clock: its time is the command's stamp.
#pragma once

#include <chrono>
#include <cstdint>

namespace dreichor {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, nanoseconds since the Unix epoch.
  virtual int64_t NowUnixNanos() = 0;
  virtual void SleepFor(std::chrono::nanoseconds d) = 0;

  int64_t NowUnixSeconds() { return NowUnixNanos() / 1'000'000'000; }

  // The process's real clock (std::chrono::system_clock, std::this_thread::sleep_for).
  static Clock* Real();
};

}  // namespace dreichor
