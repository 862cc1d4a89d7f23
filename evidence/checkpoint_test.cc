#include "evidence/checkpoint.h"

#include <gtest/gtest.h>

#include "evidence/note_key.h"
#include "evidence/tree_store.h"

namespace dreichor::evidence {
namespace {

// The example of Go's golang.org/x/mod/sumdb/note, the reference implementation of signed notes:
// the same key must give the same key id, encodings and (Ed25519 being deterministic) the same
// signed note byte for byte, so any Go verifier or witness accepts Dreichor's checkpoints.
constexpr char kGoSignerKey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kGoVerifierKey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kGoText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr char kGoNote[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xe2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

TEST(NoteTest, SignsExactlyAsTheReferenceImplementation) {
  auto signer = NoteSigner::Parse(kGoSignerKey);
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  EXPECT_EQ(signer.value()->VerifierKey(), kGoVerifierKey);
  EXPECT_EQ(signer.value()->SignerKey(), kGoSignerKey);
  EXPECT_EQ(SignNote(kGoText, *signer.value()), kGoNote);
  auto verifier = NoteVerifier::Parse(kGoVerifierKey);
  ASSERT_TRUE(verifier.ok());
  EXPECT_EQ(OpenNote(kGoNote, *verifier.value()).value(), kGoText);
}

TEST(NoteTest, RefusesAlteredNotesAndOtherKeys) {
  auto verifier = NoteVerifier::Parse(kGoVerifierKey).value();
  std::string altered = kGoNote;
  altered[3] = 'X';
  EXPECT_EQ(OpenNote(altered, *verifier).status().code(), StatusCode::kCorruption);
  auto other = NoteSigner::Generate("PeterNeumann").value();  // same name, another key
  EXPECT_EQ(OpenNote(SignNote(kGoText, *other), *verifier).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(OpenNote(kGoText, *verifier).ok());  // no signature at all
  EXPECT_FALSE(OpenNote(std::string(kGoText) + "\nno dash\n", *verifier).ok());
}

TEST(NoteTest, RefusesMalformedKeysWithoutEchoingThem) {
  const std::string secret = kGoSignerKey;
  for (size_t i = 0; i < secret.size(); ++i) {
    std::string bad = secret;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    auto parsed = NoteSigner::Parse(bad);
    if (parsed.ok()) continue;  // a change inside the seed is another valid key... caught below
    EXPECT_EQ(parsed.status().message().find("AYEKFALV"), std::string::npos);
  }
  // A changed seed gives another public key, so the key id no longer matches.
  std::string other_seed = secret;
  other_seed[other_seed.size() - 3] = other_seed[other_seed.size() - 3] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(NoteSigner::Parse(other_seed).ok());
  EXPECT_FALSE(
      NoteSigner::Parse("PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUv").ok());
  EXPECT_FALSE(
      NoteVerifier::Parse("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
          .ok());
  EXPECT_FALSE(NoteSigner::Generate("has space").ok());
}

// docs/audit-proofs.md's worked example, byte for byte: the leaf of audit-log-format.md's record
// 1, the checkpoint of the one-record tree, signed with the example key (values computed
// independently with Node.js's crypto).
TEST(CheckpointTest, DocumentedExampleIsExact) {
  audit::PendingRecord record;
  record.sequence = 1;
  record.timestamp_ns = 1763769600123456789;
  for (uint8_t i = 0; i < 16; ++i) record.event_id[i] = i;
  record.type = 16;
  const uint8_t payload[] = {0x01, 0x10, 0x00, 0x07, 0, 0, 0, 0,    0, 0, 0,    0x01, 0,
                             0,    0,    0x2a, 0,    0, 0, 0, 0,    0, 0, 0x01, 0x01, 0x64,
                             0,    0,    0,    0,    0, 0, 0, 0x05, 0, 0, 0,    0,    0,
                             0,    0,    0,    0,    0, 0, 0, 0,    0, 0};
  record.payload.assign(reinterpret_cast<const char*>(payload), sizeof payload);
  Hash chain{};
  ASSERT_TRUE(FromHex("166b186c04c34630b17f0c2aae8727d15b4fad4b957315678adf9edc61ec84fb",
                      chain.data(), chain.size()));
  const Hash leaf = RecordLeafHash(record, chain);
  EXPECT_EQ(ToHex(leaf), "abd1a0e5f291267be6d2d5ae037d49ff7bb73a094a94847dd4398b1a4077df1d");
  auto signer = NoteSigner::Parse(kExampleSignerKey).value();
  EXPECT_EQ(signer->VerifierKey(),
            "dreichor.example/prod/audit+2b373b1d+AQOhB7/zzhC+HXDdGOdLwJln5NYwm6UNXx3chmQSVTG4");
  const Checkpoint c{signer->name(), 1, leaf};
  EXPECT_EQ(
      SignNote(c.Body(), *signer),
      "dreichor.example/prod/audit\n"
      "1\n"
      "q9Gg5fKRJnvm0tWuA31J/3u3OglKlIR91DmLGkB33x0=\n"
      "\n"
      "\xe2\x80\x94 dreichor.example/prod/audit "
      "Kzc7HYQA36ylRRufCUlDwy6awvEjOuji36Kxhn3Z0hFTgH30bPPjvt6ggHJ48WKDcd3JAUtqbOc/kmZg5lTUPKxifgs="
      "\n");
}

TEST(CheckpointTest, RoundTripsThroughASignedNote) {
  auto signer = NoteSigner::Generate("dreichor.test/audit").value();
  Checkpoint c{"dreichor.test/audit", 1234, Sha256::Of("root")};
  const std::string note = SignNote(c.Body(), *signer);
  auto verifier = NoteVerifier::Parse(signer->VerifierKey()).value();
  auto opened = OpenCheckpoint(note, *verifier);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened.value(), c);
  EXPECT_EQ(c.Body().substr(0, 25), "dreichor.test/audit\n1234\n");
}

TEST(CheckpointTest, RefusesACheckpointOfAnotherOrigin) {
  auto signer = NoteSigner::Generate("dreichor.test/audit").value();
  Checkpoint c{"someone.else/log", 1, Sha256::Of("root")};
  auto verifier = NoteVerifier::Parse(signer->VerifierKey()).value();
  EXPECT_EQ(OpenCheckpoint(SignNote(c.Body(), *signer), *verifier).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(CheckpointTest, RefusesMalformedBodies) {
  EXPECT_FALSE(ParseCheckpointBody("origin\n12\n").ok());
  EXPECT_FALSE(ParseCheckpointBody("origin\n012\nAAAA\n").ok());
  EXPECT_FALSE(ParseCheckpointBody("origin\n-1\n" + std::string(44, 'A') + "\n").ok());
  EXPECT_FALSE(ParseCheckpointBody("origin\n1\nnot base64\n").ok());
  EXPECT_FALSE(ParseCheckpointBody("\n1\n" + std::string(43, 'A') + "=\n").ok());
  auto ok = ParseCheckpointBody("origin\n7\n" + std::string(43, 'A') + "=\nextension\n");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok.value().tree_size, 7u);
}

}  // namespace
}  // namespace dreichor::evidence
