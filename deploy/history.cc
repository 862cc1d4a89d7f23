#include "deploy/history.h"

#include "audit/verify.h"
#include "util/json_log.h"
#include "util/json_text.h"

namespace dreichor::deploy {

namespace {

Result<std::vector<HistoryEntry>> ReadEntries(audit::AuditLog& log) {
  auto reader = log.ReadFrom(1);
  if (!reader.ok()) return reader.status();
  std::vector<HistoryEntry> entries;
  audit::Record r;
  while (true) {
    auto more = reader.value()->Next(&r);
    if (!more.ok()) return more.status();
    if (!more.value()) break;
    const std::string where = "history record " + std::to_string(r.sequence);
    if (r.type != kHistoryRecordType) {
      return Status::Corruption(where + " has type " + std::to_string(r.type));
    }
    auto record = HistoryRecord::FromJson(r.payload);
    if (!record.ok()) return Status::Corruption(where + ": " + record.status().message());
    entries.push_back(
        HistoryEntry{r.sequence, r.timestamp_ns, ToHex(r.chain), std::move(record).value()});
  }
  return entries;
}

}  // namespace

History::History(std::unique_ptr<audit::FileLog> log, Clock* clock)
    : log_(std::move(log)), clock_(clock), ids_(RandomSource::System()) {}

Result<std::unique_ptr<History>> History::Open(Env* env, const std::string& dir, Clock* clock) {
  if (Status s = env->CreateDirs(dir); !s.ok()) return s;
  audit::RecoveryReport report;
  audit::FileLogOptions options;
  options.clock = clock;
  auto log = audit::FileLog::Open(env, dir, options, &report);
  if (!log.ok()) return log.status();
  return std::unique_ptr<History>(new History(std::move(log).value(), clock));
}

Result<uint64_t> History::Append(const HistoryRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  audit::PendingRecord r;
  r.sequence = log_->last_sequence() + 1;
  r.timestamp_ns = clock_->NowUnixNanos();
  r.event_id = ids_.Next(r.timestamp_ns);
  r.type = kHistoryRecordType;
  r.payload = JsonText(record.ToJson());
  if (Status s = log_->Append({r}); !s.ok()) return s;
  return r.sequence;
}

Result<std::vector<HistoryEntry>> History::ReadAll() { return ReadEntries(*log_); }

nlohmann::ordered_json EntryJson(const HistoryEntry& e) {
  nlohmann::ordered_json j;
  j["sequence"] = e.sequence;
  j["time"] = FormatUtc(e.time_ns, 3);
  j["chain"] = e.chain;
  const nlohmann::ordered_json fields = e.record.ToJson();
  for (const auto& [k, v] : fields.items()) j[k] = v;
  return j;
}

Result<std::vector<HistoryEntry>> ReadHistoryForVerification(Env* env, const std::string& dir) {
  audit::FileLogOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  audit::RecoveryReport report;
  auto log = audit::FileLog::Open(env, dir, options, &report);
  if (!log.ok()) return log.status();
  auto verified = audit::VerifyLog(*log.value());
  if (!verified.ok()) return verified.status();
  return ReadEntries(*log.value());
}

}  // namespace dreichor::deploy
