#include "audit/record.h"

#include <cstring>

#include "audit/log_format.h"
#include "util/byte_io.h"
#include "util/crc32c.h"

namespace dreichor::audit {

namespace {

void PutFixed(std::string* out, uint64_t v, size_t width) {
  for (size_t i = 0; i < width; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

template <typename R>
Digest Chain(const Digest& previous, const R& r) {
  char fixed[8 + 8 + 16 + 2];
  for (int i = 0; i < 8; ++i) fixed[i] = static_cast<char>((r.sequence >> (8 * i)) & 0xff);
  const auto ts = static_cast<uint64_t>(r.timestamp_ns);
  for (int i = 0; i < 8; ++i) fixed[8 + i] = static_cast<char>((ts >> (8 * i)) & 0xff);
  std::memcpy(fixed + 16, r.event_id.data(), 16);
  fixed[32] = static_cast<char>(r.type & 0xff);
  fixed[33] = static_cast<char>(r.type >> 8);
  // One hashing context per thread, reset for each record: no allocation per record.
  thread_local Sha256 h;
  h.Reset();
  h.Update(previous.data(), previous.size());
  h.Update(fixed, sizeof(fixed));
  h.Update(r.payload);
  return h.Finish();
}

uint64_t GetFixed(const char* p, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

}  // namespace

Digest ChainHash(const Digest& previous, const PendingRecord& r) { return Chain(previous, r); }
Digest ChainHash(const Digest& previous, const Record& r) { return Chain(previous, r); }

void AppendRecord(const PendingRecord& r, const Digest& chain, std::string* out) {
  const size_t start = out->size();
  const uint32_t length = static_cast<uint32_t>(kRecordFixedBodySize + r.payload.size());
  PutFixed(out, length, 4);
  PutFixed(out, 0, 4);  // CRC placeholder
  PutFixed(out, r.sequence, 8);
  PutFixed(out, static_cast<uint64_t>(r.timestamp_ns), 8);
  out->append(reinterpret_cast<const char*>(r.event_id.data()), 16);
  PutFixed(out, r.type, 2);
  out->append(reinterpret_cast<const char*>(chain.data()), chain.size());
  out->append(r.payload);
  // The CRC covers the length field and the body.
  uint32_t crc = crc32c::Value(out->data() + start, 4);
  crc = crc32c::Extend(crc, out->data() + start + kRecordPrefixSize, length);
  for (int i = 0; i < 4; ++i) (*out)[start + 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

ParseResult ParseRecord(std::string_view bytes, Record* record, size_t* consumed) {
  if (bytes.size() < kRecordPrefixSize) return ParseResult::kTruncated;
  const uint64_t length = GetFixed(bytes.data(), 4);
  if (length < kRecordFixedBodySize || length > kRecordFixedBodySize + kMaxPayloadSize) {
    return ParseResult::kBadLength;
  }
  if (bytes.size() - kRecordPrefixSize < length) return ParseResult::kTruncated;
  const auto stored_crc = static_cast<uint32_t>(GetFixed(bytes.data() + 4, 4));
  uint32_t crc = crc32c::Value(bytes.data(), 4);
  crc = crc32c::Extend(crc, bytes.data() + kRecordPrefixSize, length);
  if (crc != stored_crc) return ParseResult::kBadChecksum;
  const char* b = bytes.data() + kRecordPrefixSize;
  record->sequence = GetFixed(b, 8);
  record->timestamp_ns = static_cast<int64_t>(GetFixed(b + 8, 8));
  std::memcpy(record->event_id.data(), b + 16, 16);
  record->type = static_cast<uint16_t>(GetFixed(b + 32, 2));
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

}  // namespace dreichor::audit
