#include "gateway/gateway_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace dreichor::gateway {
namespace {

std::string ReadRepoFile(const std::string& path) {
  std::ifstream in(std::string(DREICHOR_SOURCE_DIR) + "/" + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

config::EnvMap ValidEnv() {
  return {{"DREICHOR_ENV", "dev"},
          {"DREICHOR_LISTEN", "127.0.0.1:0"},
          {"DREICHOR_INTERNAL_LISTEN", "127.0.0.1:0"},
          {"DREICHOR_RUNTIME_URL", "http://127.0.0.1:8080"},
          {"DREICHOR_RUNTIME_CONNECTIONS", "4"},
          {"DREICHOR_SIGNATURE_WINDOW", "5s"},
          {"DREICHOR_KEY_RATE", "100"},
          {"DREICHOR_KEY_BURST", "200"},
          {"DREICHOR_ADDRESS_RATE", "200"},
          {"DREICHOR_ADDRESS_BURST", "400"},
          {"DREICHOR_MAX_LAG", "5s"},
          {"DREICHOR_MAX_CONNECTIONS", "64"},
          {"DREICHOR_MAX_BODY_BYTES", "16384"},
          {"DREICHOR_SESSION_QUEUE_BYTES", "1048576"},
          {"DREICHOR_LOGON_DEADLINE", "10s"},
          {"DREICHOR_TLS", "off"},
          {"DREICHOR_LOG_LEVEL", "info"}};
}

TEST(GatewayConfigTest, CommittedSchemaDocumentIsCurrent) {
  EXPECT_EQ(ReadRepoFile("infra/env/GATEWAY_ENV_SCHEMA.md"),
            config::RenderSchemaDocument(GatewaySchema(), GatewaySchemaHeading()))
      << "regenerate it: dreichor-gateway env-schema > infra/env/GATEWAY_ENV_SCHEMA.md";
}

TEST(GatewayConfigTest, AValidEnvironmentLoads) {
  auto c = LoadGatewayConfig(ValidEnv());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c.value().runtime.port, 8080);
  EXPECT_EQ(c.value().signature_window, std::chrono::milliseconds(5000));
  EXPECT_EQ(c.value().key_limit.burst, 200u);
  EXPECT_TRUE(c.value().tls_cert_file.empty());
  EXPECT_TRUE(c.value().trading_token.empty());
}

// Production needs the runtime's internal credential; TLS on needs its files; every problem is
// named in one run, and the secret is never quoted.
TEST(GatewayConfigTest, ProblemsAreAllNamedAndSecretsNeverQuoted) {
  config::EnvMap env = ValidEnv();
  env["DREICHOR_ENV"] = "prod";
  env["DREICHOR_TLS"] = "on";
  env["DREICHOR_RUNTIME_URL"] = "ftp://runtime";
  auto c = LoadGatewayConfig(env);
  ASSERT_FALSE(c.ok());
  const std::string& m = c.status().message();
  EXPECT_NE(m.find("DREICHOR_TRADING_TOKEN: is required when DREICHOR_ENV is not dev"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("DREICHOR_TLS_CERT_FILE"), std::string::npos) << m;
  EXPECT_NE(m.find("DREICHOR_TLS_KEY_FILE"), std::string::npos) << m;
  env["DREICHOR_TRADING_TOKEN"] = "too-short-secret";
  c = LoadGatewayConfig(env);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().find("too-short-secret"), std::string::npos);
}

}  // namespace
}  // namespace dreichor::gateway
