#include "util/pg_connection.h"

#include <cstdlib>

namespace dreichor {

std::string RedactUrl(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t at = url.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  const size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "<redacted>" + url.substr(at);
}

std::string QuoteIdent(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return Status::IoError("cannot allocate a PostgreSQL connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    PQfinish(conn);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return Status::IoError("cannot connect to " + RedactUrl(url) + ": " + why);
  }
  // Notices (e.g. "relation already exists, skipping") are not errors; keep them off stderr.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

std::string PgConnection::user() const { return PQuser(conn_); }

namespace {

// The statement of `sql` containing 1-based character `position` (PostgreSQL's error
// position), for messages.
std::string StatementAt(const std::string& sql, long position) {
  if (position <= 0 || static_cast<size_t>(position) > sql.size()) return "";
  const size_t at = static_cast<size_t>(position - 1);
  const size_t start = sql.rfind(';', at);
  const size_t end = sql.find(';', at);
  std::string s =
      sql.substr(start == std::string::npos ? 0 : start + 1,
                 end == std::string::npos ? std::string::npos
                                          : end - (start == std::string::npos ? 0 : start + 1) + 1);
  const size_t b = s.find_first_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b);
}

}  // namespace

Result<PgRows> PgConnection::Collect(PGresult* result, const std::string& sql, bool binary) {
  const ExecStatusType status = PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    PgRows rows;
    for (int r = 0; r < PQntuples(result); ++r) {
      std::vector<std::string> row;
      for (int c = 0; c < PQnfields(result); ++c) {
        if (binary) {
          row.emplace_back(PQgetvalue(result, r, c),
                           static_cast<size_t>(PQgetlength(result, r, c)));
        } else {
          row.emplace_back(PQgetvalue(result, r, c));
        }
      }
      rows.rows.push_back(std::move(row));
    }
    PQclear(result);
    return rows;
  }
  std::string message;
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* position = PQresultErrorField(result, PG_DIAG_STATEMENT_POSITION);
  message = primary != nullptr ? primary : PQerrorMessage(conn_);
  while (!message.empty() && message.back() == '\n') message.pop_back();
  if (state != nullptr) message += " (SQLSTATE " + std::string(state) + ")";
  const std::string statement = position != nullptr ? StatementAt(sql, std::atol(position)) : "";
  if (!statement.empty()) message += "\n  in statement: " + statement;
  PQclear(result);
  return Status::FailedPrecondition(message);
}

Result<PgRows> PgConnection::Exec(const std::string& sql) {
  return Collect(PQexec(conn_, sql.c_str()), sql);
}

Result<PgRows> PgConnection::Exec(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p.c_str());
  return Collect(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                              values.data(), nullptr, nullptr, 0),
                 sql);
}

Result<PgRows> PgConnection::ExecBinary(const std::string& sql,
                                        const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const std::string& p : params) values.push_back(p.c_str());
  return Collect(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                              values.data(), nullptr, nullptr, 1),
                 sql, /*binary=*/true);
}

Status PgConnection::CopyIn(const std::string& copy_sql, const std::string& data) {
  PGresult* start = PQexec(conn_, copy_sql.c_str());
  if (PQresultStatus(start) != PGRES_COPY_IN) {
    auto failed = Collect(start, copy_sql);
    return failed.ok() ? Status::IoError("COPY did not start: " + copy_sql) : failed.status();
  }
  PQclear(start);
  if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1 ||
      PQputCopyEnd(conn_, nullptr) != 1) {
    return Status::IoError(std::string("COPY failed: ") + PQerrorMessage(conn_));
  }
  Status result = Status::Ok();
  while (PGresult* r = PQgetResult(conn_)) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK && result.ok()) {
      auto failed = Collect(r, copy_sql);
      result = failed.ok() ? Status::IoError("COPY failed") : failed.status();
    } else {
      PQclear(r);
    }
  }
  return result;
}

}  // namespace dreichor
