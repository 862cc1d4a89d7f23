#include "util/status.h"

#include <gtest/gtest.h>

namespace dreichor {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = Status::Corruption("segment 7 offset 12");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.ToString(), "corruption: segment 7 offset 12");
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> good(5);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.value(), 5);
  Result<int> bad(Status::NotFound("x"));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
}

TEST(ResultDeathTest, ReadingTheValueOfAFailedResultAbortsInEveryBuild) {
  Result<int> bad(Status::IoError("disk gone"));
  EXPECT_DEATH((void)bad.value(), "value\\(\\) of a failed Result: io error: disk gone");
}

TEST(ResultDeathTest, AResultMadeFromAnOkStatusAborts) {
  EXPECT_DEATH(Result<int>{Status::Ok()}, "without a value");
}

}  // namespace
}  // namespace dreichor
