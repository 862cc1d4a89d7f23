// FileLog: the audit log as segment files in one directory (the audit-events volume), the
// embedded default backend. Format: docs/audit-log-format.md.
//
// Opening takes an exclusive lock on the directory (a second writer is refused), checks the
// LOG_HEADER and every segment's header and footer (so a missing or reordered segment is found
// at once), and reads the active (last) segment completely: a torn last record is truncated and
// reported; any other damage fails the open, naming the segment, the offset and the sequence.
// Sealed segments' records are checked whenever they are read (replay, verification).
//
// Append writes a whole batch with one write and one fdatasync (group commit). A failed write
// or sync poisons the log: it is never retried, and every later Append returns the first error.
//
//   FileLogOptions options;
//   RecoveryReport report;
//   auto log = FileLog::Open(Env::Default(), "/var/lib/dreichor/audit-events", options, &report);
//
// Thread-safe: appends are serialised, and readers may run while a writer appends.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "audit/file_log_reader.h"
#include "audit/segment_format.h"
#include "util/clock.h"
#include "util/env.h"
#include "util/random.h"

namespace dreichor::audit {

struct FileLogOptions {
  // A segment is sealed once it holds at least this many bytes (checked before each batch, so a
  // segment can exceed it by one batch).
  uint64_t segment_bytes = 64 << 20;
  // Open without the lock and without repairing anything (for operator tools).
  bool read_only = false;
  // Create a new log when the directory holds none.
  bool create_if_missing = true;
  // Stamps a new log's creation time (LOG_HEADER; informational).
  Clock* clock = Clock::Real();
  // Draws a new log's 16-byte id (a seeded source makes a simulated run reproducible).
  RandomSource* random = RandomSource::System();
};

// What recovery found and did at open.
struct RecoveryReport {
  bool created = false;         // a new, empty log was created
  bool truncated_tail = false;  // a torn last record was found (and cut, unless read-only)
  std::string segment;          // where it was
  uint64_t offset = 0;          // its offset in the segment
  uint64_t bytes_dropped = 0;   // how many bytes were beyond the last whole record
  uint64_t segments = 0;
  uint64_t last_sequence = 0;
};

class FileLog final : public AuditLog {
 public:
  static Result<std::unique_ptr<FileLog>> Open(Env* env, const std::string& dir,
                                               const FileLogOptions& options,
                                               RecoveryReport* report);
  ~FileLog() override;

  Status Append(const std::vector<PendingRecord>& batch) override;
  uint64_t last_sequence() const override;
  Digest last_chain() const override;
  Digest genesis() const override { return genesis_; }
  Result<std::unique_ptr<RecordReader>> ReadFrom(uint64_t from) override;
  std::string Describe() const override { return "file:" + dir_; }

  const LogHeader& header() const { return header_; }
  // The segments sealed now (all but the active one), in sequence order; each is complete,
  // synced and read-only, so it can be re-read while the log appends (audit/segment_scrub.h).
  std::vector<SegmentRef> SealedSegments() const;

 private:
  struct Segment {
    uint64_t first_sequence = 0;
    std::string path;
  };

  FileLog(Env* env, std::string dir, FileLogOptions options)
      : env_(env), dir_(std::move(dir)), options_(options) {}

  Status CreateNewLog();
  Status LoadSegments();
  Status CheckSealedSegments();
  Status RecoverActiveSegment(RecoveryReport* report);
  Status RedoInterruptedSegment(uint64_t size, RecoveryReport* report);
  Status OpenSegmentForAppend(const Segment& segment, uint64_t size);
  Status StartSegment(uint64_t first_sequence, const Digest& previous_chain);
  Status Roll();
  std::string PathOf(const std::string& name) const { return dir_ + "/" + name; }

  Env* env_;
  const std::string dir_;
  const FileLogOptions options_;
  std::unique_ptr<FileLock> lock_;
  LogHeader header_;
  Digest genesis_{};

  mutable std::mutex mu_;
  std::vector<Segment> segments_;         // GUARDED_BY(mu_), by first sequence
  std::unique_ptr<WritableFile> active_;  // GUARDED_BY(mu_); null when read-only
  uint64_t active_size_ = 0;              // GUARDED_BY(mu_)
  uint64_t last_sequence_ = 0;            // GUARDED_BY(mu_)
  Digest last_chain_{};                   // GUARDED_BY(mu_)
  uint64_t sealed_end_sequence_ = 1;      // first sequence after the sealed segments
  Digest sealed_end_chain_{};             // chain hash at the end of the sealed segments
  Status failed_;                         // GUARDED_BY(mu_): the first write or sync error
  std::string buffer_;                    // GUARDED_BY(mu_): the batch being written
};

}  // namespace dreichor::audit
