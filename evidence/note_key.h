// Ed25519 keys for C2SP signed notes (https://c2sp.org/signed-note), through OpenSSL.
//
// A key has a name (for a log's own key: the log's origin) and a 4-byte key id:
//   key_id = SHA-256(name || "\n" || 0x01 || public key)[0:4]        (0x01: Ed25519)
// Its text forms are the ones Go's golang.org/x/mod/sumdb/note reads and writes:
//   verifier key:  <name>+<key id, 8 hex>+<base64(0x01 || 32-byte public key)>
//   signer key:    PRIVATE+KEY+<name>+<key id, 8 hex>+<base64(0x01 || 32-byte seed)>
// The signer key is a secret (DREICHOR_CHECKPOINT_KEY); it is never printed or logged.
//
//   auto signer = NoteSigner::Parse(secret_text);      // or NoteSigner::Generate(name)
//   std::string sig = signer.value()->Sign(message);   // 64 bytes
//   auto verifier = NoteVerifier::Parse(signer.value()->VerifierKey());
//   bool ok = verifier.value()->Verify(message, sig);
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/ed25519.h"
#include "util/status.h"

namespace dreichor::evidence {

using KeyId = std::array<uint8_t, 4>;

// The key of docs/audit-proofs.md's worked example. Its seed is public (bytes 0x00..0x1f), so
// anyone can sign with it: the runtime's configuration refuses it.
inline constexpr std::string_view kExampleSignerKey =
    "PRIVATE+KEY+dreichor.example/prod/audit+2b373b1d+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f";

// What a key name may be (C2SP): non-empty, no spaces, no '+', printable ASCII.
bool IsValidKeyName(std::string_view name);
KeyId ComputeKeyId(std::string_view name, const std::array<uint8_t, 32>& public_key);

class NoteVerifier {
 public:
  static Result<std::unique_ptr<NoteVerifier>> Parse(std::string_view verifier_key);
  static Result<std::unique_ptr<NoteVerifier>> FromPublicKey(
      std::string name, const std::array<uint8_t, 32>& public_key);

  const std::string& name() const { return name_; }
  const KeyId& key_id() const { return key_id_; }
  const std::array<uint8_t, 32>& public_key() const { return public_key_; }
  std::string VerifierKey() const;  // the text form above
  // True when `signature` (64 bytes) is this key's Ed25519 signature of `message`.
  bool Verify(std::string_view message, std::string_view signature) const;

 private:
  NoteVerifier() = default;
  std::string name_;
  KeyId key_id_{};
  std::array<uint8_t, 32> public_key_{};
  std::unique_ptr<Ed25519PublicKey> key_;
};

class NoteSigner {
 public:
  // A fresh key from the system's randomness (the CLI's `audit keygen`).
  static Result<std::unique_ptr<NoteSigner>> Generate(std::string name);
  // Errors name what is wrong with the text, never the text.
  static Result<std::unique_ptr<NoteSigner>> Parse(std::string_view signer_key);

  const std::string& name() const { return name_; }
  const KeyId& key_id() const { return key_id_; }
  std::string VerifierKey() const;
  std::string SignerKey() const;  // the secret text form; for `audit keygen` only
  // The 64-byte Ed25519 signature of `message`.
  std::string Sign(std::string_view message) const;

 private:
  NoteSigner() = default;
  static Result<std::unique_ptr<NoteSigner>> FromSeed(std::string name,
                                                      const std::array<uint8_t, 32>& seed);
  std::string name_;
  KeyId key_id_{};
  std::unique_ptr<Ed25519PrivateKey> key_;
};

}  // namespace dreichor::evidence
