#include "evidence/note_key.h"

#include <vector>

#include "util/base64.h"
#include "util/sha256.h"

namespace dreichor::evidence {
namespace {

constexpr uint8_t kEd25519Type = 0x01;
constexpr std::string_view kPrivatePrefix = "PRIVATE+KEY+";

// name+keyid+key: the first two '+' separate (base64 has '+' of its own).
std::vector<std::string_view> SplitPlus(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i < text.size() && parts.size() < 2; ++i) {
    if (text[i] == '+') {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

// The three fields every key text has after its prefix: name, key id, base64(type || key).
struct KeyFields {
  std::string name;
  std::array<uint8_t, 32> key{};
  KeyId key_id{};
};

Result<KeyFields> ParseKeyFields(std::string_view text, std::string_view what) {
  const std::vector<std::string_view> parts = SplitPlus(text);
  if (parts.size() != 3) {
    return Status::InvalidArgument(std::string(what) + " is not name+keyid+key");
  }
  KeyFields fields;
  fields.name = std::string(parts[0]);
  if (!IsValidKeyName(fields.name)) {
    return Status::InvalidArgument(std::string(what) + " has an invalid key name");
  }
  if (!FromHex(parts[1], fields.key_id.data(), fields.key_id.size())) {
    return Status::InvalidArgument(std::string(what) + "'s key id is not 8 lower-case hex digits");
  }
  std::optional<std::string> raw = Base64Decode(parts[2]);
  if (!raw || raw->size() != 33 || static_cast<uint8_t>((*raw)[0]) != kEd25519Type) {
    return Status::InvalidArgument(std::string(what) + " is not an Ed25519 key (base64 of 0x01 " +
                                   "and 32 bytes)");
  }
  std::copy(raw->begin() + 1, raw->end(), fields.key.begin());
  return fields;
}

std::string KeyText(const std::string& name, const KeyId& id, const std::array<uint8_t, 32>& k) {
  std::string raw(1, static_cast<char>(kEd25519Type));
  raw.append(reinterpret_cast<const char*>(k.data()), k.size());
  return name + "+" + ToHex(id.data(), id.size()) + "+" + Base64Encode(raw);
}

}  // namespace

bool IsValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c <= ' ' || c > '~' || c == '+') return false;
  }
  return true;
}

KeyId ComputeKeyId(std::string_view name, const std::array<uint8_t, 32>& public_key) {
  Sha256 h;
  h.Update(name);
  const uint8_t sep[2] = {'\n', kEd25519Type};
  h.Update(sep, sizeof sep);
  h.Update(public_key.data(), public_key.size());
  const Sha256::Digest d = h.Finish();
  return KeyId{d[0], d[1], d[2], d[3]};
}

Result<std::unique_ptr<NoteVerifier>> NoteVerifier::Parse(std::string_view verifier_key) {
  auto fields = ParseKeyFields(verifier_key, "the verifier key");
  if (!fields.ok()) return fields.status();
  if (ComputeKeyId(fields.value().name, fields.value().key) != fields.value().key_id) {
    return Status::InvalidArgument("the verifier key's key id does not match its name and key");
  }
  return FromPublicKey(fields.value().name, fields.value().key);
}

Result<std::unique_ptr<NoteVerifier>> NoteVerifier::FromPublicKey(
    std::string name, const std::array<uint8_t, 32>& public_key) {
  if (!IsValidKeyName(name)) return Status::InvalidArgument("invalid key name");
  auto key = Ed25519PublicKey::FromRaw(public_key);
  if (!key.ok()) return key.status();
  std::unique_ptr<NoteVerifier> v(new NoteVerifier());
  v->key_ = std::move(key).value();
  v->key_id_ = ComputeKeyId(name, public_key);
  v->name_ = std::move(name);
  v->public_key_ = public_key;
  return v;
}

std::string NoteVerifier::VerifierKey() const { return KeyText(name_, key_id_, public_key_); }

bool NoteVerifier::Verify(std::string_view message, std::string_view signature) const {
  return key_->Verify(message, signature);
}

Result<std::unique_ptr<NoteSigner>> NoteSigner::Generate(std::string name) {
  auto key = Ed25519PrivateKey::Generate();
  if (!key.ok()) return key.status();
  return FromSeed(std::move(name), key.value()->seed());
}

Result<std::unique_ptr<NoteSigner>> NoteSigner::Parse(std::string_view signer_key) {
  if (signer_key.substr(0, kPrivatePrefix.size()) != kPrivatePrefix) {
    return Status::InvalidArgument("the signing key does not start with PRIVATE+KEY+");
  }
  auto fields = ParseKeyFields(signer_key.substr(kPrivatePrefix.size()), "the signing key");
  if (!fields.ok()) return fields.status();
  auto signer = FromSeed(fields.value().name, fields.value().key);
  if (!signer.ok()) return signer.status();
  if (signer.value()->key_id() != fields.value().key_id) {
    return Status::InvalidArgument("the signing key's key id does not match its name and key");
  }
  return signer;
}

Result<std::unique_ptr<NoteSigner>> NoteSigner::FromSeed(std::string name,
                                                         const std::array<uint8_t, 32>& seed) {
  if (!IsValidKeyName(name)) {
    return Status::InvalidArgument("invalid key name (printable ASCII, no spaces or '+')");
  }
  auto key = Ed25519PrivateKey::FromSeed(seed);
  if (!key.ok()) return key.status();
  std::unique_ptr<NoteSigner> s(new NoteSigner());
  s->key_ = std::move(key).value();
  s->key_id_ = ComputeKeyId(name, s->key_->public_key());
  s->name_ = std::move(name);
  return s;
}

std::string NoteSigner::VerifierKey() const { return KeyText(name_, key_id_, key_->public_key()); }

std::string NoteSigner::SignerKey() const {
  return std::string(kPrivatePrefix) + KeyText(name_, key_id_, key_->seed());
}

std::string NoteSigner::Sign(std::string_view message) const { return key_->Sign(message); }

}  // namespace dreichor::evidence
