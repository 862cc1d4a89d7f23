// AgentHandler: the deploy agent's HTTP routes (docs/deploy-agent.md).
//
//   GET  /health/live         no authentication: the agent's loop turns
//   GET  /metrics             no authentication: Prometheus text (agent_metrics.h)
//   POST /v1/deploy {"tag"}   POST /v1/rollback   POST /v1/stop   POST /v1/start
//   GET  /v1/status           GET  /v1/deployments[?limit=N]
//   POST /v1/promote          deploys the digest that runs in the environment before this one
//   GET  /v1/promotion/source POST /v1/promotion/record   the next environment's agent only
//
// Every route but /health/live, /metrics and /v1/promotion/* needs a valid Cloudflare Access
// token in Cf-Access-Jwt-Assertion (401 or 403 otherwise, logged with the reason, never the
// token). /v1/promotion/* needs `Authorization: Bearer <DREICHOR_AGENT_PROMOTE_TO_TOKEN>`
// instead: the next environment's agent calls them, on loopback, with no person behind it.
// Mutating actions take the ActionLock: a second one at the same time gets 409 naming who holds
// it. Actions and status run on worker threads, so a long deploy never blocks the I/O threads.
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <mutex>
#include <thread>

#include "deploy/access/access_verifier.h"
#include "deploy/agent_metrics.h"
#include "deploy/deployer.h"
#include "deploy/promotion_link.h"
#include "http/router.h"
#include "util/clock.h"
#include "util/json_log.h"

namespace dreichor::deploy {

inline constexpr char kAccessHeader[] = "Cf-Access-Jwt-Assertion";
inline constexpr size_t kMaxDeploymentsListed = 1000;

class AgentHandler final : public http::Handler {
 public:
  // `env` is the agent's environment, shown in the status. `engine` (may be null) is the
  // deployer's engine, observed for the engine-error metric.
  AgentHandler(std::string env, Deployer* deployer, AccessVerifier* verifier, Clock* clock,
               JsonLog* log, const ObservedEngine* engine = nullptr);
  // Waits for every running action.
  ~AgentHandler() override;

  void Handle(http::Request&& request, http::Respond respond) override;
  // Waits for running actions to finish; later requests are answered 503.
  void Drain();
  // Promotion: `upstream` (null in dev) is the link to the agent of the environment before this
  // one, for POST /v1/promote; `downstream_token` (empty in prod) is what the next
  // environment's agent presents on /v1/promotion/*. Call before serving.
  void EnablePromotion(const PromotionLink* upstream, std::string downstream_token);
  // The registry behind GET /metrics.
  http::MetricsRegistry* metrics_registry() { return metrics_.registry(); }

 private:
  // The identity a request's Access token proves; nullopt (with the refusal answered and logged)
  // when it proves none.
  std::optional<std::string> Authenticate(const http::Request& request, http::Respond& respond);
  void AddRoutes();
  void AddPromotionRoutes();
  // POST /v1/promote's action: ask the source, deploy its digest, report back.
  ActionResult PromoteFromSource(const std::string& identity);
  // Whether `request` carries the next environment's token (refusal answered and logged if not).
  bool AuthenticatePeer(const http::Request& request, http::Respond& respond);
  using DeployerAction = ActionResult (Deployer::*)(const std::string& identity);
  // POST `path` runs `run` under the lock; the action takes no body.
  void AddActionRoute(const char* path, const char* action, DeployerAction run);
  void RunAction(const std::string& action, const std::string& identity,
                 std::function<ActionResult()> run, http::Respond respond);
  void RunWorker(std::function<void()> work);

  const std::string env_;
  Deployer* const deployer_;
  AccessVerifier* const verifier_;
  Clock* const clock_;
  JsonLog* const log_;
  ActionLock lock_;
  AgentMetrics metrics_;
  http::Router router_;       // the authenticated routes; handlers get the identity from identity_
  http::Router peer_router_;  // /v1/promotion/*, for the next environment's agent
  const PromotionLink* upstream_ = nullptr;
  std::string downstream_token_;
  std::atomic<bool> draining_{false};
  std::mutex workers_mu_;
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<Worker> workers_;  // GUARDED_BY(workers_mu_)
};

}  // namespace dreichor::deploy
