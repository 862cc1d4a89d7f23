// Encoding and checking of the audit log's fixed structures: the LOG_HEADER file, each
// segment's header and a sealed segment's footer (docs/audit-log-format.md).
#pragma once

#include <string>
#include <string_view>

#include "audit/record.h"
#include "util/status.h"

namespace dreichor::audit {

struct LogHeader {
  EventId log_id{};  // 16 random bytes naming this log
  int64_t created_at_ns = 0;
};
std::string EncodeLogHeader(const LogHeader& h);
Result<LogHeader> DecodeLogHeader(std::string_view bytes);
// SHA-256 of the genesis label and the header's bytes: the chain hash "before" record 1.
Digest GenesisHash(const LogHeader& h);

struct SegmentHeader {
  EventId log_id{};
  uint64_t first_sequence = 0;
  Digest previous_chain{};  // chain hash of record first_sequence - 1 (genesis for the first)
};
std::string EncodeSegmentHeader(const SegmentHeader& h);
Result<SegmentHeader> DecodeSegmentHeader(std::string_view bytes);

struct SegmentFooter {
  uint64_t last_sequence = 0;
  Digest last_chain{};
};
std::string EncodeSegmentFooter(const SegmentFooter& f);
// Fails unless `bytes` (exactly the footer's size) is a footer with a valid checksum.
Result<SegmentFooter> DecodeSegmentFooter(std::string_view bytes);

// Checks a decoded segment header against what its file name and the previous segment say:
// the same log, the first sequence of its name, and continuity with what came before it.
Status CheckSegmentHeader(const std::string& name, const SegmentHeader& h, uint64_t first_from_name,
                          uint64_t expected_first, const Digest& expected_previous_chain,
                          const EventId& log_id);

// "seg-00000000000000000001.log"; and back (false for names that are not segments).
std::string SegmentFileName(uint64_t first_sequence);
bool ParseSegmentFileName(const std::string& name, uint64_t* first_sequence);

}  // namespace dreichor::audit
