// A verified copy of a file audit log in a second place (a storage box, NFS, another disk), kept
// up to date while the runtime writes, and the way back from it (docs/audit-log-copy.md).
//
//   ShipOptions o{.audit_dir = "/opt/dreichor/prod/volumes/audit-events",
//                 .copy_dir = "/mnt/storagebox/dreichor-prod", .verify_copies = true};
//   auto report = ShipOnce(env, o, clock);   // one pass; run again and again
//   auto restored = RestoreLog(env, "/mnt/storagebox/dreichor-prod", "/opt/.../audit-events");
//
// One pass copies every sealed segment not yet in the copy (byte for byte, synced, verified
// record by record and chain against the log's own genesis before it takes its final name) and
// replaces the copy of the active segment's verified prefix. Every file reaches its name only
// by a rename after a sync, so a pass cut short at any point (power loss, SIGKILL) leaves a copy
// that the next pass continues without a gap or a duplicate. With `verify_copies` every copied
// segment is checked again first, and a damaged one is copied again.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "audit/record.h"
#include "util/clock.h"
#include "util/env.h"
#include "util/status.h"

namespace dreichor::audit {

// The copy's journal of shipped segments, one JSON object per line (docs/audit-log-copy.md).
inline constexpr char kShippedJournal[] = "SHIPPED";
// The copy of the active segment's verified prefix is named after the segment, plus this.
inline constexpr char kPartialSuffix[] = ".partial";

struct ShipOptions {
  std::string audit_dir;
  std::string copy_dir;
  bool verify_copies = false;  // re-check every segment already in the copy
  // Also set the immutable attribute on every sealed segment copied (util/immutable_file.h); a
  // file system or a process that cannot fails the pass, saying so.
  bool immutable = false;
};

struct ShipReport {
  uint64_t segments_copied = 0;    // sealed segments copied in this pass
  uint64_t segments_recopied = 0;  // of those, copies that were damaged and replaced
  uint64_t segments_checked = 0;   // copies re-verified (verify_copies)
  uint64_t bytes_copied = 0;
  uint64_t sealed_through = 0;   // last sequence the copy holds in sealed segments
  uint64_t partial_through = 0;  // last sequence including the active segment's prefix
};

// Corruption when the copy belongs to another log, or the source itself fails verification
// (naming the segment); an I/O error when either side cannot be read or written.
Result<ShipReport> ShipOnce(Env* env, const ShipOptions& options, Clock* clock);

struct RestoreReport {
  uint64_t segments = 0;  // files restored, the active one included
  uint64_t last_sequence = 0;
  Digest last_chain{};
};

// Rebuilds `audit_dir` (absent or empty: a restore never overwrites a log) from the copy in
// `copy_dir`, after verifying the whole copy: its header, every sealed segment in order, and the
// active segment's prefix. The result is a log the runtime opens and continues.
Result<RestoreReport> RestoreLog(Env* env, const std::string& copy_dir,
                                 const std::string& audit_dir);

// The copy's record of what PruneCopy deleted: records 1..through are gone from the copy, and
// `chain` is the chain hash of record `through`, from which the copy's first remaining segment
// continues (docs/audit-log-copy.md, "Pruning"). Its file: through:u64, chain:[32], crc32c:u32.
inline constexpr char kPrunedFile[] = "PRUNED";
struct PrunedMark {
  uint64_t through = 0;  // 0: nothing pruned (no file)
  Digest chain{};
};
Result<PrunedMark> ReadPrunedMark(Env* env, const std::string& copy_dir);

struct PruneReport {
  uint64_t segments_deleted = 0;
  uint64_t pruned_through = 0;  // records 1..pruned_through are no longer in the copy
  std::string stopped_because;  // why a segment at or before `through` was kept ("" if none)
};

// Deletes the copy's sealed segments, oldest first, that end at or before `through` and that
// `may_delete(first, last)` allows (an error Status is the refusal, kept in stopped_because).
// The copy must belong to the log whose genesis hash is `genesis`. The mark is written (synced)
// before each deletion, so a crash leaves at most a segment the mark already covers, which the
// next prune deletes; ShipOnce never ships a covered segment again, and RestoreLog refuses a
// pruned copy.
Result<PruneReport> PruneCopy(
    Env* env, const std::string& copy_dir, const Digest& genesis, uint64_t through,
    const std::function<Status(uint64_t first, uint64_t last)>& may_delete);

}  // namespace dreichor::audit
