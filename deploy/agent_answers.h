// How the agent presents the deployer's results over HTTP (docs/deploy-agent.md): the status
// code of each outcome, and the JSON of records, containers and the status. The deployer speaks
// its domain (deploy/deployer.h); only this file knows HTTP.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "deploy/deployer.h"
#include "http/server.h"

namespace dreichor::deploy {

// 200 with the record when the action succeeded (or was a no-op); for a failed deploy or
// rollback 503 (it failed starting or waiting for readiness) or 502 (any other step), with an
// "error" naming the action and the reason; a failed stop 502, a failed start 503; a refusal
// 400 (bad tag), 409 (nothing to roll back to, not running, no container, already running), 502
// (engine) or 500 (history).
http::Response ActionAnswer(const ActionResult& result);

// The body of GET /v1/status; `in_progress` is the action holding the lock, if any.
nlohmann::ordered_json StatusJson(const std::string& env, const AgentStatus& status,
                                  const std::optional<ActionLock::Holder>& in_progress);

// The body of GET /v1/deployments: the newest `limit` entries first, and the total.
nlohmann::ordered_json DeploymentsJson(const std::vector<HistoryEntry>& entries, size_t limit);

}  // namespace dreichor::deploy
