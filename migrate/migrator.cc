#include "migrate/migrator.h"

#include <thread>

namespace dreichor::migrate {

namespace {

using Clock = std::chrono::steady_clock;

std::string JournalTable(const std::string& schema) {
  return QuoteIdent(schema) + ".dreichor_migrations";
}

std::string LockKey(const std::string& schema) { return "dreichor-migrate:" + schema; }

}  // namespace

Result<std::vector<JournalEntry>> Migrator::Journal(const std::string& schema) {
  return ReadJournal(*conn_, schema);
}

Result<TargetStatus> Migrator::StatusOf(const std::string& schema, bool tenant) {
  auto journal = Journal(schema);
  if (!journal.ok()) return journal.status();
  return Compare(ForTarget(*migrations_, tenant), journal.value());
}

Status Migrator::Lock(const std::string& schema, std::chrono::milliseconds timeout) {
  const Clock::time_point end = Clock::now() + timeout;
  for (;;) {
    auto got = conn_->Exec("SELECT pg_try_advisory_lock(hashtext($1))", {LockKey(schema)});
    if (!got.ok()) return got.status();
    if (got.value().rows[0][0] == "t") return Status::Ok();
    if (Clock::now() >= end) {
      return Status::FailedPrecondition("another migrator holds the lock on target " + schema +
                                        " (waited " + std::to_string(timeout.count()) + " ms)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Status Migrator::Unlock(const std::string& schema) {
  auto done = conn_->Exec("SELECT pg_advisory_unlock(hashtext($1))", {LockKey(schema)});
  return done.ok() ? Status::Ok() : done.status();
}

Status Migrator::EnsureJournal(const std::string& schema) {
  auto made = conn_->Exec("CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(schema) +
                          ";\nCREATE TABLE IF NOT EXISTS " + JournalTable(schema) +
                          " (\n"
                          "  version integer PRIMARY KEY,\n"
                          "  name text NOT NULL,\n"
                          "  phase text NOT NULL CHECK (phase IN ('expand', 'contract')),\n"
                          "  checksum text NOT NULL,\n"
                          "  checksum_algorithm text NOT NULL,\n"
                          "  applied_at timestamptz NOT NULL DEFAULT now(),\n"
                          "  applied_by text NOT NULL,\n"
                          "  duration_ms bigint NOT NULL\n"
                          ")");
  return made.ok() ? Status::Ok() : made.status();
}

Status Migrator::ApplyOne(const std::string& schema, const Migration& m) {
  const Clock::time_point start = Clock::now();
  auto fail = [&](const Status& s) {
    return Status::FailedPrecondition(m.file + ": " + s.message());
  };
  auto journal_row = [&] {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return conn_->Exec("INSERT INTO " + JournalTable(schema) +
                           " (version, name, phase, checksum, checksum_algorithm, applied_by, "
                           "duration_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                       {std::to_string(m.version), m.name, PhaseName(m.phase), m.checksum,
                        kChecksumAlgorithm, conn_->user(), std::to_string(ms.count())});
  };
  if (!m.transactional) {
    if (auto s = conn_->Exec("SET search_path TO " + QuoteIdent(schema)); !s.ok()) {
      return fail(s.status());
    }
    auto ran = conn_->Exec(m.sql);
    (void)conn_->Exec("RESET search_path");
    if (!ran.ok()) return fail(ran.status());
    auto row = journal_row();
    return row.ok() ? Status::Ok() : fail(row.status());
  }
  if (auto s = conn_->Exec("BEGIN"); !s.ok()) return fail(s.status());
  auto step = [&](Result<PgRows> r) -> Status {
    if (r.ok()) return Status::Ok();
    (void)conn_->Exec("ROLLBACK");
    return fail(r.status());
  };
  if (Status s = step(conn_->Exec("SET LOCAL search_path TO " + QuoteIdent(schema))); !s.ok()) {
    return s;
  }
  if (Status s = step(conn_->Exec(m.sql)); !s.ok()) return s;
  if (Status s = step(journal_row()); !s.ok()) return s;
  return step(conn_->Exec("COMMIT"));
}

Result<ApplyReport> Migrator::Apply(const std::string& schema, bool tenant, bool allow_contract) {
  auto status = StatusOf(schema, tenant);
  if (!status.ok()) return status.status();
  auto plan = MakePlan(status.value(), allow_contract);
  if (!plan.ok()) return plan.status();
  ApplyReport report;
  for (const Migration* m : plan.value().waiting) report.waiting.push_back(m->file);
  if (plan.value().apply.empty()) return report;
  if (Status s = EnsureJournal(schema); !s.ok()) return s;
  for (const Migration* m : plan.value().apply) {
    if (Status s = ApplyOne(schema, *m); !s.ok()) {
      std::string done;
      for (const std::string& f : report.applied) done += " " + f;
      return Status::FailedPrecondition(
          s.message() + "\n  applied before the failure:" + (done.empty() ? " none" : done));
    }
    report.applied.push_back(m->file);
  }
  return report;
}

Result<DryRunReport> Migrator::DryRun(const std::string& schema, bool tenant, bool allow_contract) {
  auto status = StatusOf(schema, tenant);
  if (!status.ok()) return status.status();
  auto plan = MakePlan(status.value(), allow_contract);
  if (!plan.ok()) return plan.status();
  DryRunReport report;
  if (auto s = conn_->Exec("BEGIN"); !s.ok()) return s.status();
  auto begun = conn_->Exec("CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(schema) +
                           "; SET LOCAL search_path TO " + QuoteIdent(schema));
  if (!begun.ok()) {
    (void)conn_->Exec("ROLLBACK");
    return begun.status();
  }
  for (const Migration* m : plan.value().apply) {
    if (!m->transactional) {
      report.not_dry_runnable.push_back(m->file);
      continue;
    }
    auto ran = conn_->Exec(m->sql);
    if (!ran.ok()) {
      report.failed_file = m->file;
      report.failure = ran.status().message();
      break;
    }
    report.checked.push_back(m->file);
  }
  if (auto s = conn_->Exec("ROLLBACK"); !s.ok()) return s.status();
  return report;
}

Status Migrator::Rollback(const std::string& schema, uint32_t version) {
  auto journal = Journal(schema);
  if (!journal.ok()) return journal.status();
  if (journal.value().empty() || journal.value().back().version != version) {
    return Status::FailedPrecondition("version " + std::to_string(version) +
                                      " is not the most recently applied migration of " + schema +
                                      "; roll back in order");
  }
  const Migration* m = nullptr;
  for (const Migration& candidate : *migrations_) {
    if (candidate.version == version) m = &candidate;
  }
  if (m == nullptr)
    return Status::NotFound("no migration file for version " + std::to_string(version));
  if (m->phase != Phase::kContract) {
    return Status::FailedPrecondition(m->file +
                                      " is an expand migration: only contract "
                                      "migrations have rollback files");
  }
  if (journal.value().back().checksum != m->checksum) {
    return Status::FailedPrecondition(m->file + ": changed since it was applied (drift)");
  }
  if (auto s = conn_->Exec("BEGIN"); !s.ok()) return s.status();
  auto step = [&](Result<PgRows> r) -> Status {
    if (r.ok()) return Status::Ok();
    (void)conn_->Exec("ROLLBACK");
    return Status::FailedPrecondition(m->rollback_file + ": " + r.status().message());
  };
  if (Status s = step(conn_->Exec("SET LOCAL search_path TO " + QuoteIdent(schema))); !s.ok()) {
    return s;
  }
  if (Status s = step(conn_->Exec(m->rollback_sql)); !s.ok()) return s;
  if (Status s = step(conn_->Exec("DELETE FROM " + JournalTable(schema) + " WHERE version = $1",
                                  {std::to_string(version)}));
      !s.ok()) {
    return s;
  }
  return step(conn_->Exec("COMMIT"));
}

Result<std::vector<std::string>> Migrator::Tenants(const std::string& schema) {
  auto exists =
      conn_->Exec("SELECT to_regclass($1) IS NOT NULL", {QuoteIdent(schema) + ".dreichor_tenants"});
  if (!exists.ok()) return exists.status();
  if (exists.value().rows[0][0] != "t") {
    return Status::NotFound("no tenant registry: table " + schema +
                            ".dreichor_tenants does not exist");
  }
  auto rows = conn_->Exec("SELECT schema_name FROM " + QuoteIdent(schema) +
                          ".dreichor_tenants ORDER BY schema_name");
  if (!rows.ok()) return rows.status();
  std::vector<std::string> out;
  for (const auto& r : rows.value().rows) out.push_back(r[0]);
  return out;
}

}  // namespace dreichor::migrate
