// Comparing a target's journal with the migration files, and deciding what `apply` would run.
//
// Rules:
// - An applied migration whose file's checksum differs, or whose file is gone, is drift. Any
//   command that would apply refuses while there is drift, and names the file.
// - Pending migrations run in version order, never skipping: a pending version below the
//   highest applied one is refused (out of order), and `apply` stops before the first contract
//   migration unless contract migrations are allowed; what follows it waits.
#pragma once

#include <string>
#include <vector>

#include "migrate/journal.h"
#include "migrate/migration_set.h"

namespace dreichor::migrate {

struct Drift {
  uint32_t version = 0;
  std::string file;  // the file now, or the journal's name when the file is gone
  std::string why;
};

struct TargetStatus {
  std::vector<const Migration*> applied;  // journaled and unchanged
  std::vector<const Migration*> pending;  // not journaled, in version order
  std::vector<Drift> drifted;
};

// `migrations` are those meant for this kind of target (main or tenant).
TargetStatus Compare(const std::vector<const Migration*>& migrations,
                     const std::vector<JournalEntry>& journal);

struct Plan {
  std::vector<const Migration*> apply;    // in order
  std::vector<const Migration*> waiting;  // held back: a contract without opt-in, and after it
};

// Fails on drift or out-of-order pending versions, naming them.
Result<Plan> MakePlan(const TargetStatus& status, bool allow_contract);

// The migrations for the main target (per_tenant false) or for tenant schemas (true).
std::vector<const Migration*> ForTarget(const std::vector<Migration>& all, bool tenant);

}  // namespace dreichor::migrate
