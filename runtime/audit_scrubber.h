// AuditScrubber: a background thread that re-reads the file log's sealed segments from the disk
// (audit/segment_scrub.h), one after another at a bounded rate, and starts over after a pause:
// latent damage in old segments is found while the runtime runs, not at the next replay.
//
// It reads only sealed segments (complete, synced, read-only), never takes the log's lock and
// never touches the sequencer; it repairs nothing and never stops the runtime. What it finds
// goes to the observer (metrics, an error-level log line); an alert wakes an operator.
//
//   AuditScrubber scrubber(env, file_log, ScrubOptions{.bytes_per_second = 8 << 20}, &metrics);
//   scrubber.Start();
//   ...
//   scrubber.Stop();  // also on destruction
//
// Thread-safe: Start and Stop from one thread; the observer is called on the scrub thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "audit/file_log.h"
#include "audit/segment_scrub.h"
#include "util/env.h"

namespace dreichor::runtime {

class ScrubObserver {
 public:
  virtual ~ScrubObserver() = default;
  // One sealed segment was checked (damaged or not).
  virtual void OnSegmentScrubbed(const audit::SegmentScrub& result) = 0;
  // A pass over every segment sealed when it began has ended.
  virtual void OnScrubPassComplete(uint64_t segments, uint64_t damaged) = 0;
};

struct ScrubOptions {
  uint64_t bytes_per_second = 8 << 20;  // > 0; the reads are paced to stay below it
  std::chrono::milliseconds pause_between_passes{60'000};
};

// How long to wait after reading `bytes` in `elapsed` so that the average stays at or below
// `bytes_per_second` (zero when the read was already slow enough).
std::chrono::nanoseconds ScrubPace(uint64_t bytes, uint64_t bytes_per_second,
                                   std::chrono::nanoseconds elapsed);

class AuditScrubber {
 public:
  AuditScrubber(Env* env, audit::FileLog* log, ScrubOptions options, ScrubObserver* observer);
  ~AuditScrubber();
  AuditScrubber(const AuditScrubber&) = delete;
  AuditScrubber& operator=(const AuditScrubber&) = delete;

  void Start();
  // Interrupts a pause and waits for the segment being read, if any. Idempotent.
  void Stop();

 private:
  void Run();
  // One pass; false when stopped during it.
  bool Pass();
  // Waits `d` unless stopped first; false when stopped.
  bool Pause(std::chrono::nanoseconds d);

  Env* const env_;
  audit::FileLog* const log_;
  const ScrubOptions options_;
  ScrubObserver* const observer_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace dreichor::runtime
