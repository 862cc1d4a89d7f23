#include "audit/segment_format.h"

#include <cstring>

#include "audit/log_format.h"
#include "util/byte_io.h"
#include "util/crc32c.h"
#include "util/sequence_file_name.h"

namespace dreichor::audit {

namespace {

// Appends the CRC-32C of everything in `out` so far.
void SealWithCrc(std::string* out) { AppendFixed<uint32_t>(out, crc32c::Value(*out)); }

Status CheckCrcAndMagic(std::string_view bytes, size_t size, const char* magic, const char* what) {
  if (bytes.size() != size) {
    return Status::Corruption(std::string(what) + ": " + std::to_string(bytes.size()) +
                              " bytes, expected " + std::to_string(size));
  }
  ByteReader r(bytes.substr(size - 4));
  if (crc32c::Value(bytes.substr(0, size - 4)) != r.U32()) {
    return Status::Corruption(std::string(what) + ": checksum mismatch");
  }
  if (bytes.substr(0, 4) != std::string_view(magic, 4)) {
    return Status::Corruption(std::string(what) + ": bad magic");
  }
  return Status::Ok();
}

template <typename T>
std::string_view View(const T& bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

std::string EncodeLogHeader(const LogHeader& h) {
  StringSink sink;
  {
    ByteWriter w(&sink);
    w.Bytes(std::string_view(kLogHeaderMagic, 4));
    w.U32(kFormatVersion);
    w.Bytes(View(h.log_id));
    w.I64(h.created_at_ns);
  }
  SealWithCrc(&sink.bytes());
  return std::move(sink.bytes());
}

Result<LogHeader> DecodeLogHeader(std::string_view bytes) {
  if (Status s = CheckCrcAndMagic(bytes, kLogHeaderSize, kLogHeaderMagic, kLogHeaderFile);
      !s.ok()) {
    return s;
  }
  ByteReader r(bytes.substr(4));
  if (uint32_t v = r.U32(); v != kFormatVersion) {
    return Status::Unsupported(std::string(kLogHeaderFile) + ": format version " +
                               std::to_string(v));
  }
  LogHeader h;
  std::memcpy(h.log_id.data(), r.Bytes(16).data(), 16);
  h.created_at_ns = r.I64();
  return h;
}

Digest GenesisHash(const LogHeader& h) {
  const std::string bytes = EncodeLogHeader(h);
  Sha256 hash;
  hash.Update(kGenesisLabel, sizeof(kGenesisLabel) - 1);
  hash.Update(bytes.data(), kLogHeaderSize - 4);
  return hash.Finish();
}

std::string EncodeSegmentHeader(const SegmentHeader& h) {
  StringSink sink;
  {
    ByteWriter w(&sink);
    w.Bytes(std::string_view(kSegmentMagic, 4));
    w.U32(kFormatVersion);
    w.Bytes(View(h.log_id));
    w.U64(h.first_sequence);
    w.Bytes(View(h.previous_chain));
  }
  SealWithCrc(&sink.bytes());
  return std::move(sink.bytes());
}

Result<SegmentHeader> DecodeSegmentHeader(std::string_view bytes) {
  if (Status s = CheckCrcAndMagic(bytes, kSegmentHeaderSize, kSegmentMagic, "segment header");
      !s.ok()) {
    return s;
  }
  ByteReader r(bytes.substr(4));
  if (uint32_t v = r.U32(); v != kFormatVersion) {
    return Status::Unsupported("segment header: format version " + std::to_string(v));
  }
  SegmentHeader h;
  std::memcpy(h.log_id.data(), r.Bytes(16).data(), 16);
  h.first_sequence = r.U64();
  std::memcpy(h.previous_chain.data(), r.Bytes(32).data(), 32);
  return h;
}

std::string EncodeSegmentFooter(const SegmentFooter& f) {
  StringSink sink;
  {
    ByteWriter w(&sink);
    w.Bytes(std::string_view(kFooterMagic, 4));
    w.U64(f.last_sequence);
    w.Bytes(View(f.last_chain));
  }
  SealWithCrc(&sink.bytes());
  return std::move(sink.bytes());
}

Result<SegmentFooter> DecodeSegmentFooter(std::string_view bytes) {
  if (Status s = CheckCrcAndMagic(bytes, kSegmentFooterSize, kFooterMagic, "segment footer");
      !s.ok()) {
    return s;
  }
  ByteReader r(bytes.substr(4));
  SegmentFooter f;
  f.last_sequence = r.U64();
  std::memcpy(f.last_chain.data(), r.Bytes(32).data(), 32);
  return f;
}

Status CheckSegmentHeader(const std::string& name, const SegmentHeader& h, uint64_t first_from_name,
                          uint64_t expected_first, const Digest& expected_previous_chain,
                          const EventId& log_id) {
  if (h.log_id != log_id) return Status::Corruption(name + ": belongs to another log");
  if (h.first_sequence != first_from_name) {
    return Status::Corruption(name + ": header says it starts at sequence " +
                              std::to_string(h.first_sequence));
  }
  if (h.first_sequence > expected_first) {
    return Status::Corruption("missing segment: records " + std::to_string(expected_first) + ".." +
                              std::to_string(h.first_sequence - 1) + " are absent before " + name);
  }
  if (h.first_sequence < expected_first) {
    return Status::Corruption(name + ": starts at sequence " + std::to_string(h.first_sequence) +
                              ", which an earlier segment already holds (up to " +
                              std::to_string(expected_first - 1) + ")");
  }
  if (h.previous_chain != expected_previous_chain) {
    return Status::Corruption(name + ": chain break at the segment boundary (sequence " +
                              std::to_string(h.first_sequence) + ")");
  }
  return Status::Ok();
}

std::string SegmentFileName(uint64_t first_sequence) {
  return SequenceFileName(kSegmentPrefix, first_sequence, kSegmentSuffix);
}

bool ParseSegmentFileName(const std::string& name, uint64_t* first_sequence) {
  return ParseSequenceFileName(name, kSegmentPrefix, kSegmentSuffix, first_sequence) &&
         *first_sequence >= 1;
}

}  // namespace dreichor::audit
