// Little-endian fixed-width encoding of integers and length-prefixed strings: the one place the
// project's file formats put integers into bytes and back.
//
// The free functions (leveldb's coding.h) encode into and decode from raw buffers, for hot paths
// that lay out a record in place (audit/record.cc). ByteWriter/ByteReader build on them.
//
// ByteWriter buffers what it is given and hands full buffers to a ByteSink, so the same
// serialisation code can fill a string or stream into a hash without materialising it.
// ByteReader reads from a byte view with a sticky failure flag: a read past the end returns zero
// and marks the reader failed, so a decoder can read a whole structure and check ok() once.
//
//   StringSink sink;
//   { ByteWriter w(&sink); w.U32(7); w.String("BTC"); }   // the destructor flushes
//   ByteReader r(sink.bytes());
//   uint32_t v = r.U32(); std::string s = r.String(16);
//   if (!r.ok()) ...
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "util/sha256.h"

namespace dreichor {

// Writes the `sizeof(T)` little-endian bytes of v at dst / appends them to out.
template <typename T>
inline void EncodeFixed(char* dst, T v) {
  static_assert(std::is_unsigned_v<T>);
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(dst, &v, sizeof(T));
  } else {
    for (size_t i = 0; i < sizeof(T); ++i) dst[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  }
}
template <typename T>
inline void AppendFixed(std::string* out, T v) {
  char b[sizeof(T)];
  EncodeFixed<T>(b, v);
  out->append(b, sizeof(T));
}
// Reads `sizeof(T)` little-endian bytes at p; the caller makes sure they are there.
template <typename T>
inline T DecodeFixed(const char* p) {
  static_assert(std::is_unsigned_v<T>);
  T v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, sizeof(T));
  } else {
    for (size_t i = 0; i < sizeof(T); ++i) {
      v |= static_cast<T>(static_cast<T>(static_cast<uint8_t>(p[i])) << (8 * i));
    }
  }
  return v;
}

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void Write(std::string_view bytes) = 0;
};

class StringSink final : public ByteSink {
 public:
  void Write(std::string_view bytes) override { bytes_.append(bytes); }
  const std::string& bytes() const { return bytes_; }
  std::string& bytes() { return bytes_; }

 private:
  std::string bytes_;
};

class Sha256Sink final : public ByteSink {
 public:
  void Write(std::string_view bytes) override { hash_.Update(bytes); }
  Sha256::Digest Finish() { return hash_.Finish(); }

 private:
  Sha256 hash_;
};

class ByteWriter {
 public:
  explicit ByteWriter(ByteSink* sink) : sink_(sink) {}
  ~ByteWriter() { Flush(); }
  ByteWriter(const ByteWriter&) = delete;
  ByteWriter& operator=(const ByteWriter&) = delete;

  void U8(uint8_t v) { Raw(&v, 1); }
  void U16(uint16_t v) { Fixed(v); }
  void U32(uint32_t v) { Fixed(v); }
  void U64(uint64_t v) { Fixed(v); }
  void I64(int64_t v) { Fixed(static_cast<uint64_t>(v)); }
  void Bytes(std::string_view b) { Raw(b.data(), b.size()); }
  // A u8 length followed by the bytes; strings longer than 255 bytes are a caller bug.
  void String(std::string_view s) {
    U8(static_cast<uint8_t>(s.size()));
    Bytes(s);
  }
  void Flush() {
    if (!buffer_.empty()) sink_->Write(buffer_);
    buffer_.clear();
  }

 private:
  static constexpr size_t kFlushAt = 64 * 1024;

  template <typename T>
  void Fixed(T v) {
    char b[sizeof(T)];
    EncodeFixed<T>(b, v);
    Raw(b, sizeof(T));
  }
  void Raw(const void* p, size_t n) {
    buffer_.append(static_cast<const char*>(p), n);
    if (buffer_.size() >= kFlushAt) Flush();
  }

  ByteSink* sink_;
  std::string buffer_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  uint8_t U8() { return static_cast<uint8_t>(Fixed<uint8_t>()); }
  uint16_t U16() { return Fixed<uint16_t>(); }
  uint32_t U32() { return Fixed<uint32_t>(); }
  uint64_t U64() { return Fixed<uint64_t>(); }
  int64_t I64() { return static_cast<int64_t>(Fixed<uint64_t>()); }
  std::string_view Bytes(size_t n) {
    if (!Need(n)) return {};
    std::string_view out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  // Reads a u8-length-prefixed string; a length above max_len fails the reader.
  std::string String(size_t max_len) {
    size_t n = U8();
    if (n > max_len) failed_ = true;
    if (failed_) return {};
    return std::string(Bytes(n));
  }

  bool ok() const { return !failed_; }
  void Fail() { failed_ = true; }
  size_t position() const { return pos_; }
  size_t remaining() const { return failed_ ? 0 : bytes_.size() - pos_; }

 private:
  bool Need(size_t n) {
    if (failed_ || bytes_.size() - pos_ < n) {
      failed_ = true;
      return false;
    }
    return true;
  }
  template <typename T>
  T Fixed() {
    if (!Need(sizeof(T))) return 0;
    const T v = DecodeFixed<T>(bytes_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }

  std::string_view bytes_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace dreichor
