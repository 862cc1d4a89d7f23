// Audit records in memory, their byte encoding, and the hash chain.
//
// A record is what the sequencer stamped on one command (sequence number, timestamp, event id)
// plus the command's type code and encoded bytes. Its chain hash binds it to every record
// before it:
//   chain(n) = SHA-256(chain(n-1) || sequence || timestamp || event_id || type || payload)
// with integers little-endian, and chain(0) the log's genesis hash. Layout and worked example:
// docs/audit-log-format.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/sha256.h"
#include "util/status.h"

namespace dreichor::audit {

using Digest = Sha256::Digest;
using EventId = std::array<uint8_t, 16>;

// What the sequencer hands to the log: everything but the chain hash.
struct PendingRecord {
  uint64_t sequence = 0;
  int64_t timestamp_ns = 0;
  EventId event_id{};
  uint16_t type = 0;
  std::string payload;
};

struct Record {
  uint64_t sequence = 0;
  int64_t timestamp_ns = 0;
  EventId event_id{};
  uint16_t type = 0;
  Digest chain{};
  std::string payload;
};

// The chain hash of `r` following `previous`. `hasher` is reused to avoid reallocation.
Digest ChainHash(const Digest& previous, const PendingRecord& r);
Digest ChainHash(const Digest& previous, const Record& r);

// Appends the full encoding (length, CRC, body) of a record with the given chain hash.
void AppendRecord(const PendingRecord& r, const Digest& chain, std::string* out);

// The result of parsing one record from a byte range.
enum class ParseResult {
  kOk,
  kTruncated,    // fewer bytes remain than the record needs (or than a length field)
  kBadLength,    // the length field is outside what any record can have
  kBadChecksum,  // the CRC does not match
};

// Parses the record at the start of `bytes`; on kOk sets *record and *consumed.
ParseResult ParseRecord(std::string_view bytes, Record* record, size_t* consumed);

// "uuidv7 like" canonical text: 8-4-4-4-12 lower-case hex.
std::string EventIdToString(const EventId& id);
// The reverse of EventIdToString; nullopt for anything else.
std::optional<EventId> ParseEventId(std::string_view text);

}  // namespace dreichor::audit
