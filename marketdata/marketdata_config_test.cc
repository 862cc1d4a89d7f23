#include "marketdata/marketdata_config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace dreichor::marketdata {
namespace {

config::EnvMap Good() {
  return {{"DREICHOR_ENV", "dev"},
          {"DREICHOR_LISTEN", "127.0.0.1:0"},
          {"DREICHOR_LEADER_URL", "http://127.0.0.1:8080"},
          {"DREICHOR_SNAPSHOT_DIR", "/var/lib/dreichor/marketdata"},
          {"DREICHOR_SNAPSHOT_EVERY", "1000"},
          {"DREICHOR_MAX_LAG", "5s"},
          {"DREICHOR_MAX_CONNECTIONS", "100"},
          {"DREICHOR_SUBSCRIBER_QUEUE_BYTES", "1048576"},
          {"DREICHOR_LOG_LEVEL", "info"}};
}

TEST(MarketDataConfigTest, LoadsAWholeConfiguration) {
  auto c = LoadMarketDataConfig(Good());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c.value().leader.host, "127.0.0.1");
  EXPECT_EQ(c.value().leader.port, 8080);
  EXPECT_EQ(c.value().max_lag.count(), 5000);
  EXPECT_EQ(c.value().snapshot_every, 1000u);
}

TEST(MarketDataConfigTest, ReportsEveryProblemInOneRun) {
  config::EnvMap env = Good();
  env.erase("DREICHOR_SNAPSHOT_DIR");
  env["DREICHOR_MAX_LAG"] = "soon";
  env["DREICHOR_AUDIT_DIR"] = "/x";  // the runtime's, not the follower's
  auto c = LoadMarketDataConfig(env);
  ASSERT_FALSE(c.ok());
  for (const char* var : {"DREICHOR_SNAPSHOT_DIR", "DREICHOR_MAX_LAG", "DREICHOR_AUDIT_DIR"}) {
    EXPECT_NE(c.status().message().find(var), std::string::npos) << c.status().message();
  }
}

TEST(MarketDataConfigTest, TheLeaderIsAnAddressWithAPort) {
  for (const char* bad : {"https://127.0.0.1:8080", "http://127.0.0.1", "http://127.0.0.1:0",
                          "http://:8080", "ftp://127.0.0.1:8080"}) {
    config::EnvMap env = Good();
    env["DREICHOR_LEADER_URL"] = bad;
    auto c = LoadMarketDataConfig(env);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_NE(c.status().message().find("DREICHOR_LEADER_URL"), std::string::npos);
  }
  for (const char* good : {"http://10.89.0.2:8080/", "ws://[::1]:9000", "http://runtime:8080"}) {
    config::EnvMap env = Good();
    env["DREICHOR_LEADER_URL"] = good;
    EXPECT_TRUE(LoadMarketDataConfig(env).ok()) << good;
  }
}

TEST(MarketDataConfigTest, TheSchemaDocumentIsCurrent) {
  std::ifstream in(std::string(DREICHOR_SOURCE_DIR) + "/infra/env/MARKETDATA_ENV_SCHEMA.md");
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text, config::RenderSchemaDocument(MarketDataSchema(), MarketDataSchemaHeading()))
      << "regenerate: dreichor-marketdata env-schema > infra/env/MARKETDATA_ENV_SCHEMA.md";
}

}  // namespace
}  // namespace dreichor::marketdata
