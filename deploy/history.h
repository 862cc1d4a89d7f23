// History: the agent's hash-chained record of every action and its outcome, kept in the audit
// module's file log (docs/audit-log-format.md) under <base dir>/deploy-agent/history. Each record
// is of type kHistoryRecordType and its payload one JSON object (docs/deploy-agent.md lists
// the fields). `dreichor deploy history verify <dir>` checks the chain.
//
//   auto history = History::Open(dir, &clock);
//   uint64_t seq = history.value()->Append({{"action", "deploy"}, {"outcome", "started"}}).value();
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
#include "deploy/clock.h"

namespace dreichor::deploy {

inline constexpr uint16_t kHistoryRecordType = 0x4801;

struct HistoryEntry {
  uint64_t sequence = 0;
  int64_t time_ns = 0;
  std::string chain;  // hex
  nlohmann::ordered_json fields;
};

class History {
 public:
  static Result<std::unique_ptr<History>> Open(const std::string& dir, Clock* clock);

  // Stamps the entry with the time and appends it durably; returns its sequence number.
  Result<uint64_t> Append(const nlohmann::ordered_json& fields);
  Result<std::vector<HistoryEntry>> ReadAll();

 private:
  History(std::unique_ptr<audit::FileLog> log, Clock* clock);

  std::unique_ptr<audit::FileLog> log_;
  Clock* clock_;
  std::mutex mu_;
  audit::EventIdGenerator ids_;  // GUARDED_BY(mu_)
};

// An entry as JSON for the API and the CLI: sequence, time, chain hash, then its fields.
nlohmann::ordered_json EntryJson(const HistoryEntry& e);

// Reads and checks a history directory without taking the agent's lock: every record's checksum,
// the whole chain, and every payload being a JSON object. For the CLI.
Result<std::vector<HistoryEntry>> ReadHistoryForVerification(const std::string& dir);

}  // namespace dreichor::deploy
