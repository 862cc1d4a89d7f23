#include "util/parse_number.h"

#include <gtest/gtest.h>

namespace dreichor {
namespace {

TEST(ParseDecimalTest, AcceptsPlainDigitsUpToUint64Max) {
  EXPECT_EQ(ParseDecimal("0"), 0u);
  EXPECT_EQ(ParseDecimal("42"), 42u);
  EXPECT_EQ(ParseDecimal("18446744073709551615"), UINT64_MAX);
}

TEST(ParseDecimalTest, RefusesWhatStoulWouldAcceptOrWrap) {
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "12abc", "1e3", "0x10", "1.5",
                          "18446744073709551616", "99999999999999999999999"}) {
    EXPECT_FALSE(ParseDecimal(bad).has_value()) << bad;
  }
}

TEST(ParseSignedDecimalTest, CoversInt64AndNothingBeyond) {
  EXPECT_EQ(ParseSignedDecimal("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(ParseSignedDecimal("9223372036854775807"), INT64_MAX);
  EXPECT_FALSE(ParseSignedDecimal("9223372036854775808").has_value());
  EXPECT_FALSE(ParseSignedDecimal("-9223372036854775809").has_value());
  EXPECT_FALSE(ParseSignedDecimal("+5").has_value());
}

}  // namespace
}  // namespace dreichor
