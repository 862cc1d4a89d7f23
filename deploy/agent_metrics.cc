#include "deploy/agent_metrics.h"

namespace dreichor::deploy {

namespace {

constexpr const char* kActions[] = {"deploy", "rollback", "stop", "start"};
constexpr const char* kOutcomes[] = {"succeeded", "failed", "noop", "refused", "busy"};
constexpr Step kSteps[] = {Step::kEnv,     Step::kVolumes,    Step::kNetwork,  Step::kPull,
                           Step::kInspect, Step::kMigrations, Step::kStopOld,  Step::kRenameOld,
                           Step::kCreate,  Step::kStart,      Step::kReadiness};

}  // namespace

AgentMetrics::AgentMetrics(const ActionLock* lock, AccessVerifier* verifier, Clock* clock,
                           const ObservedEngine* engine)
    : clock_(clock) {
  // Every series exists from the start, at zero, so that rates and alerts see them.
  for (const char* action : kActions) {
    for (const char* outcome : kOutcomes) {
      actions_[{action, outcome}] =
          registry_.AddCounter("dreichor_agent_actions_total", "Actions by how they ended.",
                               {{"action", action}, {"outcome", outcome}});
    }
  }
  for (Step step : kSteps) {
    failed_steps_[StepName(step)] = registry_.AddCounter(
        "dreichor_agent_failed_steps_total",
        "Failed deploys and rollbacks by the step that failed.", {{"step", StepName(step)}});
  }
  for (const char* action : {"deploy", "rollback"}) {
    last_success_[action] = registry_.AddGauge(
        "dreichor_agent_last_success_timestamp_seconds",
        "Unix time of the last succeeded action of this kind (0: none since the agent started).",
        {{"action", action}});
  }
  registry_.AddGaugeFunction("dreichor_agent_action_running",
                             "1 while an action holds the agent's lock.",
                             [lock] { return lock->holder() ? 1.0 : 0.0; });
  registry_.AddGaugeFunction(
      "dreichor_agent_action_running_seconds", "How long the running action has held the lock.",
      [lock, clock] {
        const auto holder = lock->holder();
        return holder ? static_cast<double>(clock->NowUnixNanos() - holder->since_ns) / 1e9 : 0.0;
      });
  registry_.AddGaugeFunction("dreichor_agent_access_keys",
                             "Access signing keys held; 0: no token can be verified.",
                             [verifier] { return static_cast<double>(verifier->KeyCount()); });
  registry_.AddGaugeFunction(
      "dreichor_agent_access_keys_last_fetch_ok",
      "1 when the last fetch of the Access key set succeeded (it is fetched at start and when a "
      "token names an unknown key).",
      [verifier] { return verifier->LastRefreshSucceeded() ? 1.0 : 0.0; });
  for (size_t i = 0; engine != nullptr && i < kEngineCallCount; ++i) {
    const auto call = static_cast<EngineCall>(i);
    registry_.AddCounterFunction(
        "dreichor_agent_engine_errors_total", "Container engine calls that failed, by call.",
        [engine, call] { return static_cast<double>(engine->errors(call)); },
        {{"call", std::string(EngineCallName(call))}});
  }
  for (int status : {401, 403}) {
    refusals_[status] = registry_.AddCounter("dreichor_agent_access_refusals_total",
                                             "Requests refused by the Access check.",
                                             {{"status", std::to_string(status)}});
  }
}

http::Counter* AgentMetrics::Action(const std::string& action, const std::string& outcome) {
  const auto it = actions_.find({action, outcome});
  return it == actions_.end() ? nullptr : it->second;
}

void AgentMetrics::OnAction(const std::string& action, const ActionResult& result) {
  const std::string outcome =
      result.record ? OutcomeName(result.record->outcome) : std::string("refused");
  if (http::Counter* c = Action(action, outcome)) c->Add();
  if (!result.record) return;
  if (result.record->outcome == Outcome::kFailed && result.record->step) {
    failed_steps_.at(StepName(*result.record->step))->Add();
  }
  const auto success = last_success_.find(action);
  if (result.record->outcome == Outcome::kSucceeded && success != last_success_.end()) {
    success->second->Set(static_cast<double>(clock_->NowUnixNanos()) / 1e9);
  }
}

void AgentMetrics::OnBusy(const std::string& action) {
  if (http::Counter* c = Action(action, "busy")) c->Add();
}

void AgentMetrics::OnAccessRefused(int http_status) {
  const auto it = refusals_.find(http_status);
  if (it != refusals_.end()) it->second->Add();
}

}  // namespace dreichor::deploy
