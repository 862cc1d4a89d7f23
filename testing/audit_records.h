// Test support for audit logs. Deterministic records: record n always has the same timestamp,
// event id, type and payload, so a test can regenerate what any sequence number must hold.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "audit/record.h"
#include "audit/segment_format.h"
#include "util/random.h"

namespace dreichor::audit {

inline PendingRecord TestRecord(uint64_t sequence, size_t payload_size = 40) {
  PendingRecord r;
  r.sequence = sequence;
  r.timestamp_ns = 1'700'000'000'000'000'000 + static_cast<int64_t>(sequence) * 1000;
  SeededRandom rng(sequence);
  rng.Fill(r.event_id.data(), r.event_id.size());
  r.type = static_cast<uint16_t>(16 + sequence % 4);
  r.payload.resize(payload_size);
  rng.Fill(r.payload.data(), r.payload.size());
  return r;
}

inline std::vector<PendingRecord> TestBatch(uint64_t first, size_t n, size_t payload_size = 40) {
  std::vector<PendingRecord> batch;
  for (size_t i = 0; i < n; ++i) batch.push_back(TestRecord(first + i, payload_size));
  return batch;
}

inline bool SameRecord(const Record& a, const PendingRecord& b) {
  return a.sequence == b.sequence && a.timestamp_ns == b.timestamp_ns && a.event_id == b.event_id &&
         a.type == b.type && a.payload == b.payload;
}

// Paths of a file log's segment files, in log order.
inline std::vector<std::string> SegmentFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    uint64_t first;
    if (ParseSegmentFileName(e.path().filename(), &first)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dreichor::audit
