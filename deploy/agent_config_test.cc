#include "deploy/agent_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "deploy/deploy_rules.h"
#include "testing/checkpoint_key.h"
#include "testing/temp_dir.h"
#include "testing/trading_token.h"

namespace dreichor::deploy {
namespace {

config::EnvMap DevEnv() {
  return {
      {"DREICHOR_AGENT_ENV", "dev"},
      {"DREICHOR_AGENT_LISTEN", "127.0.0.1:3005"},
      {"DREICHOR_AGENT_ENGINE_SOCKET", "/run/docker.sock"},
      {"DREICHOR_AGENT_IMAGE_REPOSITORY", "127.0.0.1:5000/dreichor/runtime"},
      {"DREICHOR_AGENT_MIGRATIONS_REPOSITORY", "none"},
      {"DREICHOR_AGENT_MIGRATIONS_ENV_FILE", "none"},
      {"DREICHOR_AGENT_BASE_DIR", "/opt/dreichor/dev"},
      {"DREICHOR_AGENT_RUNTIME_ENV_FILE", "/opt/dreichor/dev/runtime.env"},
      {"DREICHOR_AGENT_RUNTIME_PUBLISH", "127.0.0.1:8080"},
      {"DREICHOR_AGENT_RUNTIME_SUBNET", "10.89.1.0/24"},
      {"DREICHOR_AGENT_RUNTIME_MEMORY_MIB", "2048"},
      {"DREICHOR_AGENT_RUNTIME_CPU_MILLIS", "1500"},
      {"DREICHOR_AGENT_RUNTIME_PIDS", "256"},
      {"DREICHOR_AGENT_READINESS_DEADLINE", "60s"},
      {"DREICHOR_AGENT_STOP_TIMEOUT", "30s"},
      {"DREICHOR_AGENT_MIGRATIONS_DEADLINE", "300s"},
      {"DREICHOR_AGENT_ACCESS_TEAM_DOMAIN", "https://example.cloudflareaccess.com"},
      {"DREICHOR_AGENT_ACCESS_AUDIENCE", "aud-dev-0123456789"},
      {"DREICHOR_AGENT_ACCESS_ALLOWED", "alice@example.com, deploy-bot.access"},
      {"DREICHOR_AGENT_ACCESS_KEYS", "https://example.cloudflareaccess.com/cdn-cgi/access/certs"},
      {"DREICHOR_AGENT_LOG_LEVEL", "info"},
      {"DREICHOR_AGENT_OTLP_TRACES_URL", "none"},
      {"DREICHOR_AGENT_PROMOTE_FROM", "none"},
      {"DREICHOR_AGENT_PROMOTE_FROM_TOKEN", "none"},
      {"DREICHOR_AGENT_PROMOTE_TO_TOKEN", "none"}};
}

std::string Problems(const config::EnvMap& env) {
  auto c = LoadAgentConfig(env);
  return c.ok() ? "" : c.status().message();
}

TEST(AgentConfigTest, ValidDevConfigurationDerivesPathsAndNames) {
  auto c = LoadAgentConfig(DevEnv());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c.value().container_name(), "dreichor-runtime-dev");
  EXPECT_EQ(c.value().audit_volume(), "/opt/dreichor/dev/volumes/audit-events");
  EXPECT_EQ(c.value().snapshot_volume(), "/opt/dreichor/dev/volumes/snapshots");
  EXPECT_EQ(c.value().history_dir(), "/opt/dreichor/dev/deploy-agent/history");
  EXPECT_EQ(c.value().database_name(), "dreichor_dev");
  EXPECT_EQ(c.value().runtime_role(), "dreichor_dev_runtime");
  EXPECT_EQ(c.value().migrator_role(), "dreichor_dev_migrator");
  EXPECT_TRUE(c.value().migrations_repository.empty());
  EXPECT_TRUE(c.value().migrations_env_file.empty());
  EXPECT_EQ(c.value().runtime_limits, (ContainerLimits{2048LL << 20, 1'500'000'000, 256}));
  EXPECT_EQ(c.value().network_name(), "dreichor-dev");
  EXPECT_EQ(c.value().runtime_subnet, "10.89.1.0/24");
  EXPECT_EQ(c.value().access_allowed,
            (std::vector<std::string>{"alice@example.com", "deploy-bot.access"}));
}

TEST(AgentConfigTest, EveryMissingVariableIsReportedAtOnce) {
  const std::string p = Problems({});
  EXPECT_NE(p.find("25 configuration problem(s)"), std::string::npos) << p;
  EXPECT_NE(p.find("DREICHOR_AGENT_RUNTIME_MEMORY_MIB"), std::string::npos) << "no default";
  EXPECT_NE(p.find("DREICHOR_AGENT_ACCESS_AUDIENCE"), std::string::npos);
  EXPECT_NE(p.find("DREICHOR_AGENT_ENGINE_SOCKET"), std::string::npos);
}

TEST(AgentConfigTest, TheMigrationRolesFileComesWithTheMigrationsImageAndStaysInTheBase) {
  config::EnvMap env = DevEnv();
  env["DREICHOR_AGENT_MIGRATIONS_REPOSITORY"] = "127.0.0.1:5000/dreichor/migrations";
  EXPECT_NE(Problems(env).find("must be `none` exactly when"), std::string::npos);
  env["DREICHOR_AGENT_MIGRATIONS_ENV_FILE"] = "/opt/dreichor/prod/migrations.env";
  EXPECT_NE(Problems(env).find("MIGRATIONS_ENV_FILE: must be under"), std::string::npos);
  env["DREICHOR_AGENT_MIGRATIONS_ENV_FILE"] = "/opt/dreichor/dev/runtime.env";
  EXPECT_NE(Problems(env).find("not the runtime's env file"), std::string::npos);
  env["DREICHOR_AGENT_MIGRATIONS_ENV_FILE"] = "/opt/dreichor/dev/migrations.env";
  EXPECT_EQ(Problems(env), "");
}

TEST(AgentConfigTest, ResourceLimitsAreBounded) {
  for (const auto& [var, value] : std::vector<std::pair<std::string, std::string>>{
           {"DREICHOR_AGENT_RUNTIME_MEMORY_MIB", "0"},
           {"DREICHOR_AGENT_RUNTIME_MEMORY_MIB", "9999999999"},
           {"DREICHOR_AGENT_RUNTIME_CPU_MILLIS", "10"},
           {"DREICHOR_AGENT_RUNTIME_PIDS", "-1"},
           {"DREICHOR_AGENT_RUNTIME_PIDS", "lots"}}) {
    config::EnvMap env = DevEnv();
    env[var] = value;
    EXPECT_NE(Problems(env).find(var), std::string::npos) << var << "=" << value;
  }
}

TEST(AgentConfigTest, TheNetworksSubnetIsAPrivateCanonicalIpv4Network) {
  for (const char* subnet :
       {"10.89.1.0/24", "172.16.0.0/16", "172.31.255.0/24", "192.168.7.16/28", "10.0.0.0/16"}) {
    config::EnvMap env = DevEnv();
    env["DREICHOR_AGENT_RUNTIME_SUBNET"] = subnet;
    EXPECT_EQ(Problems(env), "") << subnet;
  }
  for (const char* subnet :
       {"10.89.1.1/24", "8.8.8.0/24", "172.32.0.0/16", "192.169.0.0/16", "10.89.1.0/8",
        "10.89.1.0/29", "172.16.0.0/12", "10.89.1.0", "10.89.1.0/", "10.89.1.0/024",
        "010.89.1.0/24", "10.89.1.0/24 ", "fd00::/64", "10.89.1.0/-4", "10.89.1.0/2a", "none"}) {
    config::EnvMap env = DevEnv();
    env["DREICHOR_AGENT_RUNTIME_SUBNET"] = subnet;
    EXPECT_NE(Problems(env).find("DREICHOR_AGENT_RUNTIME_SUBNET: must be a private IPv4"),
              std::string::npos)
        << subnet;
  }
}

TEST(AgentConfigTest, UnknownDreichorVariablesAreRefused) {
  config::EnvMap env = DevEnv();
  env["DREICHOR_ADMIN_TOKEN"] = "a-runtime-variable";
  EXPECT_NE(Problems(env).find("DREICHOR_ADMIN_TOKEN"), std::string::npos);
}

TEST(AgentConfigTest, NonLoopbackListenAddressesAreRefused) {
  for (const char* listen : {"0.0.0.0:3005", "10.0.0.5:3005", "[::]:3005"}) {
    config::EnvMap env = DevEnv();
    env["DREICHOR_AGENT_LISTEN"] = listen;
    EXPECT_NE(Problems(env).find("must be a loopback address"), std::string::npos) << listen;
  }
  config::EnvMap env = DevEnv();
  env["DREICHOR_AGENT_LISTEN"] = "[::1]:3005";
  EXPECT_EQ(Problems(env), "");
  env["DREICHOR_AGENT_RUNTIME_PUBLISH"] = "0.0.0.0:8080";
  EXPECT_NE(Problems(env).find("DREICHOR_AGENT_RUNTIME_PUBLISH"), std::string::npos);
}

TEST(AgentConfigTest, MixedEnvironmentsAreRefused) {
  config::EnvMap env = DevEnv();
  env["DREICHOR_AGENT_LISTEN"] = "127.0.0.1:3006";
  env["DREICHOR_AGENT_BASE_DIR"] = "/opt/dreichor/prod";
  env["DREICHOR_AGENT_RUNTIME_ENV_FILE"] = "/opt/dreichor/prod/runtime.env";
  const std::string p = Problems(env);
  EXPECT_NE(p.find("port 3006 belongs to the prod agent"), std::string::npos) << p;
  EXPECT_NE(p.find("its last component must be 'dev'"), std::string::npos) << p;

  env = DevEnv();
  env["DREICHOR_AGENT_RUNTIME_ENV_FILE"] = "/opt/dreichor/prod/runtime.env";
  EXPECT_NE(Problems(env).find("must be under DREICHOR_AGENT_BASE_DIR"), std::string::npos);
  env["DREICHOR_AGENT_RUNTIME_ENV_FILE"] = "/opt/dreichor/dev/../prod/runtime.env";
  EXPECT_NE(Problems(env).find("must be under DREICHOR_AGENT_BASE_DIR"), std::string::npos);
}

config::EnvMap StagingEnv() {
  config::EnvMap env = DevEnv();
  env["DREICHOR_AGENT_ENV"] = "staging";
  env["DREICHOR_AGENT_LISTEN"] = "127.0.0.1:3007";
  env["DREICHOR_AGENT_BASE_DIR"] = "/opt/dreichor/staging";
  env["DREICHOR_AGENT_RUNTIME_ENV_FILE"] = "/opt/dreichor/staging/runtime.env";
  env["DREICHOR_AGENT_RUNTIME_SUBNET"] = "10.89.3.0/24";
  env["DREICHOR_AGENT_PROMOTE_FROM"] = "http://127.0.0.1:3005";
  env["DREICHOR_AGENT_PROMOTE_FROM_TOKEN"] = "dev-to-staging-link-token-0123456789abcdef";
  env["DREICHOR_AGENT_PROMOTE_TO_TOKEN"] = "staging-to-prod-link-token-0123456789abcdef";
  return env;
}

TEST(AgentConfigTest, StagingIsAnEnvironmentOfItsOwnBetweenDevAndProd) {
  auto c = LoadAgentConfig(StagingEnv());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c.value().database_name(), "dreichor_staging");
  EXPECT_EQ(c.value().network_name(), "dreichor-staging");
  EXPECT_EQ(c.value().container_name(), "dreichor-runtime-staging");
  EXPECT_EQ(c.value().promote_from_url, "http://127.0.0.1:3005");
  EXPECT_EQ(PromotedFrom("staging"), "dev");
  EXPECT_EQ(PromotedTo("staging"), "prod");
  EXPECT_EQ(PromotedFrom("dev"), "");
  EXPECT_EQ(PromotedTo("prod"), "");
  const std::string described = DescribeConfig(c.value());
  EXPECT_EQ(described.find("link-token"), std::string::npos) << "tokens are secrets: " << described;

  config::EnvMap env = StagingEnv();
  env["DREICHOR_AGENT_LISTEN"] = "127.0.0.1:3005";
  EXPECT_NE(Problems(env).find("port 3005 belongs to the dev agent"), std::string::npos);
  env = DevEnv();
  env["DREICHOR_AGENT_LISTEN"] = "127.0.0.1:3007";
  EXPECT_NE(Problems(env).find("port 3007 belongs to the staging agent"), std::string::npos);
}

TEST(AgentConfigTest, PromotionLinksGoForwardOnLoopbackWithOneTokenEach) {
  config::EnvMap env = StagingEnv();
  env["DREICHOR_AGENT_PROMOTE_FROM"] = "http://10.0.0.5:3005";
  EXPECT_NE(Problems(env).find("must be http://<loopback address>:<port>, the dev agent"),
            std::string::npos)
      << Problems(env);
  env["DREICHOR_AGENT_PROMOTE_FROM"] = "https://127.0.0.1:3005/v1";
  EXPECT_NE(Problems(env).find("DREICHOR_AGENT_PROMOTE_FROM: must be"), std::string::npos);

  env = StagingEnv();
  env["DREICHOR_AGENT_PROMOTE_FROM_TOKEN"] = "none";
  EXPECT_NE(Problems(env).find("must be `none` exactly when"), std::string::npos);
  env = StagingEnv();
  env["DREICHOR_AGENT_PROMOTE_FROM_TOKEN"] = "short";
  EXPECT_NE(Problems(env).find("is shorter than 32 characters"), std::string::npos);
  EXPECT_EQ(Problems(env).find("short\n"), std::string::npos) << "a secret is never echoed";
  env = StagingEnv();
  env["DREICHOR_AGENT_PROMOTE_TO_TOKEN"] = env["DREICHOR_AGENT_PROMOTE_FROM_TOKEN"];
  EXPECT_NE(Problems(env).find("one token per link"), std::string::npos);

  env = DevEnv();
  env["DREICHOR_AGENT_PROMOTE_FROM"] = "http://127.0.0.1:3007";
  env["DREICHOR_AGENT_PROMOTE_FROM_TOKEN"] = "backwards-link-token-0123456789abcdef";
  EXPECT_NE(Problems(env).find("dev is the first environment"), std::string::npos);

  env = StagingEnv();
  env["DREICHOR_AGENT_ENV"] = "prod";
  env["DREICHOR_AGENT_LISTEN"] = "127.0.0.1:3006";
  env["DREICHOR_AGENT_BASE_DIR"] = "/opt/dreichor/prod";
  env["DREICHOR_AGENT_RUNTIME_ENV_FILE"] = "/opt/dreichor/prod/runtime.env";
  EXPECT_NE(Problems(env).find("prod is the last environment"), std::string::npos);
  env["DREICHOR_AGENT_PROMOTE_TO_TOKEN"] = "none";
  EXPECT_EQ(Problems(env), "");
}

TEST(AgentConfigTest, RepositoriesMayNotCarryATagAndKeysMustBeTheTeams) {
  config::EnvMap env = DevEnv();
  env["DREICHOR_AGENT_IMAGE_REPOSITORY"] = "ghcr.io/example/runtime:latest";
  EXPECT_NE(Problems(env).find("without a tag or digest"), std::string::npos);
  env = DevEnv();
  env["DREICHOR_AGENT_ACCESS_KEYS"] = "https://evil.example.com/certs";
  EXPECT_NE(Problems(env).find("DREICHOR_AGENT_ACCESS_KEYS"), std::string::npos);
  env["DREICHOR_AGENT_ACCESS_KEYS"] = "file:/etc/dreichor/jwks.json";
  EXPECT_EQ(Problems(env), "");
}

TEST(AgentConfigTest, CommittedSchemaDocumentIsCurrent) {
  std::ifstream in(std::string(DREICHOR_SOURCE_DIR) + "/infra/deploy/AGENT_ENV_SCHEMA.md");
  std::stringstream committed;
  committed << in.rdbuf();
  EXPECT_EQ(committed.str(), config::RenderSchemaDocument(AgentSchema(), AgentSchemaHeading()))
      << "regenerate: dreichor-deploy-agent env-schema > infra/deploy/AGENT_ENV_SCHEMA.md";
}

TEST(DeployRulesTest, ImmutableTags) {
  for (const char* tag : {"sha-0123abc",
                          "sha-"
                          "0123456789abcdef0123456789abcdef01234567",
                          "1.4.2", "v1.4.2", "core-runtime-v1", "v2.0.0-rc.1"}) {
    EXPECT_TRUE(IsImmutableTag(tag)) << tag;
    EXPECT_TRUE(CheckTag(tag, "prod").ok()) << tag;
  }
  for (const char* tag :
       {"latest", "main", "stable", "sha-xyz", "sha-12", "nightly", "1", "release-1.2"}) {
    EXPECT_FALSE(IsImmutableTag(tag)) << tag;
    EXPECT_FALSE(CheckTag(tag, "prod").ok()) << tag;
  }
  EXPECT_TRUE(CheckTag("latest", "dev").ok()) << "dev accepts moving tags (pinned by digest)";
  EXPECT_NE(CheckTag("latest", "staging").message().find("staging refuses moving tags"),
            std::string::npos)
      << "staging has prod's rules";
  EXPECT_TRUE(CheckTag("v1.4.2", "staging").ok());
  EXPECT_FALSE(CheckTag("../etc", "dev").ok());
  EXPECT_FALSE(CheckTag("", "dev").ok());
  EXPECT_FALSE(CheckTag(std::string(129, 'a'), "dev").ok());
}

TEST(DeployRulesTest, DatabaseNameOfAUrl) {
  EXPECT_EQ(DatabaseName("postgres://u:p@h:5432/dreichor_dev"), "dreichor_dev");
  EXPECT_EQ(DatabaseName("postgres://u@h/dreichor_prod?sslmode=require"), "dreichor_prod");
  EXPECT_EQ(DatabaseName("postgres://h"), "");
}

class RuntimeEnvTest : public ::testing::Test {
 protected:
  RuntimeEnvTest() {
    config_.env = "dev";
    config_.runtime_env_file = dir_.path() + "/runtime.env";
  }
  Result<RuntimeEnv> Load(const std::map<std::string, std::string>& changes) {
    std::map<std::string, std::string> vars = {
        {"DREICHOR_ENV", "dev"},
        {"DREICHOR_LISTEN", "0.0.0.0:8080"},
        {"DREICHOR_AUDIT_BACKEND", "file"},
        {"DREICHOR_AUDIT_DIR", kContainerAuditDir},
        {"DREICHOR_AUDIT_SEGMENT_BYTES", "67108864"},
        {"DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND", "8388608"},
        {"DREICHOR_SNAPSHOT_DIR", kContainerSnapshotDir},
        {"DREICHOR_SNAPSHOT_EVERY", "1000"},
        {"DREICHOR_SNAPSHOT_RETAIN", "3"},
        {"DREICHOR_ADMIN_TOKEN", "admin-token-secret-value-0123456789abcdef"},
        {"DREICHOR_SHUTDOWN_DEADLINE", "10s"},
        {"DREICHOR_MAX_BODY_BYTES", "65536"},
        {"DREICHOR_MAX_CONNECTIONS", "64"},
        {"DREICHOR_LOG_LEVEL", "info"},
        {"DREICHOR_OTLP_TRACES_URL", "none"}};
    for (const auto& [k, v] : changes) {
      if (v.empty())
        vars.erase(k);
      else
        vars[k] = v;
    }
    std::ofstream out(config_.runtime_env_file);
    for (const auto& [k, v] : vars) out << k << "=" << v << "\n";
    out.close();
    return LoadRuntimeEnv(Env::Default(), config_);
  }
  TempDir dir_;
  AgentConfig config_;
};

TEST_F(RuntimeEnvTest, ValidFileGivesTheContainerPortAndVariables) {
  auto env = Load({});
  ASSERT_TRUE(env.ok()) << env.status().message();
  EXPECT_EQ(env.value().container_port, 8080);
  EXPECT_EQ(env.value().variables.size(), 15u);
}

// The production shape: a prod runtime takes orders only from the gateway, so the prod agent
// refuses a runtime env file without the internal credential, naming it and quoting nothing.
TEST_F(RuntimeEnvTest, AProdRuntimeWithoutTheTradingTokenIsRefused) {
  config_.env = "prod";
  auto env = Load({{"DREICHOR_ENV", "prod"},
                   {"DREICHOR_CHECKPOINT_KEY", dreichor::testing::NewCheckpointKey("prod")}});
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find(
                "DREICHOR_TRADING_TOKEN is required when DREICHOR_ENV is not dev but missing"),
            std::string::npos)
      << env.status().message();
  env = Load({{"DREICHOR_ENV", "prod"},
              {"DREICHOR_CHECKPOINT_KEY", dreichor::testing::NewCheckpointKey("prod")},
              {"DREICHOR_TRADING_TOKEN", dreichor::testing::kTestTradingToken}});
  EXPECT_TRUE(env.ok()) << env.status().message();
}

TEST_F(RuntimeEnvTest, AnotherEnvironmentsFileIsRefused) {
  auto env = Load({{"DREICHOR_ENV", "prod"},
                   {"DREICHOR_CHECKPOINT_KEY", dreichor::testing::NewCheckpointKey("prod")},
                   {"DREICHOR_TRADING_TOKEN", dreichor::testing::kTestTradingToken}});
  EXPECT_NE(env.status().message().find("DREICHOR_ENV is 'prod', not this agent's 'dev'"),
            std::string::npos);
  env = Load({{"DREICHOR_AUDIT_BACKEND", "postgres"},
              {"DREICHOR_AUDIT_DIR", ""},
              {"DREICHOR_AUDIT_SEGMENT_BYTES", ""},
              {"DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND", ""},
              // secretlint-disable-next-line
              {"DREICHOR_DATABASE_URL", "postgres://rt:hunter2secret@10.0.0.1/dreichor_prod"},
              {"DREICHOR_DATABASE_SCHEMA", "dreichor"},
              {"DREICHOR_DATABASE_EPOCH", "1"}});
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find("names database 'dreichor_prod', not 'dreichor_dev'"),
            std::string::npos)
      << env.status().message();
  EXPECT_NE(env.status().message().find("names user 'rt', not the runtime role "
                                        "'dreichor_dev_runtime'"),
            std::string::npos)
      << env.status().message();
  EXPECT_EQ(env.status().message().find("hunter2secret"), std::string::npos)
      << "the password never appears";
}

TEST_F(RuntimeEnvTest, TheRuntimeNeverConnectsAsTheMigrationRole) {
  auto env = Load({{"DREICHOR_AUDIT_BACKEND", "postgres"},
                   {"DREICHOR_AUDIT_DIR", ""},
                   {"DREICHOR_AUDIT_SEGMENT_BYTES", ""},
                   {"DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND", ""},
                   {"DREICHOR_DATABASE_URL",
                    // secretlint-disable-next-line
                    "postgres://dreichor_dev_migrator:hunter2secret@10.0.0.1/dreichor_dev"},
                   {"DREICHOR_DATABASE_SCHEMA", "dreichor"},
                   {"DREICHOR_DATABASE_EPOCH", "1"}});
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find("names user 'dreichor_dev_migrator'"), std::string::npos)
      << env.status().message();
  env = Load({{"DREICHOR_AUDIT_BACKEND", "postgres"},
              {"DREICHOR_AUDIT_DIR", ""},
              {"DREICHOR_AUDIT_SEGMENT_BYTES", ""},
              {"DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND", ""},
              {"DREICHOR_DATABASE_URL",
               // secretlint-disable-next-line
               "postgres://dreichor_dev_runtime:hunter2secret@10.0.0.1/dreichor_dev"},
              {"DREICHOR_DATABASE_SCHEMA", "dreichor"},
              {"DREICHOR_DATABASE_EPOCH", "1"}});
  EXPECT_TRUE(env.ok()) << env.status().message();
}

TEST(DeployRulesTest, DatabaseUserIsTheUrlsUserinfo) {
  EXPECT_EQ(DatabaseUser("postgres://u:p@h:5432/db"), "u");
  EXPECT_EQ(DatabaseUser("postgresql://u@h/db"), "u");
  EXPECT_EQ(DatabaseUser("postgres://h:5432/db"), "");
  EXPECT_EQ(DatabaseUser("postgres://h/db?x=a@b"), "");
}

TEST_F(RuntimeEnvTest, VolumesAndListenAddressMustFitTheContainer) {
  auto env =
      Load({{"DREICHOR_SNAPSHOT_DIR", "/tmp/snapshots"}, {"DREICHOR_LISTEN", "127.0.0.1:8080"}});
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find("DREICHOR_SNAPSHOT_DIR must be"), std::string::npos);
  EXPECT_NE(env.status().message().find("DREICHOR_LISTEN must be 0.0.0.0"), std::string::npos);
  env = Load({{"DREICHOR_ADMIN_TOKEN", ""}});
  EXPECT_NE(env.status().message().find("DREICHOR_ADMIN_TOKEN"), std::string::npos)
      << "the runtime's own schema is applied";
}

TEST_F(RuntimeEnvTest, MissingFileIsNamed) {
  std::remove(config_.runtime_env_file.c_str());
  EXPECT_NE(
      LoadRuntimeEnv(Env::Default(), config_).status().message().find("runtime.env cannot be read"),
      std::string::npos);
}

}  // namespace
}  // namespace dreichor::deploy
