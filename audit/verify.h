// VerifyLog: reads a whole audit log from sequence 1, checking every record's checksum (the
// backend's reader does that) and the entire hash chain. Reports the first break precisely:
// sequence number and where it is stored.
//
//   auto report = VerifyLog(log, [](uint64_t done, uint64_t total) { ... });
#pragma once

#include <cstdint>
#include <functional>

#include "audit/audit_log.h"

namespace dreichor::audit {

struct VerifyReport {
  uint64_t records = 0;
  uint64_t last_sequence = 0;
  Digest last_chain{};
};

// Called every `kProgressEvery` records and at the end.
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;
inline constexpr uint64_t kProgressEvery = 1 << 20;

Result<VerifyReport> VerifyLog(AuditLog& log, const ProgressFn& progress = nullptr);

}  // namespace dreichor::audit
