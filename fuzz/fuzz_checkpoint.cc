// Fuzz target: signed checkpoints, keys and proofs from outside (evidence/checkpoint.h,
// evidence/note_key.h, evidence/merkle.h): a checkpoint file in a witness directory, a key on the
// command line, a proof a client sends to be checked.
//
// Promises checked: nothing crashes, throws or loops; a refusal says why; an accepted checkpoint's
// origin is the key's name and its body parses to the same checkpoint; a key text that parses
// gives a verifier key that parses to the same key id; proof verification is total (any index,
// size and hashes) and accepts nothing for a tree of size 0.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "evidence/checkpoint.h"
#include "evidence/merkle.h"
#include "evidence/note_key.h"

using namespace dreichor;
using namespace dreichor::evidence;

namespace {

void CheckNote(std::string_view text) {
  static const auto verifier =
      NoteVerifier::Parse(NoteSigner::Parse(kExampleSignerKey).value()->VerifierKey()).value();
  auto checkpoint = OpenCheckpoint(text, *verifier);
  if (!checkpoint.ok()) {
    if (checkpoint.status().message().empty()) std::abort();
  } else {
    if (checkpoint.value().origin != verifier->name()) std::abort();
    if (!(ParseCheckpointBody(checkpoint.value().Body()).value() == checkpoint.value()))
      std::abort();
  }
  auto body = ParseCheckpointBody(text);
  if (!body.ok() && body.status().message().empty()) std::abort();
}

void CheckKeys(std::string_view text) {
  if (auto signer = NoteSigner::Parse(text); signer.ok()) {
    auto again = NoteVerifier::Parse(signer.value()->VerifierKey());
    if (!again.ok() || again.value()->key_id() != signer.value()->key_id()) std::abort();
  }
  if (auto verifier = NoteVerifier::Parse(text); verifier.ok()) {
    if (NoteVerifier::Parse(verifier.value()->VerifierKey()).value()->key_id() !=
        verifier.value()->key_id()) {
      std::abort();
    }
  }
}

void CheckProofs(const uint8_t* data, size_t size) {
  if (size < 16 + 2 * 32) return;
  uint64_t a = 0, b = 0;
  std::memcpy(&a, data, 8);
  std::memcpy(&b, data + 8, 8);
  Hash first{}, second{};
  std::memcpy(first.data(), data + 16, 32);
  std::memcpy(second.data(), data + 48, 32);
  std::vector<Hash> proof;
  for (size_t at = 80; at + 32 <= size && proof.size() < 80; at += 32) {
    proof.emplace_back();
    std::memcpy(proof.back().data(), data + at, 32);
  }
  (void)VerifyInclusion(first, a, b, proof, second);
  (void)VerifyConsistency(a, b, first, second, proof);
  if (VerifyInclusion(first, a, 0, proof, second)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckNote(text);
  CheckKeys(text);
  CheckProofs(data, size);
  return 0;
}
