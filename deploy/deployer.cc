#include "deploy/deployer.h"

#include <sys/stat.h>

#include "deploy/deploy_rules.h"
#include "util/sha256.h"

namespace dreichor::deploy {

namespace {

using nlohmann::ordered_json;

ActionOutcome Answer(int status, ordered_json body) { return {status, std::move(body)}; }

ActionOutcome Refuse(int status, const std::string& code, const std::string& message) {
  return {status, {{"error", {{"code", code}, {"message", message}}}}};
}

bool IsDirectory(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The healthcheck of an image as a command to exec, or empty if it has none.
std::vector<std::string> HealthcheckCommand(const std::vector<std::string>& test) {
  if (test.empty() || test[0] == "NONE") return {};
  if (test[0] == "CMD") return {test.begin() + 1, test.end()};
  if (test[0] == "CMD-SHELL" && test.size() == 2) return {"/bin/sh", "-c", test[1]};
  return test;
}

std::string EnvHash(const std::vector<std::string>& variables) {
  Sha256 h;
  for (const std::string& v : variables) {
    h.Update(v);
    h.Update("\n");
  }
  return ToHex(h.Finish());
}

std::string Seconds(std::chrono::milliseconds d) {
  return std::to_string(d.count() / 1000) + "." + std::to_string(d.count() % 1000 / 100) + "s";
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

Deployer::Deployer(AgentConfig config, ContainerEngine* engine, History* history, Clock* clock,
                   JsonLog* log)
    : config_(std::move(config)), engine_(engine), history_(history), clock_(clock), log_(log) {}

Status Deployer::Load() {
  auto entries = history_->ReadAll();
  if (!entries.ok()) return entries.status();
  std::lock_guard<std::mutex> lock(state_mu_);
  for (const HistoryEntry& e : entries.value()) {
    const std::string action = e.fields.value("action", "");
    const std::string outcome = e.fields.value("outcome", "");
    if (action != "deploy" && action != "rollback") continue;
    if (outcome == "succeeded") {
      succeeded_.push_back({e.fields.value("deployment", uint64_t{0}), e.fields.value("tag", ""),
                            e.fields.value("digest", "")});
      failed_after_stop_ = false;
    } else if (outcome == "failed" && e.fields.value("old_stopped", false)) {
      failed_after_stop_ = true;
    }
  }
  return Status::Ok();
}

void Deployer::Warn(const Status& s, const char* what) {
  if (!s.ok()) log_->Warn(what, {{"error", s.message()}});
}

Result<uint64_t> Deployer::Record(ordered_json fields) {
  auto seq = history_->Append(fields);
  if (!seq.ok()) {
    log_->Error("history append failed", {{"error", seq.status().message()}});
  }
  return seq;
}

Result<std::optional<ContainerState>> Deployer::Owned(const std::string& name) {
  auto state = engine_->Inspect(name);
  if (!state.ok() || !state.value()) return state;
  const auto it = state.value()->labels.find(kEnvLabel);
  if (it == state.value()->labels.end() || it->second != config_.env) {
    return Status::FailedPrecondition("container " + name + " is not labelled " + kEnvLabel + "=" +
                                      config_.env + "; this agent does not touch it");
  }
  return state;
}

std::vector<std::string> Deployer::LastLogs(const std::string& id) {
  auto logs = engine_->Logs(id, kFailureLogLines);
  return logs.ok()
             ? logs.value()
             : std::vector<std::string>{"(logs unavailable: " + logs.status().message() + ")"};
}

std::optional<Deployer::Failure> Deployer::WaitReady(const std::string& id,
                                                     std::chrono::milliseconds deadline) {
  const int64_t until = clock_->NowUnixNanos() + deadline.count() * 1'000'000;
  std::string last_check = "no check ran";
  while (true) {
    auto state = engine_->Inspect(id);
    if (!state.ok()) return Failure{"readiness", state.status().message(), {}};
    if (!state.value()) return Failure{"readiness", "the container disappeared", {}};
    if (!state.value()->running) {
      return Failure{"readiness",
                     "the container exited with code " + std::to_string(state.value()->exit_code) +
                         " before it was ready",
                     {}};
    }
    const std::vector<std::string> cmd = HealthcheckCommand(state.value()->healthcheck);
    if (cmd.empty()) {
      return Failure{
          "readiness", "the image declares no HEALTHCHECK; readiness cannot be known", {}};
    }
    auto check = engine_->Exec(id, cmd, std::chrono::milliseconds(5000));
    if (check.ok() && check.value().exit_code == 0) return std::nullopt;
    last_check =
        check.ok() ? "exit " + std::to_string(check.value().exit_code) + ": " + check.value().output
                   : check.status().message();
    if (clock_->NowUnixNanos() >= until) {
      while (!last_check.empty() && (last_check.back() == '\n' || last_check.back() == '\r')) {
        last_check.pop_back();
      }
      return Failure{"readiness",
                     "not ready within " + Seconds(deadline) + " (last check: " + last_check + ")",
                     {}};
    }
    clock_->SleepFor(kReadinessPollInterval);
  }
}

std::optional<Deployer::Failure> Deployer::Preflight(RuntimeEnv* env) {
  auto loaded = LoadRuntimeEnv(config_);
  if (!loaded.ok()) return Failure{"env", loaded.status().message(), {}};
  for (const std::string& dir : {config_.audit_volume(), config_.snapshot_volume()}) {
    if (!IsDirectory(dir)) return Failure{"volumes", "volume directory " + dir + " is missing", {}};
  }
  *env = std::move(loaded).value();
  return std::nullopt;
}

std::optional<Deployer::Failure> Deployer::RunMigrations(const std::string& tag,
                                                         const std::string& database_url,
                                                         const std::string& schema) {
  if (database_url.empty()) {
    return Failure{"migrations",
                   "a migrations image is configured but the runtime env file names no database",
                   {}};
  }
  auto image = engine_->Pull(config_.migrations_repository, tag);
  if (!image.ok()) return Failure{"migrations", image.status().message(), {}};
  const std::string name = "dreichor-migrations-" + config_.env;
  auto stale = Owned(name);
  if (!stale.ok()) return Failure{"migrations", stale.status().message(), {}};
  if (stale.value()) {
    if (Status s = engine_->Remove(stale.value()->id); !s.ok()) {
      return Failure{"migrations", s.message(), {}};
    }
  }

  ContainerSpec spec;
  spec.name = name;
  spec.image = config_.migrations_repository + "@" + image.value().digest;
  spec.env = {"DATABASE_URL=" + database_url};
  spec.cmd = {"apply", "--target", schema};
  spec.labels = {{kEnvLabel, config_.env}, {kRoleLabel, "migrations"}, {kTagLabel, tag}};
  auto id = engine_->Create(spec);
  if (!id.ok()) return Failure{"migrations", id.status().message(), {}};
  std::optional<Failure> failure;
  if (Status s = engine_->Start(id.value()); !s.ok())
    failure = Failure{"migrations", s.message(), {}};
  const int64_t until = clock_->NowUnixNanos() + config_.migrations_deadline.count() * 1'000'000;
  while (!failure) {
    auto state = engine_->Inspect(id.value());
    if (!state.ok() || !state.value()) {
      failure = Failure{
          "migrations", state.ok() ? "the container disappeared" : state.status().message(), {}};
    } else if (!state.value()->running && state.value()->status != "created") {
      if (state.value()->exit_code == 0) break;
      failure = Failure{
          "migrations",
          "the migrations container exited with code " + std::to_string(state.value()->exit_code),
          {}};
    } else if (clock_->NowUnixNanos() >= until) {
      failure = Failure{"migrations",
                        "migrations did not finish within " + Seconds(config_.migrations_deadline),
                        {}};
    } else {
      clock_->SleepFor(kReadinessPollInterval);
    }
  }
  std::vector<std::string> logs = LastLogs(id.value());
  Warn(engine_->Remove(id.value()), "removing the migrations container");
  if (failure)
    failure->logs = std::move(logs);
  else
    log_->Info("migrations applied", {{"tag", tag}, {"digest", image.value().digest}});
  return failure;
}

std::optional<Deployer::Failure> Deployer::SetOldAside(bool* old_stopped) {
  *old_stopped = false;
  const std::string previous_name = config_.container_name() + "-previous";
  auto existing = Owned(config_.container_name());
  if (!existing.ok()) return Failure{"inspect", existing.status().message(), {}};
  auto stale_previous = Owned(previous_name);
  if (!stale_previous.ok()) return Failure{"inspect", stale_previous.status().message(), {}};
  if (!existing.value()) {
    // After a failed deploy, what ran before is the stopped previous container; it stays.
    *old_stopped = stale_previous.value().has_value();
    return std::nullopt;
  }
  const ContainerState& old = *existing.value();
  if (old.running) {
    if (Status s = engine_->Stop(old.id, StopTimeout()); !s.ok()) {
      return Failure{"stop-old", s.message(), LastLogs(old.id)};
    }
    auto after = engine_->Inspect(old.id);
    log_->Info("old runtime stopped",
               {{"container", old.id.substr(0, 12)},
                {"exit_code", after.ok() && after.value() ? after.value()->exit_code : -1}});
  }
  *old_stopped = true;
  if (stale_previous.value()) {
    if (Status s = engine_->Remove(stale_previous.value()->id); !s.ok()) {
      return Failure{"rename-old", s.message(), {}};
    }
  }
  if (Status s = engine_->Rename(old.id, previous_name); !s.ok()) {
    return Failure{"rename-old", s.message(), {}};
  }
  return std::nullopt;
}

ContainerSpec Deployer::RuntimeSpec(const Target& target, uint64_t deployment,
                                    const std::vector<std::string>& env,
                                    uint16_t container_port) const {
  ContainerSpec spec;
  spec.name = config_.container_name();
  spec.image = config_.image_repository + "@" + target.digest;
  spec.env = env;
  spec.labels = {{kEnvLabel, config_.env},
                 {kRoleLabel, "runtime"},
                 {kTagLabel, target.tag},
                 {kDigestLabel, target.digest},
                 {kDeploymentLabel, std::to_string(deployment)},
                 {kEnvHashLabel, EnvHash(env)}};
  spec.mounts = {{config_.audit_volume(), kContainerAuditDir},
                 {config_.snapshot_volume(), kContainerSnapshotDir}};
  spec.publish =
      PortPublish{config_.runtime_publish.host, config_.runtime_publish.port, container_port};
  spec.read_only_root = true;
  return spec;
}

std::optional<Deployer::Failure> Deployer::Cutover(const Target& target, uint64_t deployment,
                                                   const std::vector<std::string>& env,
                                                   uint16_t container_port, bool* old_stopped) {
  if (auto failure = SetOldAside(old_stopped)) return failure;
  auto id = engine_->Create(RuntimeSpec(target, deployment, env, container_port));
  if (!id.ok()) return Failure{"create", id.status().message(), {}};
  std::optional<Failure> failure;
  if (Status s = engine_->Start(id.value()); !s.ok()) {
    failure = Failure{"start", s.message(), {}};
  } else {
    failure = WaitReady(id.value(), config_.readiness_deadline);
  }
  if (failure) {
    failure->logs = LastLogs(id.value());
    Warn(engine_->Stop(id.value(), StopTimeout()), "stopping the failed container");
    if (Status s = engine_->Remove(id.value()); !s.ok()) {
      failure->reason += "; removing the new container failed too: " + s.message();
    }
    return failure;
  }
  // Ready: what ran before is no longer needed.
  auto previous = Owned(config_.container_name() + "-previous");
  if (previous.ok() && previous.value()) {
    Warn(engine_->Remove(previous.value()->id), "removing the previous container");
  }
  return std::nullopt;
}

ActionOutcome Deployer::Finish(const std::string& action, const std::string& identity,
                               uint64_t deployment, const Target& target, int64_t started_ns,
                               const std::optional<Failure>& failure, bool old_stopped) {
  ordered_json record = {{"action", action},         {"outcome", failure ? "failed" : "succeeded"},
                         {"deployment", deployment}, {"operator", identity},
                         {"tag", target.tag},        {"digest", target.digest}};
  if (!target.digest.empty()) record["image"] = config_.image_repository + "@" + target.digest;
  record["duration_ms"] = (clock_->NowUnixNanos() - started_ns) / 1'000'000;
  if (failure) {
    record["step"] = failure->step;
    record["reason"] = failure->reason;
    record["logs"] = failure->logs;
    record["old_stopped"] = old_stopped;
    record["left_running"] = old_stopped ? "nothing" : "unchanged";
  }
  auto seq = Record(record);
  if (!seq.ok()) return Refuse(500, "history_failed", seq.status().message());
  std::lock_guard<std::mutex> lock(state_mu_);
  if (failure) {
    if (old_stopped) failed_after_stop_ = true;
    log_->Error(action + " failed",
                {{"deployment", deployment}, {"step", failure->step}, {"reason", failure->reason}});
    return Answer(failure->step == "readiness" || failure->step == "start" ? 503 : 502,
                  {{"error", {{"code", action + "_failed"}, {"message", failure->reason}}},
                   {"record", record}});
  }
  succeeded_.push_back({deployment, target.tag, target.digest});
  failed_after_stop_ = false;
  log_->Info(action + " succeeded",
             {{"deployment", deployment}, {"tag", target.tag}, {"digest", target.digest}});
  return Answer(200, {{"record", record}});
}

bool Deployer::RunsAlready(const std::optional<ContainerState>& current, const std::string& digest,
                           const RuntimeEnv& env) const {
  if (!current || !current->running) return false;
  const auto label = [&](const char* name) {
    const auto it = current->labels.find(name);
    return it == current->labels.end() ? std::string() : it->second;
  };
  return label(kDigestLabel) == digest && label(kEnvHashLabel) == EnvHash(env.variables);
}

ActionOutcome Deployer::RecordNoop(const std::string& identity, uint64_t deployment,
                                   const Target& target) {
  ordered_json record = {{"action", "deploy"},
                         {"outcome", "noop"},
                         {"deployment", deployment},
                         {"operator", identity},
                         {"tag", target.tag},
                         {"digest", target.digest},
                         {"reason", "this digest already runs with this env file"}};
  auto seq = Record(record);
  if (!seq.ok()) return Refuse(500, "history_failed", seq.status().message());
  return Answer(200, {{"record", record}});
}

ActionOutcome Deployer::Deploy(const std::string& tag, const std::string& identity) {
  if (Status s = CheckTag(tag, config_.env); !s.ok()) {
    auto seq = Record({{"action", "deploy"},
                       {"outcome", "refused"},
                       {"operator", identity},
                       {"tag", tag},
                       {"reason", s.message()}});
    if (!seq.ok()) return Refuse(500, "history_failed", seq.status().message());
    return Refuse(400, "bad_tag", s.message());
  }
  const int64_t started_ns = clock_->NowUnixNanos();
  auto started = Record({{"action", "deploy"},
                         {"outcome", "started"},
                         {"operator", identity},
                         {"tag", tag},
                         {"image", config_.image_repository + ":" + tag}});
  if (!started.ok()) return Refuse(500, "history_failed", started.status().message());
  const uint64_t deployment = started.value();
  Target target{tag, ""};
  RuntimeEnv env;
  std::optional<Failure> failure = Preflight(&env);
  if (!failure) {
    auto image = engine_->Pull(config_.image_repository, tag);
    if (image.ok())
      target.digest = image.value().digest;
    else
      failure = Failure{"pull", image.status().message(), {}};
  }
  std::optional<ContainerState> current;
  if (!failure) {
    auto owned = Owned(config_.container_name());
    if (owned.ok())
      current = owned.value();
    else
      failure = Failure{"inspect", owned.status().message(), {}};
  }
  if (failure) return Finish("deploy", identity, deployment, target, started_ns, failure, false);
  if (RunsAlready(current, target.digest, env)) {
    return RecordNoop(identity, deployment, target);
  }
  if (!config_.migrations_repository.empty()) {
    failure = RunMigrations(tag, env.database_url, env.database_schema);
    if (failure) return Finish("deploy", identity, deployment, target, started_ns, failure, false);
  }
  bool old_stopped = false;
  failure = Cutover(target, deployment, env.variables, env.container_port, &old_stopped);
  return Finish("deploy", identity, deployment, target, started_ns, failure, old_stopped);
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

ActionOutcome Deployer::Rollback(const std::string& identity) {
  const std::optional<Target> target = RollbackTarget();
  if (!target) {
    return Refuse(409, "nothing_to_roll_back_to",
                  "the history holds no earlier succeeded deployment with another digest");
  }
  const int64_t started_ns = clock_->NowUnixNanos();
  auto started = Record({{"action", "rollback"},
                         {"outcome", "started"},
                         {"operator", identity},
                         {"tag", target->tag},
                         {"digest", target->digest}});
  if (!started.ok()) return Refuse(500, "history_failed", started.status().message());
  const uint64_t deployment = started.value();
  RuntimeEnv env;
  if (auto failure = Preflight(&env)) {
    return Finish("rollback", identity, deployment, *target, started_ns, failure, false);
  }
  // The image is usually still present; if the registry answers, the tag must still name the
  // recorded digest (tags are immutable).
  auto pulled = engine_->Pull(config_.image_repository, target->tag);
  if (pulled.ok() && pulled.value().digest != target->digest) {
    return Finish("rollback", identity, deployment, *target, started_ns,
                  Failure{"pull",
                          "tag " + target->tag + " now names " + pulled.value().digest +
                              ", not the recorded " + target->digest + "; tags must be immutable",
                          {}},
                  false);
  }
  if (!pulled.ok()) {
    // The registry is unreachable or forgot the tag; the local copy will do, if there is one.
    auto present = engine_->HasImage(config_.image_repository + "@" + target->digest);
    if (!present.ok() || !present.value()) {
      return Finish("rollback", identity, deployment, *target, started_ns,
                    Failure{"pull",
                            "the image is neither pullable (" + pulled.status().message() +
                                ") nor present locally",
                            {}},
                    false);
    }
  }
  bool old_stopped = false;
  auto failure = Cutover(*target, deployment, env.variables, env.container_port, &old_stopped);
  return Finish("rollback", identity, deployment, *target, started_ns, failure, old_stopped);
}

ActionOutcome Deployer::Stop(const std::string& identity) {
  auto current = Owned(config_.container_name());
  if (!current.ok()) return Refuse(502, "engine_error", current.status().message());
  if (!current.value() || !current.value()->running) {
    return Refuse(409, "not_running", "no runtime container is running");
  }
  const Status s = engine_->Stop(current.value()->id, StopTimeout());
  auto after = engine_->Inspect(current.value()->id);
  const int exit_code = after.ok() && after.value() ? after.value()->exit_code : -1;
  ordered_json record = {{"action", "stop"},
                         {"outcome", s.ok() ? "succeeded" : "failed"},
                         {"operator", identity},
                         {"tag", current.value()->labels[kTagLabel]},
                         {"digest", current.value()->labels[kDigestLabel]},
                         {"exit_code", exit_code}};
  if (!s.ok()) record["reason"] = s.message();
  auto seq = Record(record);
  if (!seq.ok()) return Refuse(500, "history_failed", seq.status().message());
  return Answer(s.ok() ? 200 : 502, {{"record", record}});
}

ActionOutcome Deployer::Start(const std::string& identity) {
  auto current = Owned(config_.container_name());
  if (!current.ok()) return Refuse(502, "engine_error", current.status().message());
  if (!current.value()) {
    return Refuse(409, "no_container", "no runtime container exists; deploy or roll back");
  }
  if (current.value()->running) return Refuse(409, "already_running", "the runtime is running");
  const ContainerState& c = *current.value();
  const int64_t started_ns = clock_->NowUnixNanos();
  std::optional<Failure> failure;
  if (Status s = engine_->Start(c.id); !s.ok()) {
    failure = Failure{"start", s.message(), {}};
  } else {
    failure = WaitReady(c.id, config_.readiness_deadline);
  }
  if (failure) {
    failure->logs = LastLogs(c.id);
    Warn(engine_->Stop(c.id, StopTimeout()), "stopping the runtime that did not become ready");
  }
  ordered_json record = {{"action", "start"},
                         {"outcome", failure ? "failed" : "succeeded"},
                         {"operator", identity},
                         {"tag", current.value()->labels[kTagLabel]},
                         {"digest", current.value()->labels[kDigestLabel]},
                         {"duration_ms", (clock_->NowUnixNanos() - started_ns) / 1'000'000}};
  if (failure) {
    record["step"] = failure->step;
    record["reason"] = failure->reason;
    record["logs"] = failure->logs;
  }
  auto seq = Record(record);
  if (!seq.ok()) return Refuse(500, "history_failed", seq.status().message());
  return Answer(failure ? 503 : 200, {{"record", record}});
}

ordered_json Deployer::DescribeContainer(const std::optional<ContainerState>& c) {
  if (!c) return nullptr;
  ordered_json j = {{"name", c->name},
                    {"id", c->id},
                    {"state", c->status},
                    {"running", c->running},
                    {"exit_code", c->exit_code},
                    {"image", c->image},
                    {"tag", c->labels.count(kTagLabel) ? c->labels.at(kTagLabel) : ""},
                    {"digest", c->labels.count(kDigestLabel) ? c->labels.at(kDigestLabel) : ""},
                    {"engine_health", c->health}};
  bool ready = false;
  const std::vector<std::string> cmd = HealthcheckCommand(c->healthcheck);
  if (c->running && !cmd.empty()) {
    auto check = engine_->Exec(c->id, cmd, std::chrono::milliseconds(3000));
    ready = check.ok() && check.value().exit_code == 0;
  }
  j["ready"] = ready;
  return j;
}

ActionOutcome Deployer::CurrentStatus() {
  auto current = Owned(config_.container_name());
  if (!current.ok()) return Refuse(502, "engine_error", current.status().message());
  auto previous = Owned(config_.container_name() + "-previous");
  if (!previous.ok()) return Refuse(502, "engine_error", previous.status().message());
  ordered_json body = {{"env", config_.env},
                       {"container", DescribeContainer(current.value())},
                       {"previous_container", DescribeContainer(previous.value())}};
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    if (succeeded_.empty()) {
      body["current_deployment"] = nullptr;
    } else {
      const Deployment& d = succeeded_.back();
      body["current_deployment"] = {{"deployment", d.id}, {"tag", d.tag}, {"digest", d.digest}};
    }
    body["last_attempt_failed_after_stop"] = failed_after_stop_;
  }
  const std::optional<Target> target = RollbackTarget();
  body["rollback_target"] =
      target ? ordered_json{{"tag", target->tag}, {"digest", target->digest}} : ordered_json();
  return Answer(200, body);
}

ActionOutcome Deployer::Deployments(size_t limit) {
  auto entries = history_->ReadAll();
  if (!entries.ok()) return Refuse(500, "history_failed", entries.status().message());
  ordered_json list = ordered_json::array();
  const auto& all = entries.value();
  const size_t first = all.size() > limit ? all.size() - limit : 0;
  for (size_t i = all.size(); i > first; --i) list.push_back(EntryJson(all[i - 1]));
  return Answer(200, {{"entries", list}, {"total", all.size()}});
}

}  // namespace dreichor::deploy
