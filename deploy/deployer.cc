// The actions and how they are recorded. The steps they are made of are in deploy_steps.cc.
#include "deploy/deployer.h"

#include "deploy/deploy_rules.h"
#include "util/trace_context.h"

namespace dreichor::deploy {

namespace {

HistoryRecord NewRecord(Action action, Outcome outcome, const std::string& identity,
                        const std::string& tag,
                        const std::optional<PromotionPeer>& peer = std::nullopt) {
  HistoryRecord r;
  if (peer) {
    r.peer_env = peer->env;
    r.peer_deployment = peer->deployment;
  }
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
    if (r.action != Action::kDeploy && r.action != Action::kRollback &&
        r.action != Action::kPromote) {
      continue;
    }
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
  return ActionResult{refusal, std::move(message), std::nullopt, std::nullopt};
}

ActionResult Deployer::Finish(Action action, const std::string& identity, uint64_t deployment,
                              const Target& target, int64_t started_ns,
                              const std::optional<Failure>& failure, bool old_stopped,
                              const std::optional<PromotionPeer>& peer) {
  HistoryRecord r = NewRecord(action, failure ? Outcome::kFailed : Outcome::kSucceeded, identity,
                              target.tag, peer);
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
  return ActionResult{Refusal::kNone, "", r, std::nullopt};
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
  return DeployImage(Action::kDeploy, tag, "", std::nullopt, identity);
}

ActionResult Deployer::Promote(const PromotionSource& source, const std::string& identity) {
  const std::string from = PromotedFrom(config_.env);
  if (from.empty()) {
    return Refused(Refusal::kNoPromotionSource,
                   config_.env + " is the first environment: nothing is promoted into it");
  }
  if (source.env != from) {
    return Refused(Refusal::kNotPromotable, "the source agent serves " + source.env + ", not " +
                                                from + "; " + config_.env +
                                                " takes promotions from " + from + " only");
  }
  if (!IsImageDigest(source.digest) || source.deployment == 0) {
    return Refused(Refusal::kNotPromotable,
                   "the source agent's answer names no deployment with a sha256 digest");
  }
  return DeployImage(Action::kPromote, source.tag, source.digest,
                     PromotionPeer{source.env, source.deployment}, identity);
}

ActionResult Deployer::DeployImage(Action action, const std::string& tag,
                                   const std::string& expected_digest,
                                   const std::optional<PromotionPeer>& peer,
                                   const std::string& identity) {
  if (Status s = CheckTag(tag, config_.env); !s.ok()) {
    HistoryRecord refused = NewRecord(action, Outcome::kRefused, identity, tag, peer);
    if (!expected_digest.empty()) refused.digest = expected_digest;
    refused.reason = s.message();
    if (auto seq = Record(refused); !seq.ok()) {
      return Refused(Refusal::kHistoryFailed, seq.status().message());
    }
    return ActionResult{Refusal::kBadTag, s.message(), refused, std::nullopt};
  }
  const int64_t started_ns = clock_->NowUnixNanos();
  HistoryRecord start = NewRecord(action, Outcome::kStarted, identity, tag, peer);
  start.image = config_.image_repository + ":" + tag;
  if (!expected_digest.empty()) start.digest = expected_digest;
  auto started = Record(start);
  if (!started.ok()) return Refused(Refusal::kHistoryFailed, started.status().message());
  const uint64_t deployment = started.value();
  Target target{tag, ""};
  RuntimeEnv env;
  std::optional<Failure> failure = Preflight(&env);
  if (!failure) {
    auto image = engine_->Pull(config_.image_repository, tag);
    if (!image.ok()) {
      failure = Failure{Step::kPull, image.status().message(), {}};
    } else if (!expected_digest.empty() && image.value().digest != expected_digest) {
      failure =
          Failure{Step::kPull,
                  "tag " + tag + " now names " + image.value().digest + ", not " + expected_digest +
                      ", which runs in " + peer->env + "; tags must be immutable",
                  {}};
    } else {
      target.digest = image.value().digest;
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
    return Finish(action, identity, deployment, target, started_ns, failure, false, peer);
  }
  if (RunsAlready(current, target.digest, env)) {
    HistoryRecord noop = NewRecord(action, Outcome::kNoop, identity, tag, peer);
    noop.deployment = deployment;
    noop.digest = target.digest;
    noop.reason = "this digest already runs with this env file";
    if (auto seq = Record(noop); !seq.ok()) {
      return Refused(Refusal::kHistoryFailed, seq.status().message());
    }
    return ActionResult{Refusal::kNone, "", noop, std::nullopt};
  }
  if (!config_.migrations_repository.empty()) {
    failure = RunMigrations(tag, env.database_url, env.database_schema);
    if (failure) {
      return Finish(action, identity, deployment, target, started_ns, failure, false, peer);
    }
  }
  bool old_stopped = false;
  failure = Cutover(target, deployment, env.variables, env.container_port, &old_stopped);
  return Finish(action, identity, deployment, target, started_ns, failure, old_stopped, peer);
}

Result<Deployment> Deployer::Promotable() {
  auto current = Owned(config_.container_name());
  if (!current.ok()) return current.status();
  std::optional<Deployment> deployment;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (!succeeded_.empty() && !failed_after_stop_) deployment = succeeded_.back();
  }
  if (!deployment) {
    return Status::FailedPrecondition(config_.env + " has no succeeded deployment in service");
  }
  const std::optional<ContainerState>& c = current.value();
  if (!c || !c->running || Label(*c, kDigestLabel) != deployment->digest) {
    return Status::FailedPrecondition(config_.env + "'s runtime does not run deployment " +
                                      std::to_string(deployment->id) + " now");
  }
  if (!CheckReady(*c)) {
    return Status::FailedPrecondition(config_.env + "'s runtime is not ready");
  }
  return *deployment;
}

ActionResult Deployer::RecordPromoted(uint64_t source_deployment, const std::string& digest,
                                      const std::string& to_env, uint64_t to_deployment,
                                      const std::string& identity) {
  Deployment source;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    for (const Deployment& d : succeeded_) {
      if (d.id == source_deployment && d.digest == digest) source = d;
    }
  }
  if (source.id == 0) {
    return Refused(Refusal::kNotPromotable, "deployment " + std::to_string(source_deployment) +
                                                " of " + config_.env + " did not succeed with " +
                                                digest);
  }
  HistoryRecord r = NewRecord(Action::kPromoted, Outcome::kSucceeded, identity, source.tag,
                              PromotionPeer{to_env, to_deployment});
  r.deployment = source.id;
  r.digest = source.digest;
  r.image = config_.image_repository + "@" + source.digest;
  if (auto seq = Record(r); !seq.ok()) {
    return Refused(Refusal::kHistoryFailed, seq.status().message());
  }
  log_->Info("promoted", {{"deployment", source.id},
                          {"digest", source.digest},
                          {"to_env", to_env},
                          {"to_deployment", to_deployment}});
  return ActionResult{Refusal::kNone, "", r, std::nullopt};
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
  return ActionResult{Refusal::kNone, "", r, std::nullopt};
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
  return ActionResult{Refusal::kNone, "", r, std::nullopt};
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
