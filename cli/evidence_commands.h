// The operator tool's evidence commands (docs/audit-proofs.md, docs/cli.md): the audit log's
// Merkle tree, its checkpoints and proofs, computed from the log itself, never from the runtime's
// derived tree, so they check the runtime rather than trust it.
//
//   dreichor audit keygen --origin NAME --secret-file FILE
//   dreichor audit checkpoint DIR [--tree-size N]
//   dreichor audit prove inclusion DIR --sequence S [--tree-size N]
//   dreichor audit prove consistency DIR --from M [--to N]
//   dreichor audit check DIR --checkpoint FILE|DIR --public-key KEY|FILE
//   dreichor audit prune DIR --copy COPY --through S
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "cli/commands.h"

namespace dreichor::cli {

// Writes a new signing key to `secret_file` (created with mode 0600; refused if it exists) and
// prints the verifier key. The secret is never printed.
int AuditKeygen(const std::string& origin, const std::string& secret_file, std::ostream& out,
                std::ostream& err);

// Prints the tree size and root hash of the log's first `tree_size` records (0: all of them).
int AuditCheckpoint(const LogSource& source, uint64_t tree_size, std::ostream& out,
                    std::ostream& err);

// Print the proofs as JSON, in the runtime's answer format (docs/audit-proofs.md).
int AuditProveInclusion(const LogSource& source, uint64_t sequence, uint64_t tree_size,
                        std::ostream& out, std::ostream& err);
int AuditProveConsistency(const LogSource& source, uint64_t from, uint64_t to, std::ostream& out,
                          std::ostream& err);

// Checks the log against signed checkpoints kept elsewhere: `checkpoint` is one checkpoint file or
// a directory of them (a witness directory, the shipped copy's checkpoints/); `public_key` is a
// verifier key or a file holding one. kProblemFound when a signature fails, the log is shorter
// than a checkpoint, or its first N records do not hash to a checkpoint's root (rewritten).
int AuditCheck(const LogSource& source, const std::string& checkpoint,
               const std::string& public_key, std::ostream& out, std::ostream& err);

// Deletes from `copy_dir` (the log's shipped copy) its oldest sealed segments ending at or before
// `through` that the log's own retention rules and legal holds allow deleting now: none while a
// hold is placed, none holding a record retained past now. The policy is folded from the log's
// set_retention and legal_hold records with the engine's code (engine/evidence_policy.h).
// kProblemFound when the first candidate is refused (the rule or hold is named).
int AuditPrune(const LogSource& source, const std::string& copy_dir, uint64_t through,
               std::ostream& out, std::ostream& err);

}  // namespace dreichor::cli
