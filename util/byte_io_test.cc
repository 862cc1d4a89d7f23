#include "util/byte_io.h"

#include <gtest/gtest.h>

#include <limits>

namespace dreichor {
namespace {

TEST(ByteIoTest, RoundTripsEveryWidth) {
  StringSink sink;
  {
    ByteWriter w(&sink);
    w.U8(0xab);
    w.U16(0x1234);
    w.U32(0xdeadbeef);
    w.U64(0x0102030405060708ULL);
    w.I64(std::numeric_limits<int64_t>::min());
    w.String("BTC");
  }
  ByteReader r(sink.bytes());
  EXPECT_EQ(r.U8(), 0xab);
  EXPECT_EQ(r.U16(), 0x1234);
  EXPECT_EQ(r.U32(), 0xdeadbeefu);
  EXPECT_EQ(r.U64(), 0x0102030405060708ULL);
  EXPECT_EQ(r.I64(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(r.String(16), "BTC");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ByteIoTest, IntegersAreLittleEndian) {
  StringSink sink;
  {
    ByteWriter w(&sink);
    w.U32(0x01020304);
  }
  EXPECT_EQ(sink.bytes(), std::string("\x04\x03\x02\x01", 4));
}

TEST(ByteIoTest, ReadPastEndFailsAndStaysFailed) {
  ByteReader r(std::string_view("\x01\x02", 2));
  EXPECT_EQ(r.U32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.U8(), 0u);
  EXPECT_FALSE(r.ok());
}

TEST(ByteIoTest, StringLongerThanLimitFails) {
  StringSink sink;
  {
    ByteWriter w(&sink);
    w.String("TOOLONGNAME");
  }
  ByteReader r(sink.bytes());
  r.String(4);
  EXPECT_FALSE(r.ok());
}

TEST(ByteIoTest, LargeOutputIsFlushedInPiecesAndComplete) {
  StringSink sink;
  {
    ByteWriter w(&sink);
    for (uint32_t i = 0; i < 100000; ++i) w.U32(i);
  }
  ASSERT_EQ(sink.bytes().size(), 400000u);
  ByteReader r(sink.bytes());
  for (uint32_t i = 0; i < 100000; ++i) ASSERT_EQ(r.U32(), i);
}

}  // namespace
}  // namespace dreichor
