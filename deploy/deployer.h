// Deployer: the agent's actions — deploy, rollback, stop, start — as steps against the container
// engine, each recorded in the history. The rules (infra/deploy/ROLLBACK_STRATEGY.md):
//
//  * Everything that can fail without touching the running runtime happens first: the tag, the
//    runtime env file, the volumes, the pull (which resolves the digest) and the migrations
//    container. A failure there leaves the old container running untouched.
//  * Then the old container is stopped gracefully and renamed dreichor-runtime-<env>-previous,
//    the new one is created pinned by digest and started, and the agent waits for its own
//    HEALTHCHECK command (run inside it) to pass before the deadline.
//  * If any of that fails, the new container is stopped and removed and nothing is started:
//    the operator decides. The previous container stays, stopped, so that Rollback restores it.
//  * Only containers labelled dreichor.env=<this env> are ever inspected or touched.
//
// Each action runs to its end and returns what happened as a value (ActionResult); presenting it
// (HTTP statuses, JSON) is the caller's business. The caller makes sure one action runs at a
// time (ActionLock). Thread-safe otherwise: CurrentStatus may run during an action.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "deploy/agent_config.h"
#include "deploy/deploy_rules.h"
#include "deploy/engine/container_engine.h"
#include "deploy/history.h"
#include "util/clock.h"
#include "util/env.h"
#include "util/json_log.h"

namespace dreichor::deploy {

inline constexpr char kEnvLabel[] = "dreichor.env";
inline constexpr char kRoleLabel[] = "dreichor.role";
inline constexpr char kTagLabel[] = "dreichor.tag";
inline constexpr char kDigestLabel[] = "dreichor.digest";
inline constexpr char kDeploymentLabel[] = "dreichor.deployment";
// SHA-256 of the container's environment: a changed runtime env file makes a redeploy of the
// same digest a real deploy (that is how configuration and secrets change).
inline constexpr char kEnvHashLabel[] = "dreichor.env-sha256";
inline constexpr int kFailureLogLines = 30;
// The user the runtime container runs as, whatever the image says: the runtime image's own user
// (infra/docker/Dockerfile.runtime), which owns the two volumes.
inline constexpr char kRuntimeUser[] = "10001:10001";
inline constexpr std::chrono::milliseconds kReadinessPollInterval{500};
// How long a start waits for the runtime's host port to be let go by the container that held it
// last: an engine releases a stopped container's port asynchronously (Podman: its cleanup process).
inline constexpr std::chrono::seconds kPortReleaseDeadline{10};

// Why an action did not run at all. Nothing was touched; a refused tag is still recorded.
enum class Refusal {
  kNone,
  kBadTag,             // not a valid tag, or a moving tag in prod
  kNothingToRollBack,  // no earlier succeeded deployment with another digest
  kNotRunning,         // stop: no runtime runs
  kNoContainer,        // start: there is no runtime container
  kAlreadyRunning,     // start: it runs
  kEngineError,        // the engine could not be asked
  kHistoryFailed,      // the history could not be written
  kNoPromotionSource,  // promote: this environment is dev, where nothing is promoted in
  kSourceUnavailable,  // promote: the source environment's agent could not be asked
  kNotPromotable,      // promote: the source has no ready deployment, or not one this may take
};

// What an action did.
struct ActionResult {
  Refusal refusal = Refusal::kNone;
  std::string message;                  // why it was refused
  std::optional<HistoryRecord> record;  // how it ended: the last record it wrote
  // promote, when it ran: "recorded" once the source's history holds the promotion, else why
  // it does not (the promotion itself stands; docs/deploy-agent.md, "Promotion").
  std::optional<std::string> source_record;
};

// The other environment of a promotion and its deployment, written into each of its records.
struct PromotionPeer {
  std::string env;
  uint64_t deployment = 0;
};

// A succeeded deployment of the environment before this one, as its agent reports it: what a
// promotion deploys here, by digest.
struct PromotionSource {
  std::string env;
  uint64_t deployment = 0;
  std::string tag;
  std::string digest;
};

// A deployment that succeeded: the sequence of its "started" record, its tag and digest.
struct Deployment {
  uint64_t id = 0;
  std::string tag;
  std::string digest;
};

// A runtime container as the agent sees it.
struct ContainerView {
  ContainerState state;
  bool ready = false;  // its healthcheck passes now
};

struct AgentStatus {
  std::optional<ContainerView> container;
  std::optional<ContainerView> previous;  // the one set aside by a deploy, if any
  std::optional<Deployment> current;      // the last deployment that succeeded
  bool last_attempt_failed_after_stop = false;
  std::optional<Deployment> rollback_target;  // id 0: what Rollback would start
};

// At most one mutating action at a time; a second one learns who holds the lock.
class ActionLock {
 public:
  struct Holder {
    std::string action;
    std::string identity;
    int64_t since_ns = 0;
  };
  // False (with *current set) when another action holds the lock.
  bool TryAcquire(const Holder& holder, Holder* current);
  void Release();
  std::optional<Holder> holder() const;

 private:
  mutable std::mutex mu_;
  std::optional<Holder> holder_;
};

class Deployer {
 public:
  Deployer(AgentConfig config, ContainerEngine* engine, History* history, Env* env, Clock* clock,
           JsonLog* log);

  // Reads the history: which deployments succeeded and whether the last attempt failed after
  // stopping the old container.
  Status Load();

  ActionResult Deploy(const std::string& tag, const std::string& identity);
  // A deploy of exactly `source.digest` (pulled by the source's tag, which must still name that
  // digest and be immutable), recorded as "promote" with the source environment and deployment.
  ActionResult Promote(const PromotionSource& source, const std::string& identity);
  // The source's side: records in this history that `to_env` (the next environment) now runs
  // this environment's succeeded deployment `source_deployment` (which must have `digest`) as
  // its deployment `to_deployment`. kNotPromotable when no such deployment succeeded here.
  ActionResult RecordPromoted(uint64_t source_deployment, const std::string& digest,
                              const std::string& to_env, uint64_t to_deployment,
                              const std::string& identity);
  // What this environment offers to the next one: the current succeeded deployment, when the
  // runtime container runs it and is ready. The error says why there is nothing to promote.
  Result<Deployment> Promotable();
  // To the previous succeeded deployment (by digest); after a deploy that failed once the old
  // container had stopped, to the deployment that ran before it.
  ActionResult Rollback(const std::string& identity);
  ActionResult Stop(const std::string& identity);
  ActionResult Start(const std::string& identity);
  // Error: the engine could not be asked.
  Result<AgentStatus> CurrentStatus();
  // The whole history, oldest first.
  Result<std::vector<HistoryEntry>> Deployments();

 private:
  struct Failure {
    Step step;
    std::string reason;
    std::vector<std::string> logs;
  };
  struct Target {
    std::string tag;
    std::string digest;
  };
  // Deploy and Promote: pull `tag` (which must resolve to `expected_digest` when one is given),
  // migrations, cutover, readiness.
  ActionResult DeployImage(Action action, const std::string& tag,
                           const std::string& expected_digest,
                           const std::optional<PromotionPeer>& peer, const std::string& identity);

  // deploy_steps.cc: the steps of an action.
  std::optional<Failure> Preflight(RuntimeEnv* env);
  // Runs the migrations image as the migration role (LoadMigrationsUrl); the runtime's own URL
  // only says that the runtime uses a database at all.
  std::optional<Failure> RunMigrations(const std::string& tag,
                                       const std::string& runtime_database_url,
                                       const std::string& schema);
  std::optional<Failure> WaitMigrations(const std::string& id);
  // Stops the running runtime (if any) and renames it to <name>-previous, replacing an older
  // previous container. *old_stopped: whether what ran before is now stopped.
  std::optional<Failure> SetOldAside(bool* old_stopped);
  std::optional<Failure> Cutover(const Target& target, uint64_t deployment,
                                 const std::vector<std::string>& env, uint16_t container_port,
                                 bool* old_stopped);
  ContainerSpec RuntimeSpec(const Target& target, uint64_t deployment,
                            const std::vector<std::string>& env, uint16_t container_port) const;
  // Creates the environment's network if missing, and checks that it is this environment's:
  // labelled so, on the configured subnet, isolated.
  std::optional<Failure> PrepareNetwork();
  // Starts container `id`; retries, until kPortReleaseDeadline, while the engine says the host
  // port is still in use.
  Status StartPublished(const std::string& id);
  std::optional<Failure> WaitReady(const std::string& id, std::chrono::milliseconds deadline);
  std::optional<Failure> CheckRollbackImage(const Target& target);
  Result<std::optional<ContainerState>> Owned(const std::string& name);
  std::vector<std::string> LastLogs(const std::string& id);
  bool CheckReady(const ContainerState& c);
  std::chrono::seconds StopTimeout() const {
    return std::chrono::duration_cast<std::chrono::seconds>(config_.stop_timeout);
  }

  // deployer.cc: recording.
  Result<uint64_t> Record(const HistoryRecord& record);
  // Records how a deploy or rollback ended, and remembers a success.
  ActionResult Finish(Action action, const std::string& identity, uint64_t deployment,
                      const Target& target, int64_t started_ns,
                      const std::optional<Failure>& failure, bool old_stopped,
                      const std::optional<PromotionPeer>& peer = std::nullopt);
  ActionResult Refused(Refusal refusal, std::string message);
  std::optional<Target> RollbackTarget() const;
  // True when `current` runs `digest` with exactly this environment (a redeploy is a no-op).
  bool RunsAlready(const std::optional<ContainerState>& current, const std::string& digest,
                   const RuntimeEnv& env) const;
  // Logs a failed best-effort step (cleanup whose failure changes no outcome).
  void Warn(const Status& s, const char* what);

  const AgentConfig config_;
  ContainerEngine* const engine_;
  History* const history_;
  Env* const env_;
  Clock* const clock_;
  JsonLog* const log_;
  mutable std::mutex state_mu_;        // CurrentStatus reads while an action runs
  std::vector<Deployment> succeeded_;  // GUARDED_BY(state_mu_)
  bool failed_after_stop_ = false;     // GUARDED_BY(state_mu_)
};

}  // namespace dreichor::deploy
