#include "util/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace dreichor {
namespace {

// Check values from RFC 3720 (iSCSI), appendix B.4, and the common "123456789" check.
TEST(Crc32cTest, MatchesPublishedVectors) {
  EXPECT_EQ(crc32c::Value("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c::Value(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c::Value(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending(32, '\0');
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<char>(i);
  EXPECT_EQ(crc32c::Value(ascending), 0x46DD794Eu);
}

TEST(Crc32cTest, ExtendEqualsValueOfConcatenationAtEverySplit) {
  const std::string data = "the quick brown fox jumps over the lazy dog, twice over";
  for (size_t split = 0; split <= data.size(); ++split) {
    uint32_t a = crc32c::Value(data.data(), split);
    EXPECT_EQ(crc32c::Extend(a, data.data() + split, data.size() - split), crc32c::Value(data));
  }
}

TEST(Crc32cTest, DetectsEverySingleBitFlip) {
  std::string data = "audit record body";
  const uint32_t good = crc32c::Value(data);
  for (size_t i = 0; i < data.size() * 8; ++i) {
    data[i / 8] = static_cast<char>(data[i / 8] ^ (1 << (i % 8)));
    EXPECT_NE(crc32c::Value(data), good);
    data[i / 8] = static_cast<char>(data[i / 8] ^ (1 << (i % 8)));
  }
}

}  // namespace
}  // namespace dreichor
