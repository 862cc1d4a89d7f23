// The engine gate's configuration: every problem at once, one environment throughout, and the
// committed schema document generated from the table.
#include "deploy/gate/gate_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace dreichor::deploy {
namespace {

config::EnvMap DevGate() {
  return {{"DREICHOR_GATE_ENV", "dev"},
          {"DREICHOR_GATE_LISTEN_SOCKET", "/run/dreichor-gate-dev/engine.sock"},
          {"DREICHOR_GATE_SOCKET_GROUP", "dreichor-deploy-dev"},
          {"DREICHOR_GATE_ENGINE_SOCKET", "/run/podman/podman.sock"},
          {"DREICHOR_GATE_BASE_DIR", "/opt/dreichor/dev/"},
          {"DREICHOR_GATE_LOG_LEVEL", "info"}};
}

std::string Problems(const config::EnvMap& env) {
  auto c = LoadGateConfig(env);
  return c.ok() ? "" : c.status().message();
}

TEST(GateConfigTest, AValidConfigurationNamesTheEnvironmentsScope) {
  auto c = LoadGateConfig(DevGate());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c.value().scope.env, "dev");
  EXPECT_EQ(c.value().scope.base_dir, "/opt/dreichor/dev");
  EXPECT_EQ(c.value().scope.network(), "dreichor-dev");
  EXPECT_EQ(c.value().socket_group, "dreichor-deploy-dev");
}

TEST(GateConfigTest, EveryProblemIsReportedAtOnce) {
  EXPECT_NE(Problems({}).find("6 configuration problem(s)"), std::string::npos) << Problems({});
  config::EnvMap env = DevGate();
  env["DREICHOR_GATE_BASE_DIR"] = "/opt/dreichor/prod";
  env["DREICHOR_GATE_LISTEN_SOCKET"] = "/run/podman/podman.sock";
  const std::string p = Problems(env);
  EXPECT_NE(p.find("its last component must be 'dev'"), std::string::npos) << p;
  EXPECT_NE(p.find("must not be the engine's own socket"), std::string::npos) << p;
  env = DevGate();
  env["DREICHOR_GATE_ENV"] = "qa";
  EXPECT_NE(Problems(env).find("DREICHOR_GATE_ENV"), std::string::npos);
  env = DevGate();
  env["DREICHOR_AGENT_ENV"] = "dev";
  EXPECT_NE(Problems(env).find("DREICHOR_AGENT_ENV"), std::string::npos) << "unknown variable";
}

TEST(GateConfigTest, CommittedSchemaDocumentIsCurrent) {
  std::ifstream in(std::string(DREICHOR_SOURCE_DIR) + "/infra/deploy/GATE_ENV_SCHEMA.md");
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_EQ(committed.str(), config::RenderSchemaDocument(GateSchema(), GateSchemaHeading()))
      << "regenerate: dreichor-engine-gate env-schema > infra/deploy/GATE_ENV_SCHEMA.md";
}

}  // namespace
}  // namespace dreichor::deploy
