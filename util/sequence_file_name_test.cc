#include "util/sequence_file_name.h"

#include <gtest/gtest.h>

namespace dreichor {
namespace {

TEST(SequenceFileNameTest, RoundTripsAndSortsNumerically) {
  EXPECT_EQ(SequenceFileName("seg-", 42, ".log"), "seg-00000000000000000042.log");
  uint64_t n = 0;
  ASSERT_TRUE(ParseSequenceFileName("seg-00000000000000000042.log", "seg-", ".log", &n));
  EXPECT_EQ(n, 42u);
  EXPECT_LT(SequenceFileName("s", 9, ""), SequenceFileName("s", 10, ""));
  ASSERT_TRUE(ParseSequenceFileName(SequenceFileName("s", UINT64_MAX, ""), "s", "", &n));
  EXPECT_EQ(n, UINT64_MAX);
}

TEST(SequenceFileNameTest, RejectsAnythingElse) {
  uint64_t n;
  for (const char* bad :
       {"seg-42.log", "seg-0000000000000000004x.log", "seg-00000000000000000042.tmp",
        "xseg-0000000000000000042.log", "seg-99999999999999999999.log", ""}) {
    EXPECT_FALSE(ParseSequenceFileName(bad, "seg-", ".log", &n)) << bad;
  }
}

}  // namespace
}  // namespace dreichor
