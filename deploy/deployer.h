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
// Each method runs one action to its end and returns the HTTP answer. The caller makes sure one
// action runs at a time (ActionLock).
#pragma once

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "deploy/agent_config.h"
#include "deploy/clock.h"
#include "deploy/deploy_rules.h"
#include "deploy/engine/container_engine.h"
#include "deploy/history.h"
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
inline constexpr std::chrono::milliseconds kReadinessPollInterval{500};

struct ActionOutcome {
  int http_status = 200;
  nlohmann::ordered_json body;
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
  Deployer(AgentConfig config, ContainerEngine* engine, History* history, Clock* clock,
           JsonLog* log);

  // Reads the history: which deployments succeeded and whether the last attempt failed after
  // stopping the old container.
  Status Load();

  ActionOutcome Deploy(const std::string& tag, const std::string& identity);
  // To the previous succeeded deployment (by digest); after a deploy that failed once the old
  // container had stopped, to the deployment that ran before it.
  ActionOutcome Rollback(const std::string& identity);
  ActionOutcome Stop(const std::string& identity);
  ActionOutcome Start(const std::string& identity);
  ActionOutcome CurrentStatus();
  ActionOutcome Deployments(size_t limit);

  struct Deployment {
    uint64_t id = 0;  // the sequence number of its "started" record
    std::string tag;
    std::string digest;
  };

 private:
  struct Failure {
    std::string step;
    std::string reason;
    std::vector<std::string> logs;
  };
  struct Target {
    std::string tag;
    std::string digest;
  };

  // Replaces the runtime container with one running `target`. On failure, *old_stopped says
  // whether the previous container had been stopped by then.
  // Stops the running runtime (if any) and renames it to <name>-previous, replacing an older
  // previous container. *old_stopped: whether what ran before is now stopped.
  std::optional<Failure> SetOldAside(bool* old_stopped);
  ContainerSpec RuntimeSpec(const Target& target, uint64_t deployment,
                            const std::vector<std::string>& env, uint16_t container_port) const;
  std::chrono::seconds StopTimeout() const {
    return std::chrono::duration_cast<std::chrono::seconds>(config_.stop_timeout);
  }
  std::optional<Failure> Cutover(const Target& target, uint64_t deployment,
                                 const std::vector<std::string>& env, uint16_t container_port,
                                 bool* old_stopped);
  // The runtime env file and the two volume directories, checked before anything is touched.
  std::optional<Failure> Preflight(RuntimeEnv* env);
  std::optional<Failure> RunMigrations(const std::string& tag, const std::string& database_url,
                                       const std::string& schema);
  Result<std::optional<ContainerState>> Owned(const std::string& name);
  std::optional<Failure> WaitReady(const std::string& id, std::chrono::milliseconds deadline);
  std::vector<std::string> LastLogs(const std::string& id);
  Result<uint64_t> Record(nlohmann::ordered_json fields);
  // Logs a failed best-effort step (cleanup whose failure changes no outcome).
  void Warn(const Status& s, const char* what);
  ActionOutcome Finish(const std::string& action, const std::string& identity, uint64_t deployment,
                       const Target& target, int64_t started_ns,
                       const std::optional<Failure>& failure, bool old_stopped);
  std::optional<Target> RollbackTarget() const;
  // True when `current` runs `digest` with exactly this environment (a redeploy is a no-op).
  bool RunsAlready(const std::optional<ContainerState>& current, const std::string& digest,
                   const RuntimeEnv& env) const;
  ActionOutcome RecordNoop(const std::string& identity, uint64_t deployment, const Target& target);
  nlohmann::ordered_json DescribeContainer(const std::optional<ContainerState>& c);

  const AgentConfig config_;
  ContainerEngine* const engine_;
  History* const history_;
  Clock* const clock_;
  JsonLog* const log_;
  mutable std::mutex state_mu_;        // Status() reads while an action runs
  std::vector<Deployment> succeeded_;  // GUARDED_BY(state_mu_)
  bool failed_after_stop_ = false;     // GUARDED_BY(state_mu_)
};

}  // namespace dreichor::deploy
