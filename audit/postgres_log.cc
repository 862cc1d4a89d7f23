#include "audit/postgres_log.h"

#include <cstring>
#include <thread>

#include "audit/log_format.h"
#include "audit/segment_format.h"

namespace dreichor::audit {

namespace {

std::string Table(const PostgresLogOptions& o, const char* name) {
  return QuoteIdent(o.schema) + "." + name;
}

uint64_t BigEndian(std::string_view bytes) {
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

void PutBE16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}
void PutBE32(std::string* out, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out->push_back(static_cast<char>(v >> s));
}
void PutBE64(std::string* out, uint64_t v) {
  for (int s = 56; s >= 0; s -= 8) out->push_back(static_cast<char>(v >> s));
}
void PutField(std::string* out, const void* data, size_t n) {
  PutBE32(out, static_cast<uint32_t>(n));
  out->append(static_cast<const char*>(data), n);
}
void PutInt64Field(std::string* out, uint64_t v) {
  PutBE32(out, 8);
  PutBE64(out, v);
}

// PostgreSQL's binary COPY format (columns as in audit_events): the header, one row per record,
// the trailer.
void PutCopyHeader(std::string* out) {
  out->append("PGCOPY\n\377\r\n\0", 11);
  PutBE32(out, 0);  // flags
  PutBE32(out, 0);  // header extension length
}
void PutCopyRow(std::string* out, const PendingRecord& r, const Digest& chain) {
  PutBE16(out, 6);
  PutInt64Field(out, r.sequence);
  PutInt64Field(out, static_cast<uint64_t>(r.timestamp_ns));
  PutField(out, r.event_id.data(), r.event_id.size());
  PutBE32(out, 4);
  PutBE32(out, r.type);
  PutField(out, r.payload.data(), r.payload.size());
  PutField(out, chain.data(), chain.size());
}
void PutCopyTrailer(std::string* out) { PutBE16(out, 0xFFFF); }

// Chunks of COPY data are handed to the server as they are encoded (and their chain hashes
// computed), so that it inserts while the rest is prepared.
constexpr size_t kCopyChunkBytes = 64 << 10;

// Reads records from..until with one binary COPY, row by row as the server sends them.
class PostgresRecordReader final : public RecordReader {
 public:
  PostgresRecordReader(std::unique_ptr<PgConnection> conn, PostgresLogOptions options,
                       uint64_t from, uint64_t until)
      : conn_(std::move(conn)), options_(std::move(options)), next_(from), until_(until) {}

  Result<bool> Next(Record* record) override {
    if (next_ > until_) return false;
    if (stream_ == nullptr) {
      auto stream = conn_->CopyOut(
          "COPY (SELECT sequence, timestamp_ns, event_id, type, payload, chain_hash FROM " +
          Table(options_, "audit_events") + " WHERE sequence >= " + std::to_string(next_) +
          " AND sequence <= " + std::to_string(until_) +
          " ORDER BY sequence) TO STDOUT (FORMAT binary)");
      if (!stream.ok()) return Status::IoError(Where() + ": " + stream.status().message());
      stream_ = std::move(stream).value();
    }
    auto row = stream_->Next(&fields_);
    if (!row.ok()) return Status::IoError(Where() + ": " + row.status().message());
    if (!row.value()) {
      return Status::Corruption(Where() + ": record " + std::to_string(next_) +
                                " is missing (the log ends at " + std::to_string(until_) + ")");
    }
    if (fields_.size() != 6 || fields_[0].size() != 8 || fields_[1].size() != 8 ||
        fields_[2].size() != record->event_id.size() || fields_[3].size() != 4 ||
        fields_[5].size() != record->chain.size()) {
      return Status::Corruption(Where() + ": a column has the wrong size");
    }
    Record& r = *record;
    r.sequence = BigEndian(fields_[0]);
    if (r.sequence != next_) {
      return Status::Corruption(Where() + ": expected record " + std::to_string(next_) +
                                ", found " + std::to_string(r.sequence));
    }
    r.timestamp_ns = static_cast<int64_t>(BigEndian(fields_[1]));
    std::memcpy(r.event_id.data(), fields_[2].data(), r.event_id.size());
    r.type = static_cast<uint16_t>(BigEndian(fields_[3]));
    r.payload.assign(fields_[4].data(), fields_[4].size());
    std::memcpy(r.chain.data(), fields_[5].data(), r.chain.size());
    last_ = next_++;
    return true;
  }

  std::string Where() const override {
    return options_.schema + ".audit_events sequence " + std::to_string(last_ ? last_ : next_);
  }

 private:
  std::unique_ptr<PgConnection> conn_;
  PostgresLogOptions options_;
  uint64_t next_;
  uint64_t until_;
  uint64_t last_ = 0;
  std::unique_ptr<PgCopyOutStream> stream_;  // declared after conn_: closed before it
  std::vector<std::string_view> fields_;
};

}  // namespace

Result<std::unique_ptr<PostgresLog>> PostgresLog::Open(const std::string& url,
                                                       const PostgresLogOptions& options) {
  auto log = Connect(url, options);
  if (!log.ok()) return log;
  if (Status s = log.value()->Load(); !s.ok()) return s;
  return log;
}

Result<std::unique_ptr<PostgresLog>> PostgresLog::Connect(const std::string& url,
                                                          const PostgresLogOptions& options) {
  auto conn = PgConnection::Connect(url);
  if (!conn.ok()) return conn.status();
  std::unique_ptr<PostgresLog> log(new PostgresLog(url, options, std::move(conn).value()));
  PgConnection& c = *log->conn_;
  if (options.lock) {
    const auto deadline = std::chrono::steady_clock::now() + options.lock_wait;
    for (;;) {
      auto locked = c.Exec("SELECT pg_try_advisory_lock(hashtext($1))",
                           {"dreichor-runtime:" + options.schema});
      if (!locked.ok()) return locked.status();
      if (locked.value().rows[0][0] == "t") break;
      if (std::chrono::steady_clock::now() >= deadline) {
        return Status::FailedPrecondition("the audit log " + options.schema +
                                          ".audit_events is locked by another runtime");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    log->locked_ = true;
  }
  return log;
}

Status PostgresLog::Load() {
  std::lock_guard<std::mutex> guard(mu_);
  auto meta = conn_->ExecBinary(
      "SELECT log_id, created_at_ns FROM " + Table(options_, "audit_log_meta"), {});
  if (!meta.ok()) return meta.status();
  if (meta.value().rows.size() != 1 || meta.value().rows[0][0].size() != 16) {
    return Status::Corruption(options_.schema + ".audit_log_meta must hold exactly one log id");
  }
  LogHeader header;
  std::memcpy(header.log_id.data(), meta.value().rows[0][0].data(), 16);
  header.created_at_ns = static_cast<int64_t>(BigEndian(meta.value().rows[0][1]));
  genesis_ = GenesisHash(header);
  auto last =
      conn_->ExecBinary("SELECT sequence, chain_hash FROM " + Table(options_, "audit_events") +
                            " ORDER BY sequence DESC LIMIT 1",
                        {});
  if (!last.ok()) return last.status();
  last_sequence_ = 0;
  last_chain_ = genesis_;
  if (!last.value().rows.empty()) {
    const auto& row = last.value().rows[0];
    if (row[1].size() != last_chain_.size()) {
      return Status::Corruption(options_.schema + ".audit_events: a chain hash of the wrong size");
    }
    last_sequence_ = BigEndian(row[0]);
    std::memcpy(last_chain_.data(), row[1].data(), last_chain_.size());
  }
  if (options_.expected_epoch == 0) return Status::Ok();
  return CheckEpoch();
}

Status PostgresLog::CheckEpoch() {
  auto newest =
      conn_->ExecBinary("SELECT epoch, since_sequence, chain_hash FROM " +
                            Table(options_, "audit_log_epochs") + " ORDER BY epoch DESC LIMIT 1",
                        {});
  if (!newest.ok()) return newest.status();
  epoch_ = 1;
  if (!newest.value().rows.empty()) {
    const auto& row = newest.value().rows[0];
    epoch_ = static_cast<uint32_t>(BigEndian(row[0]));
    const uint64_t since = BigEndian(row[1]);
    // The promoted server must continue the chain it was promoted with.
    Digest at_promotion = genesis_;
    if (since > 0) {
      auto record = conn_->ExecBinary(
          "SELECT chain_hash FROM " + Table(options_, "audit_events") + " WHERE sequence = $1",
          {std::to_string(since)});
      if (!record.ok()) return record.status();
      if (record.value().rows.empty() || record.value().rows[0][0].size() != at_promotion.size()) {
        return Status::Corruption(Describe() + ": epoch " + std::to_string(epoch_) +
                                  " began at record " + std::to_string(since) +
                                  ", which this server does not hold");
      }
      std::memcpy(at_promotion.data(), record.value().rows[0][0].data(), at_promotion.size());
    }
    if (since > last_sequence_ ||
        row[2] != std::string_view(reinterpret_cast<const char*>(at_promotion.data()),
                                   at_promotion.size())) {
      return Status::Corruption(Describe() + ": epoch " + std::to_string(epoch_) +
                                " does not continue this server's chain at record " +
                                std::to_string(since));
    }
  }
  if (epoch_ < options_.expected_epoch) {
    return Status::FailedPrecondition(
        Describe() + " is at epoch " + std::to_string(epoch_) + ", the runtime expects epoch " +
        std::to_string(options_.expected_epoch) +
        ": this server's log is from before a failover (a stale or old primary); it is never "
        "written to");
  }
  if (epoch_ > options_.expected_epoch) {
    return Status::FailedPrecondition(
        Describe() + " is at epoch " + std::to_string(epoch_) + ", the runtime expects epoch " +
        std::to_string(options_.expected_epoch) +
        ": a failover happened that the runtime's configuration does not know; check it, then "
        "set DREICHOR_DATABASE_EPOCH=" +
        std::to_string(epoch_));
  }
  return Status::Ok();
}

PostgresLog::~PostgresLog() {
  if (locked_) {
    (void)conn_->Exec("SELECT pg_advisory_unlock(hashtext($1))",
                      {"dreichor-runtime:" + options_.schema});
  }
}

Status PostgresLog::Append(const std::vector<PendingRecord>& batch) {
  std::lock_guard<std::mutex> guard(mu_);
  if (!failed_.ok()) return failed_;
  if (batch.empty()) return Status::Ok();
  for (size_t i = 0; i < batch.size(); ++i) {
    const PendingRecord& r = batch[i];
    if (r.sequence != last_sequence_ + 1 + i) {
      return Status::FailedPrecondition("batch does not continue the log: record " +
                                        std::to_string(r.sequence) + " after " +
                                        std::to_string(last_sequence_ + i));
    }
    if (r.payload.size() > kMaxPayloadSize) {
      return Status::InvalidArgument("payload of record " + std::to_string(r.sequence) +
                                     " exceeds " + std::to_string(kMaxPayloadSize) + " bytes");
    }
  }
  Digest chain = last_chain_;
  size_t next = 0;
  bool header = false, trailer = false;
  const auto produce = [&](std::string* chunk) {
    if (trailer) return false;
    if (!header) {
      PutCopyHeader(chunk);
      header = true;
    }
    for (; next < batch.size() && chunk->size() < kCopyChunkBytes; ++next) {
      chain = ChainHash(chain, batch[next]);
      PutCopyRow(chunk, batch[next], chain);
    }
    if (next == batch.size()) {
      PutCopyTrailer(chunk);
      trailer = true;
    }
    return true;
  };
  // One transaction, one round trip: its COMMIT is the durability point.
  if (Status s = conn_->CopyInTransaction("COPY " + Table(options_, "audit_events") +
                                              " (sequence, timestamp_ns, event_id, type, "
                                              "payload, chain_hash) FROM STDIN (FORMAT binary)",
                                          produce);
      !s.ok()) {
    failed_ = Status::IoError("postgres append failed: " + s.message());
    return failed_;
  }
  last_sequence_ = batch.back().sequence;
  last_chain_ = chain;
  return Status::Ok();
}

uint64_t PostgresLog::last_sequence() const {
  std::lock_guard<std::mutex> guard(mu_);
  return last_sequence_;
}

Digest PostgresLog::last_chain() const {
  std::lock_guard<std::mutex> guard(mu_);
  return last_chain_;
}

Result<std::unique_ptr<RecordReader>> PostgresLog::ReadFrom(uint64_t from) {
  const uint64_t until = last_sequence();
  auto conn = PgConnection::Connect(url_);
  if (!conn.ok()) return conn.status();
  return std::unique_ptr<RecordReader>(
      new PostgresRecordReader(std::move(conn).value(), options_, from < 1 ? 1 : from, until));
}

std::string PostgresLog::Describe() const {
  return "postgres:" + RedactUrl(url_) + "#" + options_.schema;
}

}  // namespace dreichor::audit
