// SHA-256 (FIPS 180-4) through OpenSSL's SHA-256 functions.
//
//   Sha256 h;
//   h.Update(bytes);
//   Sha256::Digest d = h.Finish();
//
// Not thread-safe; one object per hash in progress.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace dreichor {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;

  Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(const void* data, size_t size);
  void Update(std::string_view bytes) { Update(bytes.data(), bytes.size()); }
  // Returns the digest; the object must be Reset before it is updated again.
  Digest Finish();
  // Starts a new hash.
  void Reset();

  static Digest Of(std::string_view bytes);

 private:
  // OpenSSL's SHA256_CTX (112 bytes), held in place; sha256.cc checks that it fits.
  alignas(8) unsigned char ctx_[128];
};

// Lower-case hexadecimal, two characters per byte.
std::string ToHex(const uint8_t* data, size_t size);
inline std::string ToHex(const Sha256::Digest& d) { return ToHex(d.data(), d.size()); }
// The reverse of ToHex for exactly `size` bytes: false unless `hex` is 2 * size lower-case hex
// digits.
bool FromHex(std::string_view hex, uint8_t* out, size_t size);

}  // namespace dreichor
