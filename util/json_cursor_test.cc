#include "util/json_cursor.h"

#include <gtest/gtest.h>

namespace dreichor {
namespace {

using nlohmann::json;

TEST(JsonInt64Test, IntegersInRangeOnly) {
  EXPECT_EQ(JsonInt64(json::parse("9223372036854775807")), INT64_MAX);
  EXPECT_EQ(JsonInt64(json::parse("-9223372036854775808")), INT64_MIN);
  EXPECT_FALSE(JsonInt64(json::parse("9223372036854775808")).has_value()) << "beyond int64";
  EXPECT_FALSE(JsonInt64(json::parse("10000000000000000000")).has_value()) << "1e19 as digits";
  EXPECT_FALSE(JsonInt64(json::parse("1e300")).has_value());
  EXPECT_FALSE(JsonInt64(json::parse("1.0")).has_value());
  EXPECT_FALSE(JsonInt64(json::parse("\"5\"")).has_value());
}

TEST(JsonInt64Test, FloorAcceptsFractionsWithinRangeOnly) {
  EXPECT_EQ(JsonInt64Floor(json::parse("1700000000.75")), 1700000000);
  EXPECT_EQ(JsonInt64Floor(json::parse("-0.5")), -1);
  EXPECT_EQ(JsonInt64Floor(json::parse("42")), 42);
  for (const char* bad : {"1e19", "1e300", "-1e300", "9.3e18", "-9.3e18", "true", "null"}) {
    EXPECT_FALSE(JsonInt64Floor(json::parse(bad)).has_value()) << bad;
  }
}

TEST(JsonCursorTest, ReadsFieldsOfTheWantedKinds) {
  const json doc = json::parse(R"({"Id":"abc","State":{"ExitCode":3,"Running":true},
                                   "Labels":{"a":"1"},"Test":["CMD","x"]})");
  JsonProblems problems;
  const JsonCursor root(doc, &problems);
  EXPECT_EQ(root["Id"].String(), "abc");
  EXPECT_EQ(root["State"]["ExitCode"].Int(0, 255), 3);
  EXPECT_TRUE(root["State"]["Running"].Bool());
  EXPECT_EQ(root["Labels"].Members().size(), 1u);
  EXPECT_EQ(root["Test"].Elements().size(), 2u);
  EXPECT_EQ(root["Missing"]["Deeper"].String(Presence::kOptional), "");
  EXPECT_TRUE(problems.ok()) << problems.first();
}

TEST(JsonCursorTest, ProblemsNameTheFieldByItsPath) {
  const json doc =
      json::parse(R"({"Id":7,"State":{"ExitCode":"oops"},"Mounts":[{"Source":1}],"N":1e300})");
  JsonProblems problems;
  const JsonCursor root(doc, &problems);
  EXPECT_EQ(root["Id"].String(), "");
  EXPECT_EQ(root["State"]["ExitCode"].Int(0, 255), 0);
  EXPECT_EQ(root["Mounts"].Elements()[0]["Source"].String(), "");
  EXPECT_EQ(root["N"].Int(0, INT64_MAX), 0);
  EXPECT_EQ(root["Absent"].String(), "");
  ASSERT_EQ(problems.all().size(), 5u);
  EXPECT_EQ(problems.all()[0], "Id: expected a string, got an integer");
  EXPECT_EQ(problems.all()[1], "State.ExitCode: expected an integer, got a string");
  EXPECT_EQ(problems.all()[2], "Mounts[0].Source: expected a string, got an integer");
  EXPECT_NE(problems.all()[3].find("N: expected an integer from 0 to"), std::string::npos);
  EXPECT_EQ(problems.all()[4], "Absent: missing");
}

TEST(JsonCursorTest, AMemberOfSomethingThatIsNotAnObjectIsAProblem) {
  const json doc = json::parse(R"({"State":[1,2]})");
  JsonProblems problems;
  const JsonCursor root(doc, &problems);
  EXPECT_FALSE(root["State"]["Running"].Bool(Presence::kOptional));
  ASSERT_FALSE(problems.ok());
  EXPECT_EQ(problems.first(), "State: expected an object, got an array");
}

}  // namespace
}  // namespace dreichor
