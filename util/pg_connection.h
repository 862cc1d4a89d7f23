// A PostgreSQL connection over libpq, with errors that say what failed and where.
//
// Errors carry PostgreSQL's message, its SQLSTATE and, for a statement that failed inside a
// multi-statement script, that statement. Connection errors never contain the password.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "util/status.h"

namespace dreichor {

// Rows of values (text, or raw bytes for binary results); NULL reads as "".
struct PgRows {
  std::vector<std::vector<std::string>> rows;
};

class PgConnection {
 public:
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` (one or more statements, simple query protocol); the rows of the last one.
  Result<PgRows> Exec(const std::string& sql);
  // Runs one statement with $1.. parameters (text).
  Result<PgRows> Exec(const std::string& sql, const std::vector<std::string>& params);

  // Runs one statement with text parameters and returns the rows in binary form (integers
  // big-endian, bytea raw); `binary_params` marks parameters already in binary form.
  Result<PgRows> ExecBinary(const std::string& sql, const std::vector<std::string>& params);
  // COPY ... FROM STDIN with `data` (e.g. the binary COPY format).
  Status CopyIn(const std::string& copy_sql, const std::string& data);

  // The user the server knows this session as.
  std::string user() const;

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  Result<PgRows> Collect(PGresult* result, const std::string& sql, bool binary = false);
  PGconn* conn_;
};

// `url` with its password replaced by <redacted>, for messages.
std::string RedactUrl(const std::string& url);

// Quotes an identifier (schema or table name) for SQL.
std::string QuoteIdent(const std::string& name);

}  // namespace dreichor
