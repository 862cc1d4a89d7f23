// Migrator: status, plan, apply, dry-run, verify and rollback against one PostgreSQL target (a
// schema), with its journal table `<schema>.dreichor_migrations` (infra/db/README.md).
//
// - apply: takes the target's advisory lock (waiting up to a timeout), refuses on drift, then
//   runs each migration of the plan in its own transaction together with its journal row; a
//   failure rolls that migration back, leaves the journal exactly as it was, and reports the
//   statement and PostgreSQL's message. A non-transactional migration runs alone, and its row
//   is written after it succeeds.
// - dry-run: runs the plan inside one transaction and rolls it back; non-transactional
//   migrations cannot be dry-run and are listed as such.
// - rollback: runs an applied contract migration's rollback file and removes its journal row,
//   in one transaction; only the most recently applied migration can be rolled back.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "migrate/plan.h"
#include "util/pg_connection.h"

namespace dreichor::migrate {

struct ApplyReport {
  std::vector<std::string> applied;  // files, in order
  std::vector<std::string> waiting;  // held back (contract without opt-in, and after it)
};

struct DryRunReport {
  std::vector<std::string> checked;           // ran and rolled back without error
  std::vector<std::string> not_dry_runnable;  // non-transactional: not run
  std::string failed_file;                    // the first that failed ("" when none)
  std::string failure;                        // its error
};

class Migrator {
 public:
  Migrator(PgConnection* conn, const std::vector<Migration>* migrations)
      : conn_(conn), migrations_(migrations) {}

  // The journal of `schema`; empty when it has none yet.
  Result<std::vector<JournalEntry>> Journal(const std::string& schema);
  Result<TargetStatus> StatusOf(const std::string& schema, bool tenant);

  // Session advisory lock for `schema`, waiting up to `timeout`.
  Status Lock(const std::string& schema, std::chrono::milliseconds timeout);
  Status Unlock(const std::string& schema);

  Result<ApplyReport> Apply(const std::string& schema, bool tenant, bool allow_contract);
  Result<DryRunReport> DryRun(const std::string& schema, bool tenant, bool allow_contract);
  Status Rollback(const std::string& schema, uint32_t version);

  // Tenant schemas listed in `<schema>.dreichor_tenants`, in name order.
  Result<std::vector<std::string>> Tenants(const std::string& schema);

 private:
  Status EnsureJournal(const std::string& schema);
  Status ApplyOne(const std::string& schema, const Migration& m);
  Status InTransaction(const std::string& schema, const std::vector<std::string>& statements,
                       const std::string& what);

  PgConnection* conn_;
  const std::vector<Migration>* migrations_;
};

}  // namespace dreichor::migrate
