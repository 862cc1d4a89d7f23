// Scrubbing a sealed segment: re-reading it from the storage device and checking everything it
// holds, long after it was written. Opening a log checks only sealed segments' headers and
// footers (startup time), and records are checked only when something reads them, so a bit that
// rots or a sector that becomes unreadable in an old segment would otherwise go unseen until the
// next full replay. runtime/audit_scrubber.h runs this in the background.
//
//   SegmentScrub scrub = ScrubSealedSegment(env, ref, log.header().log_id, previous_chain);
//   if (scrub.damaged) log(scrub.segment, scrub.offset, scrub.sequence, scrub.reason);
//
// The check: the file's cached pages are dropped first (so the read reaches the disk), then its
// header (this log, the first sequence its name says, continuing what came before), every
// record's length and checksum, the sequence numbers without a gap, every chain hash recomputed
// from its predecessor, and the footer (the last record's sequence and chain, at the very end).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "audit/file_log_reader.h"
#include "audit/record.h"
#include "util/env.h"

namespace dreichor::audit {

struct SegmentScrub {
  std::string segment;  // file name
  uint64_t bytes = 0;   // bytes read
  uint64_t records = 0;
  // Where the segment ends (from its footer when intact), to check the next one against.
  uint64_t last_sequence = 0;
  Digest last_chain{};

  bool damaged = false;
  uint64_t offset = 0;    // where the damage is (0 when the file could not be read at all)
  uint64_t sequence = 0;  // the sequence number expected there
  std::string reason;
};

// `expected_previous_chain` is where the segment must start: the chain hash at the end of the
// segment before it (or the log's genesis hash); the first sequence must follow from the
// segment's name. Without it (the segment before was damaged) the segment's own header is the
// starting point and only the segment itself is checked.
SegmentScrub ScrubSealedSegment(Env* env, const SegmentRef& segment, const EventId& log_id,
                                const std::optional<Digest>& expected_previous_chain);

// The part of a segment that can be copied while it may still be appended to: its header, then
// every whole record that verifies (length, checksum, sequence, chain from
// `expected_previous_chain`), up to the first that does not (a write in flight, a torn tail) or
// a footer (the segment turned out to be sealed).
struct SegmentPrefix {
  uint64_t bytes = 0;  // 0: not even the header is complete yet
  uint64_t records = 0;
  uint64_t last_sequence = 0;  // first sequence - 1 when no record is complete
  Digest last_chain{};
  bool sealed = false;  // ends with the footer its last record calls for
};

// Corruption when the header is complete but is not this log's, or does not continue
// `expected_previous_chain`; an I/O error when the file cannot be read. With `prefix_bytes`, the
// prefix itself is left there (the file is read once).
Result<SegmentPrefix> ScanSegmentPrefix(Env* env, const SegmentRef& segment, const EventId& log_id,
                                        const Digest& expected_previous_chain,
                                        std::string* prefix_bytes = nullptr);

}  // namespace dreichor::audit
