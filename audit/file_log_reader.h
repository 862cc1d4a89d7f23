// FileRecordReader: reads a FileLog's records in sequence order across segments, checking each
// segment's header, each record's length and checksum, sequence continuity, and each sealed
// segment's footer. Chain hashes are returned as stored; ChainChecker recomputes them.
//
// Holds one segment in memory at a time. Not thread-safe; independent of the FileLog after
// construction (it reads files only).
#pragma once

#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "util/env.h"

namespace dreichor::audit {

struct SegmentRef {
  uint64_t first_sequence = 0;
  std::string path;
};

class FileRecordReader final : public RecordReader {
 public:
  // Reads records from..until (inclusive) from `segments` (sorted by first sequence).
  FileRecordReader(Env* env, std::vector<SegmentRef> segments, uint64_t from, uint64_t until,
                   const EventId& log_id, const Digest& genesis);

  Result<bool> Next(Record* record) override;
  std::string Where() const override;

 private:
  Status Load(size_t index);
  Status FinishSegment();
  Status Damage(const std::string& what) const { return Status::Corruption(Where() + ": " + what); }

  Env* env_;
  std::vector<SegmentRef> segments_;
  uint64_t from_;
  uint64_t until_;
  EventId log_id_;
  Digest genesis_;

  size_t index_ = 0;  // current segment
  bool loaded_ = false;
  std::string bytes_;         // the current segment's contents
  size_t offset_ = 0;         // next record's offset in bytes_
  size_t record_offset_ = 0;  // offset of the record last returned or damaged
  size_t end_ = 0;            // where this segment's records end (before a footer)
  bool sealed_ = false;       // the segment has a footer
  uint64_t expected_ = 0;     // the next sequence number expected
  Digest last_chain_{};       // the stored chain hash of the last record parsed
};

}  // namespace dreichor::audit
