#include "migrate/plan.h"

#include <map>

namespace dreichor::migrate {

std::vector<const Migration*> ForTarget(const std::vector<Migration>& all, bool tenant) {
  std::vector<const Migration*> out;
  for (const Migration& m : all) {
    if (m.per_tenant == tenant) out.push_back(&m);
  }
  return out;
}

TargetStatus Compare(const std::vector<const Migration*>& migrations,
                     const std::vector<JournalEntry>& journal) {
  TargetStatus status;
  std::map<uint32_t, const JournalEntry*> applied;
  for (const JournalEntry& e : journal) applied[e.version] = &e;
  for (const Migration* m : migrations) {
    auto it = applied.find(m->version);
    if (it == applied.end()) {
      status.pending.push_back(m);
      continue;
    }
    const JournalEntry& e = *it->second;
    if (e.checksum_algorithm != kChecksumAlgorithm || e.checksum != m->checksum) {
      status.drifted.push_back(Drift{m->version, m->file,
                                     "changed since it was applied (journal " +
                                         e.checksum_algorithm + ":" + e.checksum.substr(0, 12) +
                                         "…, file sha256:" + m->checksum.substr(0, 12) + "…)"});
    } else if (e.name != m->name || e.phase != m->phase) {
      status.drifted.push_back(
          Drift{m->version, m->file, "renamed since it was applied (journal: " + e.name + ")"});
    } else {
      status.applied.push_back(m);
    }
    applied.erase(it);
  }
  for (const auto& [version, e] : applied) {
    status.drifted.push_back(
        Drift{version, e->name,
              "applied (version " + std::to_string(version) + ") but its file is missing"});
  }
  return status;
}

Result<Plan> MakePlan(const TargetStatus& status, bool allow_contract) {
  if (!status.drifted.empty()) {
    std::string all;
    for (const Drift& d : status.drifted) all += "\n  " + d.file + ": " + d.why;
    return Status::FailedPrecondition(
        "drift: applied migrations differ from their files; "
        "nothing will be applied until this is resolved:" +
        all);
  }
  uint32_t highest = 0;
  for (const Migration* m : status.applied) highest = std::max(highest, m->version);
  Plan plan;
  for (const Migration* m : status.pending) {
    if (m->version < highest) {
      return Status::FailedPrecondition(m->file + ": pending, but a later version (" +
                                        std::to_string(highest) +
                                        ") is already applied; versions are never skipped");
    }
    if (!plan.waiting.empty() || (m->phase == Phase::kContract && !allow_contract)) {
      plan.waiting.push_back(m);
    } else {
      plan.apply.push_back(m);
    }
  }
  return plan;
}

}  // namespace dreichor::migrate
