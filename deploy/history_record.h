// HistoryRecord: one entry of the deploy agent's history, as a value.
//
// On disk each record's payload is one JSON object (docs/deploy-agent.md, "History"). Its field
// names, their order and which ones are present are frozen: ToJson writes exactly the bytes
// earlier builds wrote, FromJson reads them back and refuses anything else with a message naming
// the field. deploy/testdata/history-v1/ is a history written by an earlier build; a test reads
// it and writes every record again byte for byte.
//
// Fields, always in this order, each only when present:
//   action, outcome, deployment, operator, tag, digest, image, exit_code, duration_ms, step,
//   reason, logs, old_stopped, left_running, trace_id, peer_env, peer_deployment
//
//   HistoryRecord r{.action = Action::kDeploy, .outcome = Outcome::kStarted, ...};
//   std::string payload = JsonText(r.ToJson());
//   auto back = HistoryRecord::FromJson(payload);   // Result<HistoryRecord>
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace dreichor::deploy {

// kPromote: this environment deployed the digest that ran in the environment before it.
// kPromoted: the environment after this one deployed this environment's digest (one record, in
// the source's history, written when the receiving agent reports its success).
enum class Action { kDeploy, kRollback, kStop, kStart, kPromote, kPromoted };
enum class Outcome { kStarted, kSucceeded, kFailed, kRefused, kNoop };
// Where an action failed. Steps before kStopOld leave the running runtime untouched.
enum class Step {
  kEnv,         // the runtime env file
  kVolumes,     // the two volume directories
  kNetwork,     // the environment's own container network
  kPull,        // pulling the image (and resolving its digest)
  kInspect,     // finding the containers this agent owns
  kMigrations,  // the one-shot migrations container
  kStopOld,     // stopping the running runtime
  kRenameOld,   // setting it aside as <name>-previous
  kCreate,      // creating the new container
  kStart,       // starting it
  kReadiness,   // waiting for its healthcheck
};

const char* ActionName(Action a);    // "deploy", "rollback", "stop", "start", "promote", "promoted"
const char* OutcomeName(Outcome o);  // "started", "succeeded", "failed", "refused", "noop"
const char* StepName(Step s);        // "env", "volumes", "pull", ..., "stop-old", "readiness"

struct HistoryRecord {
  Action action = Action::kDeploy;
  Outcome outcome = Outcome::kStarted;
  std::optional<uint64_t> deployment;  // the sequence of the action's "started" record
  std::string identity;                // "operator": the Access identity that asked
  std::string tag;
  std::optional<std::string> digest;  // may be present and empty (a pull that failed)
  std::optional<std::string> image;
  std::optional<int64_t> exit_code;  // stop: the runtime's exit code
  std::optional<int64_t> duration_ms;
  std::optional<Step> step;  // failed: where
  std::optional<std::string> reason;
  std::optional<std::vector<std::string>> logs;  // failed: the container's last log lines
  std::optional<bool> old_stopped;      // failed deploy/rollback: whether what ran before stopped
  std::optional<std::string> trace_id;  // the W3C trace of the request that asked (32 hex digits)
  // Promotions only: the other environment (promote: where the digest came from; promoted: where
  // it went) and the deployment there (promote: the source's deployment; promoted: the
  // receiver's).
  std::optional<std::string> peer_env;
  std::optional<uint64_t> peer_deployment;

  // "left_running" is derived: "nothing" when old_stopped, else "unchanged".
  nlohmann::ordered_json ToJson() const;
  static Result<HistoryRecord> FromJson(std::string_view payload);
};

}  // namespace dreichor::deploy
