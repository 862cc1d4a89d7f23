// The reading half of replay, run on its own thread: reads records after a starting point,
// checks each one's chain hash, decodes its command, and hands the decoded commands over in
// batches through a bounded queue. The engine half (runtime/replay.cc) applies them on the
// calling thread, so reading and verifying overlap with applying while the engine itself stays
// single-threaded.
//
// Thread safety: Next() is called by one consumer thread; the producer thread is internal.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "audit/audit_log.h"
#include "engine/command.h"

namespace dreichor::runtime {

struct DecodedBatch {
  std::vector<engine::Command> commands;
  std::vector<int64_t> timestamps;
  uint64_t last_sequence = 0;
  audit::Digest last_chain{};
};

class ReplayPipeline {
 public:
  // Reads records start_sequence+1 .. until_sequence (stopping before any record stamped after
  // until_time_ns), chaining from start_chain.
  ReplayPipeline(audit::AuditLog& log, uint64_t start_sequence, const audit::Digest& start_chain,
                 uint64_t until_sequence, int64_t until_time_ns);
  ~ReplayPipeline();
  ReplayPipeline(const ReplayPipeline&) = delete;
  ReplayPipeline& operator=(const ReplayPipeline&) = delete;

  // The next batch: true with *batch set, false at the end, or the error that stopped reading.
  Result<bool> Next(DecodedBatch* batch);

 private:
  static constexpr size_t kBatchSize = 4096;
  static constexpr size_t kMaxQueued = 4;

  void Produce(audit::AuditLog& log, uint64_t start_sequence, audit::Digest start_chain,
               uint64_t until_sequence, int64_t until_time_ns);
  Status ReadAll(audit::AuditLog& log, uint64_t start_sequence, audit::Digest start_chain,
                 uint64_t until_sequence, int64_t until_time_ns);
  bool Push(DecodedBatch batch);  // false when the consumer has gone

  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<DecodedBatch> queue_;  // GUARDED_BY(mu_)
  bool done_ = false;               // GUARDED_BY(mu_): the producer has finished
  bool stopping_ = false;           // GUARDED_BY(mu_): the consumer has gone
  Status error_;                    // GUARDED_BY(mu_)
  std::thread producer_;
};

}  // namespace dreichor::runtime
