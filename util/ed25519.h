// Ed25519 (RFC 8032) keys through OpenSSL: verification with a public key, signing with a
// private key's 32-byte seed. Signatures are 64 bytes; messages are signed whole (PureEdDSA).
//
//   auto key = Ed25519PublicKey::FromRaw(raw32);          // kInvalidArgument: not a key
//   bool ok = key.value()->Verify(message, signature64);
//   auto signer = Ed25519PrivateKey::Generate();
//   std::string signature = signer.value()->Sign(message);
//
// Thread safety: Verify and Sign may run on many threads at once on one key.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace dreichor {

using Ed25519Bytes = std::array<uint8_t, 32>;  // a public key, or a private key's seed
inline constexpr size_t kEd25519SignatureBytes = 64;

class Ed25519PublicKey {
 public:
  static Result<std::unique_ptr<Ed25519PublicKey>> FromRaw(const Ed25519Bytes& raw);
  ~Ed25519PublicKey();
  Ed25519PublicKey(const Ed25519PublicKey&) = delete;
  Ed25519PublicKey& operator=(const Ed25519PublicKey&) = delete;

  // True when `signature` (64 bytes) is this key's signature of `message`.
  bool Verify(std::string_view message, std::string_view signature) const;
  const Ed25519Bytes& raw() const { return raw_; }

 private:
  Ed25519PublicKey() = default;
  Ed25519Bytes raw_{};
  EVP_PKEY* key_ = nullptr;
};

class Ed25519PrivateKey {
 public:
  // A new key from the system's random source.
  static Result<std::unique_ptr<Ed25519PrivateKey>> Generate();
  static Result<std::unique_ptr<Ed25519PrivateKey>> FromSeed(const Ed25519Bytes& seed);
  ~Ed25519PrivateKey();  // wipes the seed
  Ed25519PrivateKey(const Ed25519PrivateKey&) = delete;
  Ed25519PrivateKey& operator=(const Ed25519PrivateKey&) = delete;

  std::string Sign(std::string_view message) const;  // 64 bytes
  const Ed25519Bytes& public_key() const { return public_key_; }
  const Ed25519Bytes& seed() const { return seed_; }

 private:
  Ed25519PrivateKey() = default;
  Ed25519Bytes seed_{};
  Ed25519Bytes public_key_{};
  EVP_PKEY* key_ = nullptr;
};

}  // namespace dreichor
