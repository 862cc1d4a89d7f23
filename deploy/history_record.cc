#include "deploy/history_record.h"

#include <algorithm>
#include <array>

#include "util/json_cursor.h"

namespace dreichor::deploy {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::array<const char*, 6> kActions = {"deploy", "rollback", "stop",
                                                 "start",  "promote",  "promoted"};
constexpr std::array<const char*, 5> kOutcomes = {"started", "succeeded", "failed", "refused",
                                                  "noop"};
constexpr std::array<const char*, 11> kSteps = {"env",     "volumes",    "network",  "pull",
                                                "inspect", "migrations", "stop-old", "rename-old",
                                                "create",  "start",      "readiness"};
constexpr std::array<const char*, 17> kFields = {
    "action",    "outcome",     "deployment",     "operator", "tag",  "digest",      "image",
    "exit_code", "duration_ms", "step",           "reason",   "logs", "old_stopped", "left_running",
    "trace_id",  "peer_env",    "peer_deployment"};

// 32 lowercase hex digits, not all zero (a W3C trace id).
bool IsTraceId(const std::string& s) {
  return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string::npos &&
         s != std::string(32, '0');
}

template <typename Enum, size_t N>
std::optional<Enum> FromName(const std::array<const char*, N>& names, const std::string& name) {
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

std::optional<std::string> OptionalString(const JsonCursor& c) {
  return c.present() ? std::optional<std::string>(c.String()) : std::nullopt;
}

std::optional<int64_t> OptionalInt(const JsonCursor& c) {
  return c.present() ? std::optional<int64_t>(c.Int(INT64_MIN, INT64_MAX)) : std::nullopt;
}

}  // namespace

const char* ActionName(Action a) { return kActions[static_cast<size_t>(a)]; }
const char* OutcomeName(Outcome o) { return kOutcomes[static_cast<size_t>(o)]; }
const char* StepName(Step s) { return kSteps[static_cast<size_t>(s)]; }

ordered_json HistoryRecord::ToJson() const {
  ordered_json j;
  j["action"] = ActionName(action);
  j["outcome"] = OutcomeName(outcome);
  if (deployment) j["deployment"] = *deployment;
  j["operator"] = identity;
  j["tag"] = tag;
  if (digest) j["digest"] = *digest;
  if (image) j["image"] = *image;
  if (exit_code) j["exit_code"] = *exit_code;
  if (duration_ms) j["duration_ms"] = *duration_ms;
  if (step) j["step"] = StepName(*step);
  if (reason) j["reason"] = *reason;
  if (logs) j["logs"] = *logs;
  if (old_stopped) {
    j["old_stopped"] = *old_stopped;
    j["left_running"] = *old_stopped ? "nothing" : "unchanged";
  }
  if (trace_id) j["trace_id"] = *trace_id;
  if (peer_env) j["peer_env"] = *peer_env;
  if (peer_deployment) j["peer_deployment"] = *peer_deployment;
  return j;
}

Result<HistoryRecord> HistoryRecord::FromJson(std::string_view payload) {
  const json doc = json::parse(payload, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::Corruption("history record: not a JSON object");
  }
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (std::find(kFields.begin(), kFields.end(), it.key()) == kFields.end()) {
      return Status::Corruption("history record: unknown field " + it.key());
    }
  }
  JsonProblems problems;
  const JsonCursor root(doc, &problems);
  HistoryRecord r;
  const std::string action = root["action"].String(), outcome = root["outcome"].String();
  const auto parsed_action = FromName<Action>(kActions, action);
  const auto parsed_outcome = FromName<Outcome>(kOutcomes, outcome);
  if (problems.ok() && !parsed_action) problems.Add("action: unknown '" + action + "'");
  if (problems.ok() && !parsed_outcome) problems.Add("outcome: unknown '" + outcome + "'");
  r.action = parsed_action.value_or(Action::kDeploy);
  r.outcome = parsed_outcome.value_or(Outcome::kStarted);
  if (root["deployment"].present()) {
    r.deployment = static_cast<uint64_t>(root["deployment"].Int(0, INT64_MAX));
  }
  r.identity = root["operator"].String();
  r.tag = root["tag"].String();
  r.digest = OptionalString(root["digest"]);
  r.image = OptionalString(root["image"]);
  r.exit_code = OptionalInt(root["exit_code"]);
  r.duration_ms = OptionalInt(root["duration_ms"]);
  if (const auto step = OptionalString(root["step"])) {
    r.step = FromName<Step>(kSteps, *step);
    if (!r.step) problems.Add("step: unknown '" + *step + "'");
  }
  r.reason = OptionalString(root["reason"]);
  if (root["logs"].present()) {
    r.logs.emplace();
    for (const JsonCursor& line : root["logs"].Elements()) r.logs->push_back(line.String());
  }
  if (root["old_stopped"].present()) r.old_stopped = root["old_stopped"].Bool();
  const auto left = OptionalString(root["left_running"]);
  if (left.has_value() != r.old_stopped.has_value() ||
      (left && *left != (*r.old_stopped ? "nothing" : "unchanged"))) {
    problems.Add("left_running: does not agree with old_stopped");
  }
  r.trace_id = OptionalString(root["trace_id"]);
  if (problems.ok() && r.trace_id && !IsTraceId(*r.trace_id)) {
    problems.Add("trace_id: not 32 lowercase hex digits");
  }
  r.peer_env = OptionalString(root["peer_env"]);
  if (root["peer_deployment"].present()) {
    r.peer_deployment = static_cast<uint64_t>(root["peer_deployment"].Int(0, INT64_MAX));
  }
  const bool promotion = r.action == Action::kPromote || r.action == Action::kPromoted;
  if (problems.ok() && promotion != r.peer_env.has_value()) {
    problems.Add("peer_env: present exactly on promote and promoted records");
  }
  if (!problems.ok()) return Status::Corruption("history record: " + problems.first());
  return r;
}

}  // namespace dreichor::deploy
