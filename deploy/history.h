// History: the agent's hash-chained record of every action and its outcome, kept in the audit
// module's file log (docs/audit-log-format.md) under <base dir>/deploy-agent/history. Each record
// is of type kHistoryRecordType and its payload one HistoryRecord as JSON (history_record.h;
// docs/deploy-agent.md lists the fields). `dreichor deploy history verify <dir>` checks the chain.
//
//   auto history = History::Open(Env::Default(), dir, Clock::Real());
//   uint64_t seq = history.value()->Append(record).value();
//   auto entries = history.value()->ReadAll();
//
// Thread-safe. An append that fails poisons the log (the audit module's rule); the agent then
// refuses further actions.
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "audit/event_id.h"
#include "audit/file_log.h"
#include "deploy/history_record.h"
#include "util/clock.h"
#include "util/env.h"

namespace dreichor::deploy {

inline constexpr uint16_t kHistoryRecordType = 0x4801;

struct HistoryEntry {
  uint64_t sequence = 0;
  int64_t time_ns = 0;
  std::string chain;  // hex
  HistoryRecord record;
};

class History {
 public:
  static Result<std::unique_ptr<History>> Open(Env* env, const std::string& dir, Clock* clock);

  // Stamps the record with the time and appends it durably; returns its sequence number.
  Result<uint64_t> Append(const HistoryRecord& record);
  // Every entry; a record that does not read as a HistoryRecord is corruption naming it.
  Result<std::vector<HistoryEntry>> ReadAll();

 private:
  History(std::unique_ptr<audit::FileLog> log, Clock* clock);

  std::unique_ptr<audit::FileLog> log_;
  Clock* clock_;
  std::mutex mu_;
  audit::EventIdGenerator ids_;  // GUARDED_BY(mu_)
};

// An entry as JSON for the API and the CLI: sequence, time, chain hash, then its record's fields.
nlohmann::ordered_json EntryJson(const HistoryEntry& e);

// Reads and checks a history directory without taking the agent's lock: every record's checksum,
// the whole chain, and every payload being a HistoryRecord. For the CLI.
Result<std::vector<HistoryEntry>> ReadHistoryForVerification(Env* env, const std::string& dir);

}  // namespace dreichor::deploy
