// The steps actions are made of: checks before anything is touched, the migrations container,
// setting the old runtime aside, creating and starting the new one, waiting for readiness.
#include "deploy/deploy_rules.h"
#include "deploy/deployer.h"

namespace dreichor::deploy {

namespace {

// The healthcheck of an image as a command to exec, or empty if it has none.
std::vector<std::string> HealthcheckCommand(const std::vector<std::string>& test) {
  if (test.empty() || test[0] == "NONE") return {};
  if (test[0] == "CMD") return {test.begin() + 1, test.end()};
  if (test[0] == "CMD-SHELL" && test.size() == 2) return {"/bin/sh", "-c", test[1]};
  return test;
}

std::string Seconds(std::chrono::milliseconds d) {
  return std::to_string(d.count() / 1000) + "." + std::to_string(d.count() % 1000 / 100) + "s";
}

std::string WithoutTrailingNewlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

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

bool Deployer::CheckReady(const ContainerState& c) {
  const std::vector<std::string> cmd = HealthcheckCommand(c.healthcheck);
  if (!c.running || cmd.empty()) return false;
  auto check = engine_->Exec(c.id, cmd, std::chrono::milliseconds(3000));
  return check.ok() && check.value().exit_code == 0;
}

std::optional<Deployer::Failure> Deployer::WaitReady(const std::string& id,
                                                     std::chrono::milliseconds deadline) {
  const int64_t until = clock_->NowUnixNanos() + deadline.count() * 1'000'000;
  std::string last_check = "no check ran";
  while (true) {
    auto state = engine_->Inspect(id);
    if (!state.ok()) return Failure{Step::kReadiness, state.status().message(), {}};
    if (!state.value()) return Failure{Step::kReadiness, "the container disappeared", {}};
    if (!state.value()->running) {
      return Failure{Step::kReadiness,
                     "the container exited with code " + std::to_string(state.value()->exit_code) +
                         " before it was ready",
                     {}};
    }
    const std::vector<std::string> cmd = HealthcheckCommand(state.value()->healthcheck);
    if (cmd.empty()) {
      return Failure{
          Step::kReadiness, "the image declares no HEALTHCHECK; readiness cannot be known", {}};
    }
    auto check = engine_->Exec(id, cmd, std::chrono::milliseconds(5000));
    if (check.ok() && check.value().exit_code == 0) return std::nullopt;
    last_check =
        check.ok() ? "exit " + std::to_string(check.value().exit_code) + ": " + check.value().output
                   : check.status().message();
    if (clock_->NowUnixNanos() >= until) {
      return Failure{Step::kReadiness,
                     "not ready within " + Seconds(deadline) +
                         " (last check: " + WithoutTrailingNewlines(last_check) + ")",
                     {}};
    }
    clock_->SleepFor(kReadinessPollInterval);
  }
}

std::optional<Deployer::Failure> Deployer::Preflight(RuntimeEnv* env) {
  auto loaded = LoadRuntimeEnv(env_, config_);
  if (!loaded.ok()) return Failure{Step::kEnv, loaded.status().message(), {}};
  for (const std::string& dir : {config_.audit_volume(), config_.snapshot_volume()}) {
    if (!env_->IsDirectory(dir)) {
      return Failure{Step::kVolumes, "volume directory " + dir + " is missing", {}};
    }
  }
  if (auto failure = PrepareNetwork()) return failure;
  *env = std::move(loaded).value();
  return std::nullopt;
}

std::optional<Deployer::Failure> Deployer::PrepareNetwork() {
  const std::string name = config_.network_name();
  auto network = engine_->EnsureNetwork({name, config_.runtime_subnet, {{kEnvLabel, config_.env}}});
  if (!network.ok()) return Failure{Step::kNetwork, network.status().message(), {}};
  const NetworkState& n = network.value();
  const auto env_label = n.labels.find(kEnvLabel);
  if (env_label == n.labels.end() || env_label->second != config_.env) {
    return Failure{Step::kNetwork,
                   "network " + name + " exists but is not labelled " + kEnvLabel + "=" +
                       config_.env + ": it is not this environment's",
                   {}};
  }
  if (n.subnets != std::vector<std::string>{config_.runtime_subnet}) {
    std::string have;
    for (const std::string& subnet : n.subnets) have += (have.empty() ? "" : ", ") + subnet;
    return Failure{Step::kNetwork,
                   "network " + name + " has subnet " + (have.empty() ? "none" : have) +
                       ", not the configured " + config_.runtime_subnet,
                   {}};
  }
  if (n.internal) {
    return Failure{Step::kNetwork,
                   "network " + name + " is internal: the runtime's API could not be published",
                   {}};
  }
  return std::nullopt;
}

std::optional<Deployer::Failure> Deployer::RunMigrations(const std::string& tag,
                                                         const std::string& runtime_database_url,
                                                         const std::string& schema) {
  if (runtime_database_url.empty()) {
    return Failure{Step::kMigrations,
                   "a migrations image is configured but the runtime env file names no database",
                   {}};
  }
  auto database_url = LoadMigrationsUrl(env_, config_);
  if (!database_url.ok()) return Failure{Step::kMigrations, database_url.status().message(), {}};
  auto image = engine_->Pull(config_.migrations_repository, tag);
  if (!image.ok()) return Failure{Step::kMigrations, image.status().message(), {}};
  const std::string name = "dreichor-migrations-" + config_.env;
  auto stale = Owned(name);
  if (!stale.ok()) return Failure{Step::kMigrations, stale.status().message(), {}};
  if (stale.value()) {
    if (Status s = engine_->Remove(stale.value()->id); !s.ok()) {
      return Failure{Step::kMigrations, s.message(), {}};
    }
  }
  ContainerSpec spec;
  spec.name = name;
  spec.image = config_.migrations_repository + "@" + image.value().digest;
  spec.env = {"DATABASE_URL=" + database_url.value()};
  spec.cmd = {"apply", "--target", schema};
  spec.labels = {{kEnvLabel, config_.env}, {kRoleLabel, "migrations"}, {kTagLabel, tag}};
  spec.network = config_.network_name();
  spec.unprivileged = true;  // its image's own non-root user, no capability, no new privilege
  auto id = engine_->Create(spec);
  if (!id.ok()) return Failure{Step::kMigrations, id.status().message(), {}};
  std::optional<Failure> failure;
  if (Status s = engine_->Start(id.value()); !s.ok()) {
    failure = Failure{Step::kMigrations, s.message(), {}};
  } else {
    failure = WaitMigrations(id.value());
  }
  std::vector<std::string> logs = LastLogs(id.value());
  Warn(engine_->Remove(id.value()), "removing the migrations container");
  if (failure) {
    failure->logs = std::move(logs);
  } else {
    log_->Info("migrations applied", {{"tag", tag}, {"digest", image.value().digest}});
  }
  return failure;
}

std::optional<Deployer::Failure> Deployer::WaitMigrations(const std::string& id) {
  const int64_t until = clock_->NowUnixNanos() + config_.migrations_deadline.count() * 1'000'000;
  while (true) {
    auto state = engine_->Inspect(id);
    if (!state.ok() || !state.value()) {
      return Failure{Step::kMigrations,
                     state.ok() ? "the container disappeared" : state.status().message(),
                     {}};
    }
    if (!state.value()->running && state.value()->status != "created") {
      if (state.value()->exit_code == 0) return std::nullopt;
      return Failure{
          Step::kMigrations,
          "the migrations container exited with code " + std::to_string(state.value()->exit_code),
          {}};
    }
    if (clock_->NowUnixNanos() >= until) {
      return Failure{Step::kMigrations,
                     "migrations did not finish within " + Seconds(config_.migrations_deadline),
                     {}};
    }
    clock_->SleepFor(kReadinessPollInterval);
  }
}

std::optional<Deployer::Failure> Deployer::SetOldAside(bool* old_stopped) {
  *old_stopped = false;
  const std::string previous_name = config_.container_name() + "-previous";
  auto existing = Owned(config_.container_name());
  if (!existing.ok()) return Failure{Step::kInspect, existing.status().message(), {}};
  auto stale_previous = Owned(previous_name);
  if (!stale_previous.ok()) return Failure{Step::kInspect, stale_previous.status().message(), {}};
  if (!existing.value()) {
    // After a failed deploy, what ran before is the stopped previous container; it stays.
    *old_stopped = stale_previous.value().has_value();
    return std::nullopt;
  }
  const ContainerState& old = *existing.value();
  if (old.running) {
    if (Status s = engine_->Stop(old.id, StopTimeout()); !s.ok()) {
      return Failure{Step::kStopOld, s.message(), LastLogs(old.id)};
    }
    auto after = engine_->Inspect(old.id);
    log_->Info("old runtime stopped",
               {{"container", old.id.substr(0, 12)},
                {"exit_code", after.ok() && after.value() ? after.value()->exit_code : -1}});
  }
  *old_stopped = true;
  if (stale_previous.value()) {
    if (Status s = engine_->Remove(stale_previous.value()->id); !s.ok()) {
      return Failure{Step::kRenameOld, s.message(), {}};
    }
  }
  if (Status s = engine_->Rename(old.id, previous_name); !s.ok()) {
    return Failure{Step::kRenameOld, s.message(), {}};
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
  spec.unprivileged = true;
  spec.user = kRuntimeUser;
  spec.network = config_.network_name();
  spec.limits = config_.runtime_limits;
  return spec;
}

std::optional<Deployer::Failure> Deployer::Cutover(const Target& target, uint64_t deployment,
                                                   const std::vector<std::string>& env,
                                                   uint16_t container_port, bool* old_stopped) {
  if (auto failure = SetOldAside(old_stopped)) return failure;
  auto id = engine_->Create(RuntimeSpec(target, deployment, env, container_port));
  if (!id.ok()) return Failure{Step::kCreate, id.status().message(), {}};
  std::optional<Failure> failure;
  if (Status s = StartPublished(id.value()); !s.ok()) {
    failure = Failure{Step::kStart, s.message(), {}};
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

Status Deployer::StartPublished(const std::string& id) {
  const int64_t until =
      clock_->NowUnixNanos() +
      std::chrono::duration_cast<std::chrono::nanoseconds>(kPortReleaseDeadline).count();
  for (;;) {
    Status s = engine_->Start(id);
    if (s.ok() || s.message().find("address already in use") == std::string::npos ||
        clock_->NowUnixNanos() >= until) {
      return s;
    }
    log_->Info("host port still held by the previous container; waiting",
               {{"container", id.substr(0, 12)}});
    clock_->SleepFor(kReadinessPollInterval);
  }
}

// The image a rollback returns to: if the registry answers, the tag must still name the recorded
// digest (tags are immutable); if it does not, the local copy will do, if there is one.
std::optional<Deployer::Failure> Deployer::CheckRollbackImage(const Target& target) {
  auto pulled = engine_->Pull(config_.image_repository, target.tag);
  if (pulled.ok() && pulled.value().digest != target.digest) {
    return Failure{Step::kPull,
                   "tag " + target.tag + " now names " + pulled.value().digest +
                       ", not the recorded " + target.digest + "; tags must be immutable",
                   {}};
  }
  if (pulled.ok()) return std::nullopt;
  auto present = engine_->HasImage(config_.image_repository + "@" + target.digest);
  if (!present.ok() || !present.value()) {
    return Failure{
        Step::kPull,
        "the image is neither pullable (" + pulled.status().message() + ") nor present locally",
        {}};
  }
  return std::nullopt;
}

}  // namespace dreichor::deploy
