#include "util/ed25519.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>

namespace dreichor {

Result<std::unique_ptr<Ed25519PublicKey>> Ed25519PublicKey::FromRaw(const Ed25519Bytes& raw) {
  std::unique_ptr<Ed25519PublicKey> k(new Ed25519PublicKey());
  k->key_ = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw.data(), raw.size());
  if (k->key_ == nullptr) return Status::InvalidArgument("not an Ed25519 public key");
  k->raw_ = raw;
  return k;
}

Ed25519PublicKey::~Ed25519PublicKey() { EVP_PKEY_free(key_); }

bool Ed25519PublicKey::Verify(std::string_view message, std::string_view signature) const {
  if (signature.size() != kEd25519SignatureBytes) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key_) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

Result<std::unique_ptr<Ed25519PrivateKey>> Ed25519PrivateKey::Generate() {
  Ed25519Bytes seed{};
  if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    return Status::IoError("the system's random source failed");
  }
  auto key = FromSeed(seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  return key;
}

Result<std::unique_ptr<Ed25519PrivateKey>> Ed25519PrivateKey::FromSeed(const Ed25519Bytes& seed) {
  std::unique_ptr<Ed25519PrivateKey> k(new Ed25519PrivateKey());
  k->key_ = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size());
  size_t public_size = k->public_key_.size();
  if (k->key_ == nullptr ||
      EVP_PKEY_get_raw_public_key(k->key_, k->public_key_.data(), &public_size) != 1) {
    return Status::InvalidArgument("not an Ed25519 private key");
  }
  k->seed_ = seed;
  return k;
}

Ed25519PrivateKey::~Ed25519PrivateKey() {
  EVP_PKEY_free(key_);
  OPENSSL_cleanse(seed_.data(), seed_.size());
}

std::string Ed25519PrivateKey::Sign(std::string_view message) const {
  std::string signature(kEd25519SignatureBytes, '\0');
  size_t size = signature.size();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key_) == 1 &&
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  // Signing with a key that loaded cannot fail short of memory exhaustion.
  if (!ok || size != kEd25519SignatureBytes) std::abort();
  return signature;
}

}  // namespace dreichor
