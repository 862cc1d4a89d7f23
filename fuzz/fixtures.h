// What the fuzz targets and the seed program (make_seeds.cc) must agree on: the fixed log header
// under which fuzz_audit_segment writes its segment, and the deploy agent's door in
// fuzz_access_token (its clock, issuer, audience and allowed identity). Seeds made with other
// values would stop at the first check instead of reaching deep.
#pragma once

#include <cstdint>

#include "audit/segment_format.h"

namespace dreichor::fuzz {

constexpr int64_t kLogCreatedAtNs = 1'700'000'000'000'000'000;

inline audit::LogHeader SegmentTargetLogHeader() {
  audit::LogHeader h;
  for (size_t i = 0; i < h.log_id.size(); ++i) h.log_id[i] = static_cast<uint8_t>(0xa0 + i);
  h.created_at_ns = kLogCreatedAtNs;
  return h;
}

constexpr int64_t kTokenNow = 1'800'000'000;  // unix seconds
inline constexpr char kIssuer[] = "https://team.cloudflareaccess.com";
inline constexpr char kAudience[] = "aud-tag";
inline constexpr char kIdentity[] = "ops@example.com";

}  // namespace dreichor::fuzz
