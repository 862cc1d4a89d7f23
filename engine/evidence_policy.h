// EvidencePolicy: how long the audit log's records must be kept, and the legal holds that keep
// everything (docs/audit-proofs.md, "Retention and legal hold"). Part of the engine's state, set
// by the audited admin commands set_retention and legal_hold; the CLI's prune folds the same
// commands read from the log into its own policy, so both judge alike.
//
// Retention only lengthens: a record is kept until the latest date of the rules covering it. A
// rule that another covers (its range inside the other's, its date no later) changes nothing and
// is not kept; one that covers others replaces them. The rules are kept in ascending
// (from_sequence, through_sequence) order, so equal histories give equal states.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/reason.h"

namespace dreichor::engine {

struct RetentionRule {
  uint64_t from_sequence = 0;
  uint64_t through_sequence = 0;
  int64_t until_ns = 0;
  bool operator==(const RetentionRule&) const = default;
};

class EvidencePolicy {
 public:
  static constexpr size_t kMaxRules = 1024;
  static constexpr size_t kMaxHolds = 1024;

  // kNone when applied (or already implied); otherwise why not (nothing changed).
  Reason Retain(const RetentionRule& rule);
  Reason Hold(uint64_t hold_id, bool placed);

  // The latest date until which some record of first..last must be kept; 0 when no rule covers
  // any of them.
  int64_t RetainedUntil(uint64_t first, uint64_t last) const;
  int64_t RetainedUntil(uint64_t sequence) const { return RetainedUntil(sequence, sequence); }
  const std::vector<RetentionRule>& rules() const { return rules_; }
  const std::vector<uint64_t>& holds() const { return holds_; }  // ascending

  // For the state decoder: replaces the policy when every rule is valid and the rules ascend by
  // (from, through) without repeating a range, and the holds ascend; false (and nothing
  // changed) otherwise.
  bool Restore(std::vector<RetentionRule> rules, std::vector<uint64_t> holds);

  bool operator==(const EvidencePolicy&) const = default;

 private:
  std::vector<RetentionRule> rules_;
  std::vector<uint64_t> holds_;
};

}  // namespace dreichor::engine
