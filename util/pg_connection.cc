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

Status PgConnection::CopyInTransaction(const std::string& copy_sql,
                                       const std::function<bool(std::string* chunk)>& next_chunk) {
  const std::string sql = "BEGIN; " + copy_sql + "; COMMIT";
  PGresult* start = PQexec(conn_, sql.c_str());
  if (PQresultStatus(start) != PGRES_COPY_IN) {
    auto failed = Collect(start, sql);
    (void)Exec("ROLLBACK");
    return failed.ok() ? Status::IoError("COPY did not start: " + copy_sql) : failed.status();
  }
  PQclear(start);
  std::string chunk;
  Status sent = Status::Ok();
  while (sent.ok() && next_chunk(&chunk)) {
    if (PQputCopyData(conn_, chunk.data(), static_cast<int>(chunk.size())) != 1) {
      sent = Status::IoError(std::string("COPY failed: ") + PQerrorMessage(conn_));
    }
    chunk.clear();
  }
  // Ending with an error message makes the server fail the COPY, and so skip the COMMIT.
  if (PQputCopyEnd(conn_, sent.ok() ? nullptr : "the client gave up") != 1 && sent.ok()) {
    sent = Status::IoError(std::string("COPY failed: ") + PQerrorMessage(conn_));
  }
  Status result = sent;
  bool committed = false;
  while (PGresult* r = PQgetResult(conn_)) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      auto failed = Collect(r, sql);
      if (result.ok()) result = failed.ok() ? Status::IoError("COPY failed") : failed.status();
      continue;
    }
    committed = std::string_view(PQcmdStatus(r)) == "COMMIT";
    PQclear(r);
  }
  if (result.ok() && !committed) result = Status::IoError("the COPY's transaction did not commit");
  // After a failure the session may still be inside the aborted transaction block.
  if (!result.ok()) (void)Exec("ROLLBACK");
  return result;
}

Result<std::unique_ptr<PgCopyOutStream>> PgConnection::CopyOut(const std::string& copy_sql) {
  PGresult* start = PQexec(conn_, copy_sql.c_str());
  if (PQresultStatus(start) != PGRES_COPY_OUT) {
    auto failed = Collect(start, copy_sql);
    return failed.ok() ? Status::IoError("COPY did not start: " + copy_sql) : failed.status();
  }
  PQclear(start);
  return std::unique_ptr<PgCopyOutStream>(new PgCopyOutStream(this, copy_sql));
}

namespace {

uint32_t ReadBE32(std::string_view b) {
  return (uint32_t{static_cast<uint8_t>(b[0])} << 24) |
         (uint32_t{static_cast<uint8_t>(b[1])} << 16) |
         (uint32_t{static_cast<uint8_t>(b[2])} << 8) | uint32_t{static_cast<uint8_t>(b[3])};
}

}  // namespace

PgCopyOutStream::~PgCopyOutStream() {
  // Abandoned before the end: the rest is drained, so that the connection can serve again.
  while (!done_) {
    auto more = NextMessage();
    if (!more.ok() || !more.value()) break;
  }
  if (message_ != nullptr) PQfreemem(message_);
}

Result<bool> PgCopyOutStream::NextMessage() {
  if (message_ != nullptr) {
    PQfreemem(message_);
    message_ = nullptr;
  }
  char* buffer = nullptr;
  const int n = PQgetCopyData(owner_->conn_, &buffer, 0);
  if (n == -1) {
    done_ = true;
    if (Status s = Finish(); !s.ok()) return s;
    return false;
  }
  if (n < 0) {
    done_ = true;
    return Status::IoError(std::string("COPY failed: ") + PQerrorMessage(owner_->conn_));
  }
  message_ = buffer;
  rest_ = std::string_view(buffer, static_cast<size_t>(n));
  return true;
}

Status PgCopyOutStream::Finish() {
  Status result = Status::Ok();
  while (PGresult* r = PQgetResult(owner_->conn_)) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK && result.ok()) {
      auto failed = owner_->Collect(r, sql_);
      result = failed.ok() ? Status::IoError("COPY failed") : failed.status();
    } else {
      PQclear(r);
    }
  }
  return result;
}

Result<bool> PgCopyOutStream::Next(std::vector<std::string_view>* fields) {
  static constexpr std::string_view kSignature("PGCOPY\n\377\r\n\0", 11);
  for (;;) {
    if (done_) return false;
    if (rest_.empty()) {
      auto more = NextMessage();
      if (!more.ok() || !more.value()) return more;
      continue;
    }
    if (!header_read_) {
      // signature, flags, header extension length, the extension
      if (rest_.size() < 19 || rest_.substr(0, 11) != kSignature) {
        return Status::Corruption("COPY: not binary COPY data");
      }
      const uint32_t extension = ReadBE32(rest_.substr(15));
      if (rest_.size() < 19 + size_t{extension}) return Status::Corruption("COPY: short header");
      rest_.remove_prefix(19 + extension);
      header_read_ = true;
      continue;
    }
    if (rest_.size() < 2) return Status::Corruption("COPY: a row is cut short");
    const auto count = static_cast<int16_t>((static_cast<uint8_t>(rest_[0]) << 8) |
                                            static_cast<uint8_t>(rest_[1]));
    rest_.remove_prefix(2);
    if (count == -1) {  // the trailer; the server ends the COPY next
      rest_ = {};
      for (;;) {
        auto more = NextMessage();
        if (!more.ok() || !more.value()) return more.ok() ? Result<bool>(false) : more;
      }
    }
    fields->clear();
    for (int16_t i = 0; i < count; ++i) {
      if (rest_.size() < 4) return Status::Corruption("COPY: a field is cut short");
      const uint32_t length = ReadBE32(rest_);
      rest_.remove_prefix(4);
      if (length == 0xFFFFFFFFu) {
        fields->emplace_back();
        continue;
      }
      if (rest_.size() < length) return Status::Corruption("COPY: a field is cut short");
      fields->push_back(rest_.substr(0, length));
      rest_.remove_prefix(length);
    }
    return true;
  }
}

}  // namespace dreichor
