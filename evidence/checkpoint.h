// Checkpoints of the audit log's Merkle tree in the C2SP formats
// (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note), as Go's checksum database,
// Sigsum and Rekor v2 publish theirs:
//
//   dreichor.example/prod/audit             origin: the log's identity (the signing key's name)
//   1234                                    tree size: records covered (= the last sequence)
//   QUdbl1m6s0v3Yr6l3u6fZk1b2A2pE6Q2v0U2QF5w0Yk=    root hash, base64
//
//   — dreichor.example/prod/audit Az3grk5p...      signature line: key name, base64(key id ||
//                                                   Ed25519 signature of the text above it)
//
// The body is the three lines, each ending in "\n"; the signed note is the body, an empty line,
// and one signature line per signer. docs/audit-proofs.md has a worked example.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "evidence/merkle.h"
#include "evidence/note_key.h"
#include "util/status.h"

namespace dreichor::evidence {

struct Checkpoint {
  std::string origin;
  uint64_t tree_size = 0;
  Hash root{};

  std::string Body() const;
  bool operator==(const Checkpoint&) const = default;
};

// Parses a checkpoint body (extension lines after the root are allowed and ignored).
Result<Checkpoint> ParseCheckpointBody(std::string_view body);

// `body` (which must end in "\n") signed by `signer`, as a signed note.
std::string SignNote(std::string_view body, const NoteSigner& signer);

// The body of `note` when it carries a valid signature by `verifier` (by name and key id);
// other signers' lines are allowed and ignored. Errors say what was wrong.
Result<std::string> OpenNote(std::string_view note, const NoteVerifier& verifier);

// A signed checkpoint checked against `verifier`, whose name must be the checkpoint's origin.
Result<Checkpoint> OpenCheckpoint(std::string_view note, const NoteVerifier& verifier);

}  // namespace dreichor::evidence
