#include "util/sha256.h"

// OpenSSL 3 marks the SHA-256 functions deprecated in favour of EVP, whose provider dispatch costs
// about 35 ns a hash here: 30% of hashing a 65-byte Merkle node, measured (docs/benchmarks.md).
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/sha.h>

#include <array>
#include <cstdlib>

namespace dreichor {

namespace {
// A failure inside OpenSSL's digest of memory buffers means the library is unusable: this is an
// invariant violation, not an input error, so the process stops.
void CheckOk(int rc) {
  if (rc != 1) std::abort();
}
SHA256_CTX* Context(unsigned char* storage) { return reinterpret_cast<SHA256_CTX*>(storage); }
}  // namespace

Sha256::Sha256() {
  static_assert(sizeof(SHA256_CTX) <= sizeof(ctx_) && alignof(SHA256_CTX) <= 8);
  Reset();
}

void Sha256::Reset() { CheckOk(SHA256_Init(Context(ctx_))); }

void Sha256::Update(const void* data, size_t size) {
  CheckOk(SHA256_Update(Context(ctx_), data, size));
}

Sha256::Digest Sha256::Finish() {
  Digest d;
  CheckOk(SHA256_Final(d.data(), Context(ctx_)));
  return d;
}

Sha256::Digest Sha256::Of(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return h.Finish();
}

std::string ToHex(const uint8_t* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

bool FromHex(std::string_view hex, uint8_t* out, size_t size) {
  // Each character's value, or 0xff for anything but 0-9 and a-f.
  static const auto kValue = [] {
    std::array<uint8_t, 256> t{};
    t.fill(0xff);
    for (int c = 0; c < 10; ++c) t['0' + c] = static_cast<uint8_t>(c);
    for (int c = 0; c < 6; ++c) t['a' + c] = static_cast<uint8_t>(10 + c);
    return t;
  }();
  if (hex.size() != 2 * size) return false;
  uint8_t bad = 0;
  for (size_t i = 0; i < size; ++i) {
    const uint8_t hi = kValue[static_cast<uint8_t>(hex[2 * i])];
    const uint8_t lo = kValue[static_cast<uint8_t>(hex[2 * i + 1])];
    bad |= static_cast<uint8_t>(hi | lo);
    out[i] = static_cast<uint8_t>(hi << 4 | (lo & 0x0f));
  }
  return (bad & 0xf0) == 0;
}

}  // namespace dreichor
