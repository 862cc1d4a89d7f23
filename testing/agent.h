// Test helpers shared by the deploy agent's tests and the end-to-end run: a runtime env file as
// an operator would write it, and waiting for a started agent to report its port.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "config/env_config.h"
#include "deploy/deploy_rules.h"
#include "testing/runtime_process.h"

namespace dreichor::testing {

using deploy::kContainerAuditDir;
using deploy::kContainerSnapshotDir;

struct TestRuntimeEnv {
  std::string env = "dev";
  std::string database_url;  // empty: the file audit backend
  std::string admin_token = "admin-token-for-tests-0123456789abcdef";
  int snapshot_every = 1000;
  int snapshot_retain = 3;
};

// The text of a runtime env file that passes the agent's checks for `e.env`.
inline std::string RuntimeEnvText(const TestRuntimeEnv& e) {
  std::string text = "DREICHOR_ENV=" + e.env + "\nDREICHOR_LISTEN=0.0.0.0:8080\n";
  if (e.database_url.empty()) {
    text +=
        std::string("DREICHOR_AUDIT_BACKEND=file\nDREICHOR_AUDIT_DIR=") + kContainerAuditDir +
        "\nDREICHOR_AUDIT_SEGMENT_BYTES=67108864\nDREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND=8388608\n";
  } else {
    text += "DREICHOR_AUDIT_BACKEND=postgres\nDREICHOR_DATABASE_URL=" + e.database_url +
            "\nDREICHOR_DATABASE_SCHEMA=dreichor\nDREICHOR_DATABASE_EPOCH=1\n";
  }
  return text + "DREICHOR_SNAPSHOT_DIR=" + kContainerSnapshotDir +
         "\nDREICHOR_SNAPSHOT_EVERY=" + std::to_string(e.snapshot_every) +
         "\nDREICHOR_SNAPSHOT_RETAIN=" + std::to_string(e.snapshot_retain) +
         "\nDREICHOR_ADMIN_TOKEN=" + e.admin_token +
         "\nDREICHOR_CHECKPOINT_KEY=" + NewCheckpointKey(e.env) + "\n" + TradingTokenLine(e.env) +
         "DREICHOR_SHUTDOWN_DEADLINE=10s\nDREICHOR_MAX_BODY_BYTES=65536\n"
         "DREICHOR_MAX_CONNECTIONS=64\nDREICHOR_LOG_LEVEL=info\nDREICHOR_OTLP_TRACES_URL=none\n";
}

// A deploy agent's environment for a test on this machine: `env`'s agent with its base directory
// and the engine (or gate) socket it talks to, Access checked against the keys in `jwks_file`
// for the audience `audience`; no migrations step, no trace export. Callers change what their
// test needs (publish port, subnet, limits, deadlines, who is allowed).
inline config::EnvMap LocalAgentEnv(const std::string& env, const std::string& base,
                                    const std::string& engine_socket, const std::string& jwks_file,
                                    const std::string& audience) {
  return {{"DREICHOR_AGENT_ENV", env},
          {"DREICHOR_AGENT_LISTEN", "127.0.0.1:0"},
          {"DREICHOR_AGENT_ENGINE_SOCKET", engine_socket},
          {"DREICHOR_AGENT_IMAGE_REPOSITORY", "registry.example/dreichor/runtime"},
          {"DREICHOR_AGENT_MIGRATIONS_REPOSITORY", "none"},
          {"DREICHOR_AGENT_MIGRATIONS_ENV_FILE", "none"},
          {"DREICHOR_AGENT_BASE_DIR", base},
          {"DREICHOR_AGENT_RUNTIME_ENV_FILE", base + "/runtime.env"},
          {"DREICHOR_AGENT_RUNTIME_PUBLISH", "127.0.0.1:18080"},
          {"DREICHOR_AGENT_RUNTIME_SUBNET", "10.89.1.0/24"},
          {"DREICHOR_AGENT_RUNTIME_MEMORY_MIB", "384"},
          {"DREICHOR_AGENT_RUNTIME_CPU_MILLIS", "1500"},
          {"DREICHOR_AGENT_RUNTIME_PIDS", "200"},
          {"DREICHOR_AGENT_READINESS_DEADLINE", "8s"},
          {"DREICHOR_AGENT_STOP_TIMEOUT", "15s"},
          {"DREICHOR_AGENT_MIGRATIONS_DEADLINE", "60s"},
          {"DREICHOR_AGENT_ACCESS_TEAM_DOMAIN", "https://dreichor-test.cloudflareaccess.com"},
          {"DREICHOR_AGENT_ACCESS_AUDIENCE", audience},
          {"DREICHOR_AGENT_ACCESS_ALLOWED", "alice@example.com"},
          {"DREICHOR_AGENT_ACCESS_KEYS", "file:" + jwks_file},
          {"DREICHOR_AGENT_LOG_LEVEL", "info"},
          {"DREICHOR_AGENT_OTLP_TRACES_URL", "none"},
          {"DREICHOR_AGENT_PROMOTE_FROM", "none"},
          {"DREICHOR_AGENT_PROMOTE_FROM_TOKEN", "none"},
          {"DREICHOR_AGENT_PROMOTE_TO_TOKEN", "none"}};
}

// The port from the agent's "ready" log line, or 0 if it did not log one within 20 s.
inline uint16_t WaitForAgentPort(const testing::RuntimeProcess& agent) {
  for (int i = 0; i < 400; ++i) {
    for (const nlohmann::json& line : agent.Lines()) {
      if (line.is_object() && line.value("msg", "") == "ready") {
        const std::string address = line["address"];
        return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

}  // namespace dreichor::testing
