// AgentMetrics: what the deploy agent exposes on GET /metrics (unauthenticated, like
// /health/live; its API is on loopback only). The Prometheus text format; the alerts built on
// it are in infra/monitoring/prometheus/alert-rules.yml.
//
//   dreichor_agent_actions_total{action,outcome}   actions by how they ended: succeeded, failed,
//                                                  noop, refused, busy (another action held the
//                                                  lock)
//   dreichor_agent_failed_steps_total{step}        failed deploys and rollbacks by failing step
//   dreichor_agent_last_success_timestamp_seconds{action}   deploy and rollback; 0: none yet
//   dreichor_agent_action_running                  1 while an action holds the lock
//   dreichor_agent_action_running_seconds          how long the running action has held it
//   dreichor_agent_access_refusals_total{status}   requests refused by Access: 401, 403
//   dreichor_agent_access_keys                     signing keys held (0: no token can be verified)
//   dreichor_agent_access_keys_last_fetch_ok       1 when the last fetch of the key set succeeded
//   dreichor_agent_engine_errors_total{call}       container engine calls that failed, by call
//                                                  (engine/observed_engine.h)
#pragma once

#include <map>
#include <string>

#include "deploy/access/access_verifier.h"
#include "deploy/deployer.h"
#include "deploy/engine/observed_engine.h"
#include "http/metrics.h"
#include "util/clock.h"

namespace dreichor::deploy {

class AgentMetrics {
 public:
  // `engine` may be null: then no engine errors are exported.
  AgentMetrics(const ActionLock* lock, AccessVerifier* verifier, Clock* clock,
               const ObservedEngine* engine);
  void OnAction(const std::string& action, const ActionResult& result);
  void OnBusy(const std::string& action);
  void OnAccessRefused(int http_status);
  std::string Render() const { return registry_.Render(); }
  // For others' series on the same /metrics (the trace exporter's).
  http::MetricsRegistry* registry() { return &registry_; }

 private:
  http::Counter* Action(const std::string& action, const std::string& outcome);

  Clock* const clock_;
  http::MetricsRegistry registry_;
  std::map<std::pair<std::string, std::string>, http::Counter*> actions_;
  std::map<std::string, http::Counter*> failed_steps_;
  std::map<std::string, http::Gauge*> last_success_;
  std::map<int, http::Counter*> refusals_;
};

}  // namespace dreichor::deploy
