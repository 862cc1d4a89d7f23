// The actions and how they are recorded. The steps they are made of are in deploy_steps.cc.
#include "deploy/deployer.h"

#include "deploy/deploy_rules.h"
#include "util/trace_context.h"

namespace dreichor::deploy {

namespace {

HistoryRecord NewRecord(Action action, Outcome outcome, const std::string& identity,
                        const std::string& tag) {
  HistoryRecord r;
  r.action = action;
  r.outcome = outcome;
  r.identity = identity;
  r.tag = tag;
  // The request's trace, when the action runs for one (the agent's HTTP entry opens it).
  if (const std::optional<TraceContext> trace = CurrentTrace()) r.trace_id = TraceIdHex(*trace);
  return r;
}

std::string Label(const ContainerState& c, const char* name) {
  const auto it = c.labels.find(name);
  return it == c.labels.end() ? std::string() : it->second;
}

}  // namespace

bool ActionLock::TryAcquire(const Holder& holder, Holder* current) {
  std::lock_guard<std::mutex> lock(mu_);
  if (holder_) {
    *current = *holder_;
    return false;
  }
  holder_ = holder;
  return true;
}

void ActionLock::Release() {
  std::lock_guard<std::mutex> lock(mu_);
  holder_.reset();
}

std::optional<ActionLock::Holder> ActionLock::holder() const {
  std::lock_guard<std::mutex> lock(mu_);
  return holder_;
}

Deployer::Deployer(AgentConfig config, ContainerEngine* engine, History* history, Env* env,
                   Clock* clock, JsonLog* log)
    : config_(std::move(config)),
      engine_(engine),
      history_(history),
      env_(env),
      clock_(clock),
      log_(log) {}

Status Deployer::Load() {
  auto entries = history_->ReadAll();
  if (!entries.ok()) return entries.status();
  std::lock_guard<std::mutex> lock(state_mu_);
  for (const HistoryEntry& e : entries.value()) {
    const HistoryRecord& r = e.record;
    if (r.action != Action::kDeploy && r.action != Action::kRollback) continue;
    if (r.outcome == Outcome::kSucceeded) {
      succeeded_.push_back({r.deployment.value_or(0), r.tag, r.digest.value_or("")});
      failed_after_stop_ = false;
    } else if (r.outcome == Outcome::kFailed && r.old_stopped.value_or(false)) {
      failed_after_stop_ = true;
    }
  }
  return Status::Ok();
}

void Deployer::Warn(const Status& s, const char* what) {
  if (!s.ok()) log_->Warn(what, {{"error", s.message()}});
}

Result<uint64_t> Deployer::Record(const HistoryRecord& record) {
  auto seq = history_->Append(record);
  if (!seq.ok()) log_->Error("history append failed", {{"error", seq.status().message()}});
  return seq;
}

ActionResult Deployer::Refused(Refusal refusal, std::string message) {
  return ActionResult{refusal, std::move(message), std::nullopt};
}

ActionResult Deployer::Finish(Action action, const std::string& identity, uint64_t deployment,
                              const Target& target, int64_t started_ns,
                              const std::optional<Failure>& failure, bool old_stopped) {
  HistoryRecord r =
      NewRecord(action, failure ? Outcome::kFailed : Outcome::kSucceeded, identity, target.tag);
  r.deployment = deployment;
  r.digest = target.digest;
  if (!target.digest.empty()) r.image = config_.image_repository + "@" + target.digest;
  r.duration_ms = (clock_->NowUnixNanos() - started_ns) / 1'000'000;
  if (failure) {
    r.step = failure->step;
    r.reason = failure->reason;
    r.logs = failure->logs;
    r.old_stopped = old_stopped;
  }
  if (auto seq = Record(r); !seq.ok()) {
    return Refused(Refusal::kHistoryFailed, seq.status().message());
  }
  std::lock_guard<std::mutex> lock(state_mu_);
  if (failure) {
    if (old_stopped) failed_after_stop_ = true;
    log_->Error(std::string(ActionName(action)) + " failed", {{"deployment", deployment},
                                                              {"step", StepName(failure->step)},
                                                              {"reason", failure->reason}});
  } else {
    succeeded_.push_back({deployment, target.tag, target.digest});
    failed_after_stop_ = false;
    log_->Info(std::string(ActionName(action)) + " succeeded",
               {{"deployment", deployment}, {"tag", target.tag}, {"digest", target.digest}});
  }
  return ActionResult{Refusal::kNone, "", r};
}

bool Deployer::RunsAlready(const std::optional<ContainerState>& current, const std::string& digest,
                           const RuntimeEnv& env) const {
  if (!current || !current->running) return false;
  return Label(*current, kDigestLabel) == digest &&
         Label(*current, kEnvHashLabel) == EnvHash(env.variables) &&
         current->limits == config_.runtime_limits && current->user == kRuntimeUser &&
         current->networks == std::vector<std::string>{config_.network_name()};
}

ActionResult Deployer::Deploy(const std::string& tag, const std::string& identity) {
  if (Status s = CheckTag(tag, config_.env); !s.ok()) {
    HistoryRecord refused = NewRecord(Action::kDeploy, Outcome::kRefused, identity, tag);
    refused.reason = s.message();
    if (auto seq = Record(refused); !seq.ok()) {
      return Refused(Refusal::kHistoryFailed, seq.status().message());
    }
    return ActionResult{Refusal::kBadTag, s.message(), refused};
  }
  const int64_t started_ns = clock_->NowUnixNanos();
  HistoryRecord start = NewRecord(Action::kDeploy, Outcome::kStarted, identity, tag);
  start.image = config_.image_repository + ":" + tag;
  auto started = Record(start);
  if (!started.ok()) return Refused(Refusal::kHistoryFailed, started.status().message());
  const uint64_t deployment = started.value();
  Target target{tag, ""};
  RuntimeEnv env;
  std::optional<Failure> failure = Preflight(&env);
  if (!failure) {
    auto image = engine_->Pull(config_.image_repository, tag);
    if (image.ok()) {
      target.digest = image.value().digest;
    } else {
      failure = Failure{Step::kPull, image.status().message(), {}};
    }
  }
  std::optional<ContainerState> current;
  if (!failure) {
    auto owned = Owned(config_.container_name());
    if (owned.ok()) {
      current = owned.value();
    } else {
      failure = Failure{Step::kInspect, owned.status().message(), {}};
    }
  }
  if (failure) {
    return Finish(Action::kDeploy, identity, deployment, target, started_ns, failure, false);
  }
  if (RunsAlready(current, target.digest, env)) {
    HistoryRecord noop = NewRecord(Action::kDeploy, Outcome::kNoop, identity, tag);
    noop.deployment = deployment;
    noop.digest = target.digest;
    noop.reason = "this digest already runs with this env file";
    if (auto seq = Record(noop); !seq.ok()) {
      return Refused(Refusal::kHistoryFailed, seq.status().message());
    }
    return ActionResult{Refusal::kNone, "", noop};
  }
  if (!config_.migrations_repository.empty()) {
    failure = RunMigrations(tag, env.database_url, env.database_schema);
    if (failure) {
      return Finish(Action::kDeploy, identity, deployment, target, started_ns, failure, false);
    }
  }
  bool old_stopped = false;
  failure = Cutover(target, deployment, env.variables, env.container_port, &old_stopped);
  return Finish(Action::kDeploy, identity, deployment, target, started_ns, failure, old_stopped);
}

std::optional<Deployer::Target> Deployer::RollbackTarget() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  if (succeeded_.empty()) return std::nullopt;
  const Deployment& current = succeeded_.back();
  if (failed_after_stop_) return Target{current.tag, current.digest};
  for (auto it = succeeded_.rbegin(); it != succeeded_.rend(); ++it) {
    if (it->digest != current.digest) return Target{it->tag, it->digest};
  }
  return std::nullopt;
}

ActionResult Deployer::Rollback(const std::string& identity) {
  const std::optional<Target> target = RollbackTarget();
  if (!target) {
    return Refused(Refusal::kNothingToRollBack,
                   "the history holds no earlier succeeded deployment with another digest");
  }
  const int64_t started_ns = clock_->NowUnixNanos();
  HistoryRecord start = NewRecord(Action::kRollback, Outcome::kStarted, identity, target->tag);
  start.digest = target->digest;
  auto started = Record(start);
  if (!started.ok()) return Refused(Refusal::kHistoryFailed, started.status().message());
  const uint64_t deployment = started.value();
  RuntimeEnv env;
  std::optional<Failure> failure = Preflight(&env);
  if (!failure) failure = CheckRollbackImage(*target);
  bool old_stopped = false;
  if (!failure) {
    failure = Cutover(*target, deployment, env.variables, env.container_port, &old_stopped);
  }
  return Finish(Action::kRollback, identity, deployment, *target, started_ns, failure, old_stopped);
}

ActionResult Deployer::Stop(const std::string& identity) {
  auto current = Owned(config_.container_name());
  if (!current.ok()) return Refused(Refusal::kEngineError, current.status().message());
  if (!current.value() || !current.value()->running) {
    return Refused(Refusal::kNotRunning, "no runtime container is running");
  }
  const ContainerState& c = *current.value();
  const Status s = engine_->Stop(c.id, StopTimeout());
  auto after = engine_->Inspect(c.id);
  HistoryRecord r = NewRecord(Action::kStop, s.ok() ? Outcome::kSucceeded : Outcome::kFailed,
                              identity, Label(c, kTagLabel));
  r.digest = Label(c, kDigestLabel);
  r.exit_code = after.ok() && after.value() ? after.value()->exit_code : -1;
  if (!s.ok()) r.reason = s.message();
  if (auto seq = Record(r); !seq.ok()) {
    return Refused(Refusal::kHistoryFailed, seq.status().message());
  }
  return ActionResult{Refusal::kNone, "", r};
}

ActionResult Deployer::Start(const std::string& identity) {
  auto current = Owned(config_.container_name());
  if (!current.ok()) return Refused(Refusal::kEngineError, current.status().message());
  if (!current.value()) {
    return Refused(Refusal::kNoContainer, "no runtime container exists; deploy or roll back");
  }
  if (current.value()->running) return Refused(Refusal::kAlreadyRunning, "the runtime is running");
  const ContainerState& c = *current.value();
  const int64_t started_ns = clock_->NowUnixNanos();
  std::optional<Failure> failure;
  if (Status s = StartPublished(c.id); !s.ok()) {
    failure = Failure{Step::kStart, s.message(), {}};
  } else {
    failure = WaitReady(c.id, config_.readiness_deadline);
  }
  if (failure) {
    failure->logs = LastLogs(c.id);
    Warn(engine_->Stop(c.id, StopTimeout()), "stopping the runtime that did not become ready");
  }
  HistoryRecord r = NewRecord(Action::kStart, failure ? Outcome::kFailed : Outcome::kSucceeded,
                              identity, Label(c, kTagLabel));
  r.digest = Label(c, kDigestLabel);
  r.duration_ms = (clock_->NowUnixNanos() - started_ns) / 1'000'000;
  if (failure) {
    r.step = failure->step;
    r.reason = failure->reason;
    r.logs = failure->logs;
  }
  if (auto seq = Record(r); !seq.ok()) {
    return Refused(Refusal::kHistoryFailed, seq.status().message());
  }
  return ActionResult{Refusal::kNone, "", r};
}

Result<AgentStatus> Deployer::CurrentStatus() {
  auto current = Owned(config_.container_name());
  if (!current.ok()) return current.status();
  auto previous = Owned(config_.container_name() + "-previous");
  if (!previous.ok()) return previous.status();
  AgentStatus status;
  if (current.value())
    status.container = ContainerView{*current.value(), CheckReady(*current.value())};
  if (previous.value()) {
    status.previous = ContainerView{*previous.value(), CheckReady(*previous.value())};
  }
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (!succeeded_.empty()) status.current = succeeded_.back();
    status.last_attempt_failed_after_stop = failed_after_stop_;
  }
  if (const std::optional<Target> target = RollbackTarget()) {
    status.rollback_target = Deployment{0, target->tag, target->digest};
  }
  return status;
}

Result<std::vector<HistoryEntry>> Deployer::Deployments() { return history_->ReadAll(); }

}  // namespace dreichor::deploy
