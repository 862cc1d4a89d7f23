#include "deploy/agent_answers.h"

#include "deploy/agent_errors.h"
#include "http/reply.h"
#include "util/json_log.h"

namespace dreichor::deploy {

namespace {

using nlohmann::ordered_json;

const http::ErrorCode& RefusalError(Refusal r) {
  switch (r) {
    case Refusal::kBadTag:
      return kBadTag;
    case Refusal::kNothingToRollBack:
      return kNothingToRollBackTo;
    case Refusal::kNotRunning:
      return kNotRunning;
    case Refusal::kNoContainer:
      return kNoContainer;
    case Refusal::kAlreadyRunning:
      return kAlreadyRunning;
    case Refusal::kEngineError:
      return kEngineError;
    case Refusal::kNoPromotionSource:
      return kNoPromotionSource;
    case Refusal::kSourceUnavailable:
      return kPromotionSourceUnavailable;
    case Refusal::kNotPromotable:
      return kNothingToPromote;
    case Refusal::kHistoryFailed:
    case Refusal::kNone:
      break;
  }
  return kHistoryFailed;
}

int FailureStatus(const HistoryRecord& r) {
  if (r.action == Action::kStart) return 503;
  if (r.action == Action::kStop) return 502;
  return r.step == Step::kReadiness || r.step == Step::kStart ? 503 : 502;
}

ordered_json ContainerJson(const std::optional<ContainerView>& view) {
  if (!view) return nullptr;
  const ContainerState& c = view->state;
  auto label = [&c](const char* name) {
    const auto it = c.labels.find(name);
    return it == c.labels.end() ? std::string() : it->second;
  };
  return {{"name", c.name},
          {"id", c.id},
          {"state", c.status},
          {"running", c.running},
          {"exit_code", c.exit_code},
          {"image", c.image},
          {"tag", label(kTagLabel)},
          {"digest", label(kDigestLabel)},
          {"engine_health", c.health},
          {"ready", view->ready}};
}

}  // namespace

http::Response ActionAnswer(const ActionResult& result) {
  if (result.refusal != Refusal::kNone) {
    return http::ErrorReply(RefusalError(result.refusal), result.message);
  }
  const HistoryRecord& r = *result.record;
  const ordered_json record = r.ToJson();
  if (r.outcome != Outcome::kFailed) {
    ordered_json body{{"record", record}};
    if (result.source_record) body["source_record"] = *result.source_record;
    return http::JsonReply(200, body);
  }
  if (r.action == Action::kStop || r.action == Action::kStart) {
    return http::JsonReply(FailureStatus(r), ordered_json{{"record", record}});
  }
  return http::JsonReply(FailureStatus(r),
                         ordered_json{{"error",
                                       {{"code", std::string(ActionName(r.action)) + "_failed"},
                                        {"message", r.reason.value_or("")}}},
                                      {"record", record}});
}

ordered_json StatusJson(const std::string& env, const AgentStatus& status,
                        const std::optional<ActionLock::Holder>& in_progress) {
  ordered_json body = {{"env", env},
                       {"container", ContainerJson(status.container)},
                       {"previous_container", ContainerJson(status.previous)}};
  body["current_deployment"] = status.current ? ordered_json{{"deployment", status.current->id},
                                                             {"tag", status.current->tag},
                                                             {"digest", status.current->digest}}
                                              : ordered_json();
  body["last_attempt_failed_after_stop"] = status.last_attempt_failed_after_stop;
  body["rollback_target"] = status.rollback_target
                                ? ordered_json{{"tag", status.rollback_target->tag},
                                               {"digest", status.rollback_target->digest}}
                                : ordered_json();
  body["action_in_progress"] = in_progress
                                   ? ordered_json{{"action", in_progress->action},
                                                  {"operator", in_progress->identity},
                                                  {"since", FormatUtc(in_progress->since_ns)}}
                                   : ordered_json();
  return body;
}

ordered_json DeploymentsJson(const std::vector<HistoryEntry>& entries, size_t limit) {
  ordered_json list = ordered_json::array();
  const size_t first = entries.size() > limit ? entries.size() - limit : 0;
  for (size_t i = entries.size(); i > first; --i) list.push_back(EntryJson(entries[i - 1]));
  return {{"entries", list}, {"total", entries.size()}};
}

}  // namespace dreichor::deploy
