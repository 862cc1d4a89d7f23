// A PostgreSQL connection over libpq, with errors that say what failed and where.
//
// Errors carry PostgreSQL's message, its SQLSTATE and, for a statement that failed inside a
// multi-statement script, that statement. Connection errors never contain the password.
#pragma once

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace dreichor {

// Rows of values (text, or raw bytes for binary results); NULL reads as "".
struct PgRows {
  std::vector<std::vector<std::string>> rows;
};

class PgConnection;

// The rows of one `COPY ... TO STDOUT (FORMAT binary)`, read one at a time as the server sends
// them (PgConnection::CopyOut). While it is open the connection serves nothing else; reading it
// to the end frees it.
class PgCopyOutStream {
 public:
  ~PgCopyOutStream();
  PgCopyOutStream(const PgCopyOutStream&) = delete;
  PgCopyOutStream& operator=(const PgCopyOutStream&) = delete;

  // The next row's fields (raw binary values; a NULL is an empty view), valid until the next
  // call; false after the last row. Corruption when the stream is not binary COPY data.
  Result<bool> Next(std::vector<std::string_view>* fields);

 private:
  friend class PgConnection;
  PgCopyOutStream(PgConnection* owner, std::string sql) : owner_(owner), sql_(std::move(sql)) {}
  Result<bool> NextMessage();
  Status Finish();

  PgConnection* owner_;
  std::string sql_;
  char* message_ = nullptr;  // the server's current CopyData message (PQfreemem)
  std::string_view rest_;    // what of it is not read yet
  bool header_read_ = false;
  bool done_ = false;
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
  // Runs `copy_sql` (a COPY ... FROM STDIN) in its own transaction, in one round trip: the
  // statements BEGIN, the COPY and COMMIT go as one query, and the data as `next_chunk` produces
  // it (true with a chunk to send, false when done), so the server inserts while the caller
  // still encodes. Ok only when the COMMIT succeeded; on any failure the transaction is rolled
  // back (or never committed) and the error says why.
  Status CopyInTransaction(const std::string& copy_sql,
                           const std::function<bool(std::string* chunk)>& next_chunk);
  // Starts `COPY (...) TO STDOUT (FORMAT binary)`; its rows are read from the stream.
  Result<std::unique_ptr<PgCopyOutStream>> CopyOut(const std::string& copy_sql);

  // The user the server knows this session as.
  std::string user() const;

 private:
  friend class PgCopyOutStream;
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  Result<PgRows> Collect(PGresult* result, const std::string& sql, bool binary = false);
  PGconn* conn_;
};

// `url` with its password replaced by <redacted>, for messages.
std::string RedactUrl(const std::string& url);

// Quotes an identifier (schema or table name) for SQL.
std::string QuoteIdent(const std::string& name);

}  // namespace dreichor
