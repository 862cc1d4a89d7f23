#include "cli/failover.h"

#include "audit/postgres_log.h"
#include "util/clock.h"
#include "util/sha256.h"

namespace dreichor::cli {

int AuditFailover(const LogSource& source, const std::string& note, std::ostream& out,
                  std::ostream& err) {
  if (source.database_url.empty()) {
    err << "failover is for a PostgreSQL log: give --database-url\n";
    return kUsage;
  }
  if (note.empty() || note.size() > 1000) {
    err << "--note: say in 1 to 1000 characters why and by whom (it is recorded)\n";
    return kUsage;
  }
  if (Status s = CheckDatabaseUrl(source.database_url); !s.ok()) {
    err << s.message() << "\n";
    return kUsage;
  }
  audit::PostgresLogOptions options;
  options.schema = source.schema;
  options.lock_wait = std::chrono::milliseconds(2000);
  auto log = audit::PostgresLog::Connect(source.database_url, options);
  if (!log.ok()) {
    err << "cannot take the log of " << RedactUrl(source.database_url) << " schema "
        << source.schema << ": " << log.status().message() << "\n";
    return kCannotRead;
  }
  PgConnection& db = log.value()->connection();
  auto recovery = db.Exec("SELECT pg_is_in_recovery()");
  if (!recovery.ok()) {
    err << recovery.status().message() << "\n";
    return kCannotRead;
  }
  if (recovery.value().rows[0][0] == "t") {
    err << "the server is still a standby (in recovery): promote it first (pg_ctl promote)\n";
    return kProblemFound;
  }
  if (Status s = log.value()->Load(); !s.ok()) {
    err << "cannot read the log: " << s.message() << "\n";
    return kCannotRead;
  }
  const std::string table = QuoteIdent(source.schema) + ".audit_log_epochs";
  auto newest = db.Exec("SELECT coalesce(max(epoch), 1) FROM " + table);
  if (!newest.ok()) {
    err << "cannot read the epochs: " << newest.status().message() << "\n";
    return kCannotRead;
  }
  const int64_t epoch = std::stoll(newest.value().rows[0][0]) + 1;
  const uint64_t since = log.value()->last_sequence();
  const std::string chain = ToHex(log.value()->last_chain());
  auto added =
      db.Exec("INSERT INTO " + table +
                  " (epoch, since_sequence, chain_hash, promoted_at_ns, note) VALUES ($1, $2, "
                  "decode($3, 'hex'), $4, $5)",
              {std::to_string(epoch), std::to_string(since), chain,
               std::to_string(Clock::Real()->NowUnixNanos()), note});
  if (!added.ok()) {
    err << "cannot record the failover: " << added.status().message() << "\n";
    return kCannotRead;
  }
  out << "epoch " << epoch << " begins after record " << since << " (chain " << chain
      << ").\nSet DREICHOR_DATABASE_EPOCH=" << epoch
      << " in the runtime's env file, point DREICHOR_DATABASE_URL at this server, and start it.\n";
  return kOk;
}

}  // namespace dreichor::cli
