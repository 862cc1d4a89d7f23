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

}  // namespace dreichor::audit
