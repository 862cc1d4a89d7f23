// ObservedEngine counts the engine's failures per call and passes every answer through unchanged.
#include "deploy/engine/observed_engine.h"

#include <gtest/gtest.h>

#include <set>

#include "testing/fake_container_engine.h"

namespace dreichor::deploy {
namespace {

TEST(ObservedEngineTest, CountsFailuresPerCallAndPassesAnswersThrough) {
  testing::FakeEngine fake;
  fake.AddImage("registry.example/dreichor", "sha-1", {"sha256:one"});
  ObservedEngine engine(&fake);

  ASSERT_TRUE(engine.Pull("registry.example/dreichor", "sha-1").ok());
  EXPECT_FALSE(engine.Pull("registry.example/dreichor", "sha-missing").ok());
  fake.FailNext("start", "engine refused", 2);
  EXPECT_EQ(engine.Start("any").message(), "engine refused");
  EXPECT_FALSE(engine.Start("any").ok());
  // A missing container is an answer, not a failure.
  auto missing = engine.Inspect("no-such-container");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing.value().has_value());

  EXPECT_EQ(engine.errors(EngineCall::kPull), 1u);
  EXPECT_EQ(engine.errors(EngineCall::kStart), 2u);
  EXPECT_EQ(engine.errors(EngineCall::kInspect), 0u);
  EXPECT_EQ(engine.errors(EngineCall::kLogs), 0u);
}

TEST(ObservedEngineTest, EveryCallHasItsOwnLabel) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < kEngineCallCount; ++i) {
    names.insert(EngineCallName(static_cast<EngineCall>(i)));
  }
  EXPECT_EQ(names.size(), kEngineCallCount);
  EXPECT_EQ(EngineCallName(EngineCall::kLogs), "logs");
}

}  // namespace
}  // namespace dreichor::deploy
