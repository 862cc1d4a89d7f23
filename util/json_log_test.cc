// JSON-lines logging: one whole object per line, fields in the order given, levels filtered.
#include "util/json_log.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "testing/fake_clock.h"
#include "testing/temp_dir.h"
#include "util/trace_context.h"

namespace dreichor {
namespace {

TEST(FormatUtcTest, GivesRfc3339WithTheRequestedFraction) {
  const int64_t t = 1'795'342'530'123'456'789;  // 2026-11-22T10:15:30.123456789Z
  EXPECT_EQ(FormatUtc(t), "2026-11-22T10:15:30.123Z");
  EXPECT_EQ(FormatUtc(t, 9), "2026-11-22T10:15:30.123456789Z");
  EXPECT_EQ(FormatUtc(1'795'342'530'000'000'001, 9), "2026-11-22T10:15:30.000000001Z");
}

TEST(JsonLogTest, WritesOneObjectPerLineInFieldOrderAboveTheLevel) {
  TempDir dir;
  const std::string path = dir.Sub("log");
  FILE* out = fopen(path.c_str(), "w");
  ASSERT_NE(out, nullptr);
  testing::FakeClock clock(1'795'342'530'123'456'789);
  JsonLog log(out, LogLevel::kInfo, &clock);
  log.Debug("hidden");
  log.Info("phase", {{"phase", "replay"}, {"outcome", "ok"}, {"bad", std::string("\xff")}});
  log.Error("second");
  fclose(out);
  std::ifstream in(path);
  std::string first, second, third;
  std::getline(in, first);
  std::getline(in, second);
  EXPECT_FALSE(std::getline(in, third));
  EXPECT_EQ(first,
            R"({"ts":"2026-11-22T10:15:30.123Z","level":"info","msg":"phase","phase":"replay",)"
            R"("outcome":"ok","bad":")"
            "\xEF\xBF\xBD"
            R"("})");
  EXPECT_EQ(second, R"({"ts":"2026-11-22T10:15:30.123Z","level":"error","msg":"second"})");
}

TEST(JsonLogTest, EveryLineCarriesTheGivenFieldsAndTheThreadsTrace) {
  TempDir dir;
  const std::string path = dir.Sub("log");
  FILE* out = fopen(path.c_str(), "w");
  ASSERT_NE(out, nullptr);
  testing::FakeClock clock(1'795'342'530'123'456'789);
  JsonLog log(out, LogLevel::kInfo, &clock, {{"component", "runtime"}, {"env", "prod"}});
  {
    TraceScope scope(*ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    log.Info("traced", {{"n", 1}});
  }
  log.Info("untraced");
  fclose(out);
  std::ifstream in(path);
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  EXPECT_EQ(
      first,
      R"({"ts":"2026-11-22T10:15:30.123Z","level":"info","msg":"traced","component":"runtime",)"
      R"("env":"prod","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",)"
      R"("span_id":"00f067aa0ba902b7","n":1})");
  EXPECT_EQ(second, R"({"ts":"2026-11-22T10:15:30.123Z","level":"info","msg":"untraced",)"
                    R"("component":"runtime","env":"prod"})");
}

}  // namespace
}  // namespace dreichor
