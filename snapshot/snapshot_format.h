// Constants of the snapshot file format, specified in docs/snapshot-format.md. Frozen once
// written: a change is a new version.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dreichor::snapshot {

inline constexpr char kMagic[4] = {'D', 'R', 'S', 'N'};
inline constexpr uint32_t kFormatVersion = 1;
// magic, version, sequence, chain hash, state hash, created at, raw size, compressed size.
inline constexpr size_t kHeaderSize = 4 + 4 + 8 + 32 + 32 + 8 + 8 + 8;  // 104
inline constexpr size_t kTrailerSize = 4;                               // CRC-32C
// The largest engine state a snapshot may claim to hold (a bound for hostile headers).
inline constexpr uint64_t kMaxRawSize = uint64_t{64} << 30;

// "snap-" + sequence as 20 decimal digits + ".snap"; ".tmp" while being written.
inline constexpr char kPrefix[] = "snap-";
inline constexpr char kSuffix[] = ".snap";
inline constexpr char kTempSuffix[] = ".tmp";
// Where snapshots that contradict the audit log are kept after an operator acknowledged the loss.
inline constexpr char kQuarantineDir[] = "quarantine";

}  // namespace dreichor::snapshot
