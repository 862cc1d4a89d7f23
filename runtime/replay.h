// Replay: rebuilds the engine's state from the audit log, the source of truth.
//
// The newest snapshot that verifies is loaded first: its checksum and the state hash recomputed
// after loading (the snapshot by itself), then the log holding a record at its sequence with the
// same chain hash. A snapshot that fails a check of its own is skipped with a warning that says
// why, and the next older one (or the log's genesis) is used. But a snapshot that verifies by
// itself and that the log cannot reach (it is ahead of the log's end, or the log's chain hash
// at its sequence differs) proves that the log lost acknowledged records: that is a kDataLoss
// error, never a warning, and the operator decides (infra/runtime/STARTUP_CONTRACT.md). Then every
// later record is read, its chain hash checked, its command decoded and applied. The result is
// bit-identical to the state of the process that wrote the log (same state hash).
//
// Reading, checksums, chain checks and decoding run on a second thread (runtime/
// replay_pipeline.h) while the engine applies on the calling thread.
//
//   ReplayOptions options;
//   options.progress = [](uint64_t done, uint64_t total) { ... };
//   auto state = Replay(log, &snapshots, options);
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "engine/engine.h"
#include "snapshot/snapshot_store.h"

namespace dreichor::runtime {

struct ReplayOptions {
  // Stop after this sequence number / before the first record stamped later than this time.
  uint64_t until_sequence = std::numeric_limits<uint64_t>::max();
  int64_t until_time_ns = std::numeric_limits<int64_t>::max();
  // Called with (records applied, records to apply) each time at least `progress_every` more
  // records have been applied (checked after each batch of up to 4096), and at the end; `done`
  // strictly increases between calls and the last call has done == total.
  std::function<void(uint64_t done, uint64_t total)> progress;
  uint64_t progress_every = 1 << 20;
};

struct ReplayResult {
  std::unique_ptr<engine::Engine> engine;
  uint64_t last_sequence = 0;      // the last record applied
  audit::Digest last_chain{};      // its chain hash (genesis when none)
  int64_t last_timestamp_ns = 0;   // its timestamp (0 when none)
  uint64_t snapshot_sequence = 0;  // where replay started (0: genesis)
  uint64_t records_replayed = 0;
  std::vector<std::string> warnings;  // skipped snapshots and why
};

// A snapshot checked against the log and loaded (see the header comment for the checks).
struct VerifiedSnapshot {
  std::unique_ptr<engine::Engine> engine;
  uint64_t sequence = 0;
  audit::Digest chain{};
  int64_t timestamp_ns = 0;  // of the log record at `sequence`
};

// Checks one snapshot file by itself and against the log, and loads it; the error says why it
// cannot be used: kDataLoss when the snapshot verifies but the log cannot reach it (see above),
// another code when the snapshot itself is unusable. Snapshots whose record is later than
// `until_time_ns` are refused.
Result<VerifiedSnapshot> LoadVerifiedSnapshot(
    audit::AuditLog& log, const snapshot::SnapshotStore& store, const snapshot::SnapshotFile& file,
    int64_t until_time_ns = std::numeric_limits<int64_t>::max());

// The newest snapshot that verifies (and respects the options' limits), or the log's genesis
// (an empty engine at sequence 0) when there is none or `snapshots` is null. Each snapshot
// skipped adds a warning saying why. A snapshot that contradicts the log stops the search with
// kDataLoss naming it.
Result<VerifiedSnapshot> BestStart(audit::AuditLog& log, const snapshot::SnapshotStore* snapshots,
                                   const ReplayOptions& options,
                                   std::vector<std::string>* warnings);

// Applies the records after `start` (up to the options' limits). No warnings are added.
Result<ReplayResult> ReplayFrom(audit::AuditLog& log, VerifiedSnapshot start,
                                const ReplayOptions& options);

// BestStart then ReplayFrom. `snapshots` may be null (replay from genesis).
Result<ReplayResult> Replay(audit::AuditLog& log, const snapshot::SnapshotStore* snapshots,
                            const ReplayOptions& options);

}  // namespace dreichor::runtime
