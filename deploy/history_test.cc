// The history's on-disk format is frozen: a history written by an earlier build
// (deploy/testdata/history-v1, every kind of record) verifies, reads as typed records, and each
// record written again gives the very same payload bytes.
#include "deploy/history.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "audit/file_log.h"
#include "testing/fake_clock.h"
#include "testing/temp_dir.h"
#include "util/json_text.h"

namespace dreichor::deploy {
namespace {

const std::string kFixture = std::string(DREICHOR_SOURCE_DIR) + "/deploy/testdata/history-v1";

TEST(HistoryFormatTest, AHistoryWrittenByAnEarlierBuildReadsAndWritesBackByteForByte) {
  auto entries = ReadHistoryForVerification(Env::Default(), kFixture);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries.value().size(), 20u);
  audit::FileLogOptions options;
  options.read_only = true;
  audit::RecoveryReport report;
  auto log = audit::FileLog::Open(Env::Default(), kFixture, options, &report);
  ASSERT_TRUE(log.ok());
  auto reader = log.value()->ReadFrom(1);
  ASSERT_TRUE(reader.ok());
  audit::Record stored;
  std::set<std::string> kinds;
  for (const HistoryEntry& e : entries.value()) {
    ASSERT_TRUE(reader.value()->Next(&stored).value());
    EXPECT_EQ(JsonText(e.record.ToJson()), stored.payload) << "record " << e.sequence;
    kinds.insert(std::string(ActionName(e.record.action)) + ":" + OutcomeName(e.record.outcome));
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"deploy:refused", "deploy:started", "deploy:succeeded",
                                          "deploy:noop", "deploy:failed", "rollback:started",
                                          "rollback:succeeded", "stop:succeeded", "stop:failed",
                                          "start:succeeded", "start:failed"}));
}

TEST(HistoryFormatTest, TheAgentAppendsToAnOldHistory) {
  TempDir dir;
  std::filesystem::copy(kFixture, dir.Sub("history"));
  testing::FakeClock clock;
  auto history = History::Open(Env::Default(), dir.Sub("history"), &clock);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  HistoryRecord r;
  r.action = Action::kStop;
  r.outcome = Outcome::kSucceeded;
  r.identity = "alice@example.com";
  r.tag = "sha-aaaaaaa";
  r.digest = "sha256:aaaa";
  r.exit_code = 0;
  auto seq = history.value()->Append(r);
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(seq.value(), 21u);
  auto all = ReadHistoryForVerification(Env::Default(), dir.Sub("history"));
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all.value().back().record.identity, "alice@example.com");
}

TEST(HistoryRecordTest, MalformedPayloadsAreRefusedNamingTheField) {
  for (const auto& [payload, expected] : std::vector<std::pair<std::string, std::string>>{
           {R"({"action":"deploy","outcome":"started","operator":"a","tag":"t","color":1})",
            "unknown field color"},
           {R"({"action":"explode","outcome":"started","operator":"a","tag":"t"})",
            "action: unknown 'explode'"},
           {R"({"action":"deploy","outcome":"started","operator":7,"tag":"t"})",
            "operator: expected a string"},
           {R"({"action":"deploy","outcome":"failed","deployment":"two","operator":"a","tag":"t"})",
            "deployment: expected an integer"},
           {R"({"action":"deploy","outcome":"failed","operator":"a","tag":"t","step":"x"})",
            "step: unknown 'x'"},
           {R"({"action":"deploy","outcome":"failed","operator":"a","tag":"t",)"
            R"("old_stopped":true,"left_running":"unchanged"})",
            "left_running: does not agree"},
           {R"({"action":"stop","outcome":"succeeded","operator":"a","tag":"t",)"
            R"("trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736"})",
            "trace_id: not 32 lowercase hex digits"},
           {R"({"action":"stop","outcome":"succeeded","operator":"a","tag":"t",)"
            R"("trace_id":"00000000000000000000000000000000"})",
            "trace_id: not 32 lowercase hex digits"},
           {"[1]", "not a JSON object"},
           {"{", "not a JSON object"}}) {
    auto r = HistoryRecord::FromJson(payload);
    ASSERT_FALSE(r.ok()) << payload;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    EXPECT_NE(r.status().message().find(expected), std::string::npos) << r.status().message();
  }
}

TEST(HistoryRecordTest, ATraceIdIsWrittenLastAndReadBack) {
  const std::string payload =
      R"({"action":"stop","outcome":"succeeded","operator":"a","tag":"t","exit_code":0,)"
      R"("trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})";
  auto r = HistoryRecord::FromJson(payload);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value().trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(JsonText(r.value().ToJson()), payload);
}

}  // namespace
}  // namespace dreichor::deploy

namespace dreichor::deploy {
namespace {

TEST(HistoryRecordTest, PromotionsCarryTheirPeerAndNothingElseDoes) {
  HistoryRecord r;
  r.action = Action::kPromote;
  r.outcome = Outcome::kSucceeded;
  r.deployment = 3;
  r.identity = "alice@example.com";
  r.tag = "v1.0.0";
  r.digest = "sha256:" + std::string(64, 'c');
  r.peer_env = "dev";
  r.peer_deployment = 12;
  const std::string text = r.ToJson().dump();
  EXPECT_NE(text.find(R"("peer_env":"dev","peer_deployment":12})"), std::string::npos) << text;
  auto back = HistoryRecord::FromJson(text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back.value().ToJson().dump(), text);
  EXPECT_FALSE(
      HistoryRecord::FromJson(
          R"({"action":"deploy","outcome":"started","operator":"a","tag":"t","peer_env":"dev"})")
          .ok());
  EXPECT_FALSE(HistoryRecord::FromJson(
                   R"({"action":"promoted","outcome":"succeeded","operator":"a","tag":"t"})")
                   .ok());
}

}  // namespace
}  // namespace dreichor::deploy
