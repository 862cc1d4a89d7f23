// AuditLog: the interface every audit backend implements (the file segment store,
// audit/file_log.h; the PostgreSQL table, audit/postgres_log.h), and the one conformance suite in
// audit/audit_log_conformance.h checks.
//
// The log is append-only and gap-free: sequence numbers start at 1 and each batch continues the
// last one. Append returns only when the whole batch is durable; after a failed append the
// backend refuses all further appends (what reached the disk is unknown) and keeps returning the
// first error. Readers see the records that were durable when the reader was created.
//
//   std::vector<PendingRecord> batch = ...;          // sequences last_sequence()+1, +2, ...
//   if (Status s = log.Append(batch); !s.ok()) ...   // fatal for this log object
//   auto reader = log.ReadFrom(1);
//   Record r;
//   while (true) { auto more = reader.value()->Next(&r); if (!more.ok() || !more.value()) break; }
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "audit/record.h"
#include "util/status.h"

namespace dreichor::audit {

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Reads the next record. Returns true with *record set, false at the end, or an error (with
  // where the damage is) if the stored data fails a check.
  virtual Result<bool> Next(Record* record) = 0;
  // Where the record last returned (or the damage last found) is, for error messages.
  virtual std::string Where() const = 0;
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;

  virtual Status Append(const std::vector<PendingRecord>& batch) = 0;
  virtual uint64_t last_sequence() const = 0;
  // The chain hash of the last record, or the genesis hash of an empty log.
  virtual Digest last_chain() const = 0;
  virtual Digest genesis() const = 0;
  // Records with sequence >= from (>= 1), up to the last one durable now.
  virtual Result<std::unique_ptr<RecordReader>> ReadFrom(uint64_t from) = 0;
  // A short description of the backend and location, e.g. "file:/var/lib/dreichor/audit-events".
  virtual std::string Describe() const = 0;
};

}  // namespace dreichor::audit
