#include "engine/evidence_policy.h"

#include <algorithm>
#include <tuple>

namespace dreichor::engine {
namespace {

bool Valid(const RetentionRule& r) {
  return r.from_sequence >= 1 && r.through_sequence >= r.from_sequence && r.until_ns > 0;
}

// `a` keeps at least everything `b` keeps, at least as long.
bool Covers(const RetentionRule& a, const RetentionRule& b) {
  return a.from_sequence <= b.from_sequence && a.through_sequence >= b.through_sequence &&
         a.until_ns >= b.until_ns;
}

bool RangeBefore(const RetentionRule& a, const RetentionRule& b) {
  return std::tie(a.from_sequence, a.through_sequence) <
         std::tie(b.from_sequence, b.through_sequence);
}

}  // namespace

Reason EvidencePolicy::Retain(const RetentionRule& rule) {
  if (!Valid(rule)) return Reason::kInvalidRetention;
  for (const RetentionRule& r : rules_) {
    if (Covers(r, rule)) return Reason::kNone;  // already kept that long: nothing to change
  }
  const size_t covered = static_cast<size_t>(std::count_if(
      rules_.begin(), rules_.end(), [&](const RetentionRule& r) { return Covers(rule, r); }));
  if (rules_.size() - covered >= kMaxRules) return Reason::kRetentionRulesFull;
  std::erase_if(rules_, [&](const RetentionRule& r) { return Covers(rule, r); });
  rules_.insert(std::lower_bound(rules_.begin(), rules_.end(), rule, RangeBefore), rule);
  return Reason::kNone;
}

Reason EvidencePolicy::Hold(uint64_t hold_id, bool placed) {
  if (hold_id == 0) return Reason::kInvalidLegalHold;
  auto it = std::lower_bound(holds_.begin(), holds_.end(), hold_id);
  const bool present = it != holds_.end() && *it == hold_id;
  if (!placed) {
    if (!present) return Reason::kUnknownLegalHold;
    holds_.erase(it);
    return Reason::kNone;
  }
  if (present) return Reason::kNone;
  if (holds_.size() >= kMaxHolds) return Reason::kLegalHoldsFull;
  holds_.insert(it, hold_id);
  return Reason::kNone;
}

int64_t EvidencePolicy::RetainedUntil(uint64_t first, uint64_t last) const {
  int64_t until = 0;
  for (const RetentionRule& r : rules_) {
    if (r.from_sequence <= last && r.through_sequence >= first) until = std::max(until, r.until_ns);
  }
  return until;
}

bool EvidencePolicy::Restore(std::vector<RetentionRule> rules, std::vector<uint64_t> holds) {
  if (rules.size() > kMaxRules || holds.size() > kMaxHolds) return false;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (!Valid(rules[i]) || (i > 0 && !RangeBefore(rules[i - 1], rules[i]))) return false;
  }
  for (size_t i = 0; i < holds.size(); ++i) {
    if (holds[i] == 0 || (i > 0 && holds[i] <= holds[i - 1])) return false;
  }
  rules_ = std::move(rules);
  holds_ = std::move(holds);
  return true;
}

}  // namespace dreichor::engine
