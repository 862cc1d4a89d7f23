// CatchUpReader: the records of the audit log from a given sequence, each with the outcome and
// events it had, for a record-stream subscriber that starts behind the live tail.
//
// Outcomes are not stored in the log: they are the engine's, so the reader replays. Open builds
// an engine at `from - 1` (the newest snapshot at or before it that verifies, then the log), and
// each record read is chain-checked, applied, and encoded as the live stream encodes it
// (stream/cloudevents.h, CommittedEventJson); by determinism the outcome is the one the runtime
// answered.
//
//   auto reader = CatchUpReader::Open(log, &snapshots, from, source);
//   reader->ReadAvailable([&](std::string event, uint64_t sequence) { ...; return keep_going; });
//   reader->next();   // the first sequence not yet read
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "audit/audit_log.h"
#include "engine/engine.h"
#include "snapshot/snapshot_store.h"
#include "util/status.h"

namespace dreichor::stream {

class CatchUpReader {
 public:
  // kInvalidArgument when `from` is 0 or beyond the log's next record; the replay's error
  // otherwise.
  static Result<std::unique_ptr<CatchUpReader>> Open(audit::AuditLog& log,
                                                     const snapshot::SnapshotStore* snapshots,
                                                     uint64_t from, std::string source);

  // Reads every record durable now from next() on, calling `emit` with each encoded event; stops
  // early (ok) when `emit` returns false. A chain that does not link is kDataLoss.
  using Emit = std::function<bool(std::string event, uint64_t sequence)>;
  Status ReadAvailable(const Emit& emit);

  uint64_t next() const { return next_; }

 private:
  CatchUpReader(audit::AuditLog& log, std::unique_ptr<engine::Engine> engine, uint64_t next,
                const audit::Digest& chain, std::string source)
      : log_(log),
        engine_(std::move(engine)),
        next_(next),
        chain_(chain),
        source_(std::move(source)) {}

  audit::AuditLog& log_;
  std::unique_ptr<engine::Engine> engine_;
  uint64_t next_;
  audit::Digest chain_;
  std::string source_;
};

}  // namespace dreichor::stream
