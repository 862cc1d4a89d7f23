#include "audit/record.h"

#include <cstring>

#include "audit/log_format.h"
#include "util/byte_io.h"
#include "util/crc32c.h"

namespace dreichor::audit {

namespace {

template <typename R>
Digest Chain(const Digest& previous, const R& r) {
  char fixed[8 + 8 + 16 + 2];
  EncodeFixed<uint64_t>(fixed, r.sequence);
  EncodeFixed<uint64_t>(fixed + 8, static_cast<uint64_t>(r.timestamp_ns));
  std::memcpy(fixed + 16, r.event_id.data(), 16);
  EncodeFixed<uint16_t>(fixed + 32, r.type);
  // One hashing context per thread, reset for each record: no allocation per record.
  thread_local Sha256 h;
  h.Reset();
  h.Update(previous.data(), previous.size());
  h.Update(fixed, sizeof(fixed));
  h.Update(r.payload);
  return h.Finish();
}

}  // namespace

Digest ChainHash(const Digest& previous, const PendingRecord& r) { return Chain(previous, r); }
Digest ChainHash(const Digest& previous, const Record& r) { return Chain(previous, r); }

void AppendRecord(const PendingRecord& r, const Digest& chain, std::string* out) {
  const size_t start = out->size();
  const uint32_t length = static_cast<uint32_t>(kRecordFixedBodySize + r.payload.size());
  AppendFixed<uint32_t>(out, length);
  AppendFixed<uint32_t>(out, 0);  // CRC placeholder
  AppendFixed<uint64_t>(out, r.sequence);
  AppendFixed<uint64_t>(out, static_cast<uint64_t>(r.timestamp_ns));
  out->append(reinterpret_cast<const char*>(r.event_id.data()), 16);
  AppendFixed<uint16_t>(out, r.type);
  out->append(reinterpret_cast<const char*>(chain.data()), chain.size());
  out->append(r.payload);
  // The CRC covers the length field and the body.
  uint32_t crc = crc32c::Value(out->data() + start, 4);
  crc = crc32c::Extend(crc, out->data() + start + kRecordPrefixSize, length);
  EncodeFixed<uint32_t>(out->data() + start + 4, crc);
}

ParseResult ParseRecord(std::string_view bytes, Record* record, size_t* consumed) {
  if (bytes.size() < kRecordPrefixSize) return ParseResult::kTruncated;
  const uint64_t length = DecodeFixed<uint32_t>(bytes.data());
  if (length < kRecordFixedBodySize || length > kRecordFixedBodySize + kMaxPayloadSize) {
    return ParseResult::kBadLength;
  }
  if (bytes.size() - kRecordPrefixSize < length) return ParseResult::kTruncated;
  const auto stored_crc = DecodeFixed<uint32_t>(bytes.data() + 4);
  uint32_t crc = crc32c::Value(bytes.data(), 4);
  crc = crc32c::Extend(crc, bytes.data() + kRecordPrefixSize, length);
  if (crc != stored_crc) return ParseResult::kBadChecksum;
  const char* b = bytes.data() + kRecordPrefixSize;
  record->sequence = DecodeFixed<uint64_t>(b);
  record->timestamp_ns = static_cast<int64_t>(DecodeFixed<uint64_t>(b + 8));
  std::memcpy(record->event_id.data(), b + 16, 16);
  record->type = DecodeFixed<uint16_t>(b + 32);
  std::memcpy(record->chain.data(), b + 34, 32);
  record->payload.assign(b + kRecordFixedBodySize, length - kRecordFixedBodySize);
  *consumed = kRecordPrefixSize + length;
  return ParseResult::kOk;
}

std::string EventIdToString(const EventId& id) {
  std::string hex = ToHex(id.data(), id.size());
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::optional<EventId> ParseEventId(std::string_view text) {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
      text[23] != '-') {
    return std::nullopt;
  }
  std::string hex;
  for (const char c : text) {
    if (c != '-') hex.push_back(c);
  }
  EventId id{};
  if (!FromHex(hex, id.data(), id.size())) return std::nullopt;
  return id;
}

}  // namespace dreichor::audit
