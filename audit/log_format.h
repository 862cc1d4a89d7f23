// Constants of the audit log's on-disk format. The format is specified, with a worked example,
// in docs/audit-log-format.md; change both together, and only by adding a version.
//
// Numbers written to disk are frozen.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dreichor::audit {

inline constexpr uint32_t kFormatVersion = 1;

// LOG_HEADER: magic, version, log id, creation time, CRC.
inline constexpr char kLogHeaderMagic[4] = {'D', 'R', 'A', 'L'};
inline constexpr size_t kLogHeaderSize = 4 + 4 + 16 + 8 + 4;  // 36
// The genesis chain hash is SHA-256 of this label followed by the header's first 32 bytes.
inline constexpr char kGenesisLabel[] = "dreichor audit genesis v1";

// Segment header: magic, version, log id, first sequence, previous chain hash, CRC.
inline constexpr char kSegmentMagic[4] = {'D', 'R', 'S', 'G'};
inline constexpr size_t kSegmentHeaderSize = 4 + 4 + 16 + 8 + 32 + 4;  // 68

// Segment footer, written when a segment is sealed: magic, last sequence, last chain hash, CRC.
inline constexpr char kFooterMagic[4] = {'D', 'R', 'S', 'F'};
inline constexpr size_t kSegmentFooterSize = 4 + 8 + 32 + 4;  // 48

// Record: length (u32) and CRC-32C (u32), then a body of `length` bytes:
// sequence u64, timestamp i64, event id [16], type u16, chain hash [32], payload.
inline constexpr size_t kRecordPrefixSize = 8;
inline constexpr size_t kRecordFixedBodySize = 8 + 8 + 16 + 2 + 32;  // 66
inline constexpr size_t kMaxPayloadSize = 1 << 20;                   // 1 MiB

inline constexpr char kLogHeaderFile[] = "LOG_HEADER";
inline constexpr char kLockFile[] = "LOCK";
// Segment files are named "seg-" + first sequence as 20 decimal digits + ".log".
inline constexpr char kSegmentPrefix[] = "seg-";
inline constexpr char kSegmentSuffix[] = ".log";

}  // namespace dreichor::audit
