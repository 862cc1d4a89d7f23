// PostgresLog: the audit log in PostgreSQL, in the table `<schema>.audit_events` that the
// migrations create (infra/db/schema.md), with the log's identity in `<schema>.audit_log_meta`.
//
// - Open takes a session advisory lock for the schema (waiting up to `lock_wait`, as a crashed
//   runtime's session can outlive it briefly), so a second runtime on the same log refuses;
//   it reads the last record to continue the chain (replay checks the whole chain).
// - Append writes a batch in one transaction with binary COPY; the COMMIT is the durability
//   point (synchronous_commit must be on, the server's default). After a failed append the log
//   refuses every later one, like the file backend: whether the COMMIT reached the disk is
//   unknown until a restart reads the table.
// - Readers use their own connection and stream the records with one binary
//   `COPY (SELECT ... ORDER BY sequence) TO STDOUT`, up to the last sequence durable when the
//   reader was created.
// The database enforces append-only (triggers refuse UPDATE, DELETE, TRUNCATE), and the
// runtime's role may only SELECT and INSERT.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "audit/audit_log.h"
#include "util/pg_connection.h"

namespace dreichor::audit {

struct PostgresLogOptions {
  std::string schema = "public";
  bool lock = true;  // false for read-only tools beside a live runtime
  // How long Connect waits for the lock: a previous runtime's session may take a moment to end
  // after its process did.
  std::chrono::milliseconds lock_wait{5000};
  // The epoch this log must be at (infra/db/REPLICATION.md): Load refuses a server at any other,
  // and one whose newest epoch does not continue its own chain. 0: not checked (read-only tools).
  uint32_t expected_epoch = 0;
};

class PostgresLog final : public AuditLog {
 public:
  // Connects, takes the lock and loads the log (Connect, then Load).
  static Result<std::unique_ptr<PostgresLog>> Open(const std::string& url,
                                                   const PostgresLogOptions& options);
  // Connects and takes the lock only; Load() must succeed before any other call.
  static Result<std::unique_ptr<PostgresLog>> Connect(const std::string& url,
                                                      const PostgresLogOptions& options);
  // Reads the log's identity, its last record and its epoch.
  Status Load();
  // The log's epoch (1 before any failover), as Load read it.
  uint32_t epoch() const { return epoch_; }
  // The connection, for checks before Load (the runtime's schema phase).
  PgConnection& connection() { return *conn_; }

  // Releases the lock before closing, so the next runtime can take it at once.
  ~PostgresLog() override;

  Status Append(const std::vector<PendingRecord>& batch) override;
  uint64_t last_sequence() const override;
  Digest last_chain() const override;
  Digest genesis() const override { return genesis_; }
  Result<std::unique_ptr<RecordReader>> ReadFrom(uint64_t from) override;
  std::string Describe() const override;

 private:
  PostgresLog(std::string url, PostgresLogOptions options, std::unique_ptr<PgConnection> conn)
      : url_(std::move(url)), options_(std::move(options)), conn_(std::move(conn)) {}
  // Reads the newest epoch; checks it continues this server's chain and is the expected one.
  Status CheckEpoch();

  std::string url_;
  PostgresLogOptions options_;
  std::unique_ptr<PgConnection> conn_;  // GUARDED_BY(mu_)
  Digest genesis_{};
  mutable std::mutex mu_;
  uint64_t last_sequence_ = 0;  // GUARDED_BY(mu_)
  Digest last_chain_{};         // GUARDED_BY(mu_)
  Status failed_;               // GUARDED_BY(mu_)
  bool locked_ = false;
  uint32_t epoch_ = 1;
};

}  // namespace dreichor::audit
