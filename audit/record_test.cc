// Record encoding, the chain hash, event ids, and the worked example of
// docs/audit-log-format.md byte for byte.
#include "audit/record.h"

#include <gtest/gtest.h>

#include "audit/event_id.h"
#include "audit/log_format.h"
#include "audit/segment_format.h"
#include "engine/command_codec.h"
#include "testing/audit_records.h"

namespace dreichor::audit {
namespace {

std::string Hex(std::string_view b) {
  return ToHex(reinterpret_cast<const uint8_t*>(b.data()), b.size());
}

// The example log of the format document: a fixed identity and one place_order record.
struct Example {
  LogHeader header;
  PendingRecord record;
  Example() {
    for (int i = 0; i < 16; ++i) header.log_id[i] = static_cast<uint8_t>(0xa0 + i);
    header.created_at_ns = 1'763'769'600'000'000'000;  // 2025-11-22T00:00:00Z
    record.sequence = 1;
    record.timestamp_ns = 1'763'769'600'123'456'789;
    for (int i = 0; i < 16; ++i) record.event_id[i] = static_cast<uint8_t>(i);
    engine::PlaceOrder p{7, 1, 42, engine::Side::kBuy, engine::OrderKind::kLimit, 100, 5, 0};
    record.type = static_cast<uint16_t>(engine::CommandType::kPlaceOrder);
    record.payload = engine::EncodeCommand(p);
  }
};

TEST(RecordTest, DocumentedExampleIsByteExact) {
  Example ex;
  EXPECT_EQ(Hex(EncodeLogHeader(ex.header)),
            "4452414c01000000a0a1a2a3a4a5a6a7a8a9aaabacadaeaf0000a2391b2b7a183a0e8b56");
  const Digest genesis = GenesisHash(ex.header);
  EXPECT_EQ(ToHex(genesis), "1093dd00172f1037b336a146de047d11b7559356392745295e3ef07cf2fbb066");
  std::string bytes;
  AppendRecord(ex.record, ChainHash(genesis, ex.record), &bytes);
  EXPECT_EQ(Hex(bytes),
            "730000004bd7c993"                                                  // length, CRC
            "0100000000000000"                                                  // sequence 1
            "15cdfd401b2b7a18"                                                  // timestamp
            "000102030405060708090a0b0c0d0e0f"                                  // event id
            "1000"                                                              // type 16
            "166b186c04c34630b17f0c2aae8727d15b4fad4b957315678adf9edc61ec84fb"  // chain hash
            "0110000700000000000000010000002a0000000000000001016400000000000000"
            "05000000000000000000000000000000");  // payload
}

TEST(RecordTest, EncodedRecordParsesBack) {
  PendingRecord in = TestRecord(9, 77);
  std::string bytes;
  const Digest chain = Sha256::Of("x");
  AppendRecord(in, chain, &bytes);
  EXPECT_EQ(bytes.size(), kRecordPrefixSize + kRecordFixedBodySize + 77);
  Record out;
  size_t consumed = 0;
  ASSERT_EQ(ParseRecord(bytes, &out, &consumed), ParseResult::kOk);
  EXPECT_EQ(consumed, bytes.size());
  EXPECT_TRUE(SameRecord(out, in));
  EXPECT_EQ(out.chain, chain);
}

TEST(RecordTest, EveryShortPrefixIsTruncated) {
  std::string bytes;
  AppendRecord(TestRecord(1), Digest{}, &bytes);
  Record r;
  size_t consumed;
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(ParseRecord(std::string_view(bytes).substr(0, n), &r, &consumed),
              ParseResult::kTruncated)
        << n;
  }
}

TEST(RecordTest, EveryFlippedBitIsCaught) {
  std::string bytes;
  AppendRecord(TestRecord(1), Digest{}, &bytes);
  Record r;
  size_t consumed;
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::string damaged = bytes;
    damaged[bit / 8] = static_cast<char>(damaged[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_NE(ParseRecord(damaged, &r, &consumed), ParseResult::kOk) << "bit " << bit;
  }
}

TEST(RecordTest, ImpossibleLengthsAreRejected) {
  std::string bytes(200, '\0');
  Record r;
  size_t consumed;
  bytes[0] = 10;  // shorter than the fixed body
  EXPECT_EQ(ParseRecord(bytes, &r, &consumed), ParseResult::kBadLength);
  bytes[0] = bytes[1] = bytes[2] = static_cast<char>(0xff);  // far over the payload limit
  EXPECT_EQ(ParseRecord(bytes, &r, &consumed), ParseResult::kBadLength);
}

TEST(RecordTest, ChainHashDependsOnPredecessorAndEveryField) {
  const PendingRecord base = TestRecord(3);
  const Digest prev = Sha256::Of("prev");
  const Digest h = ChainHash(prev, base);
  EXPECT_NE(ChainHash(Sha256::Of("other"), base), h);
  PendingRecord r = base;
  r.sequence++;
  EXPECT_NE(ChainHash(prev, r), h);
  r = base;
  r.timestamp_ns++;
  EXPECT_NE(ChainHash(prev, r), h);
  r = base;
  r.event_id[15] ^= 1;
  EXPECT_NE(ChainHash(prev, r), h);
  r = base;
  r.type++;
  EXPECT_NE(ChainHash(prev, r), h);
  r = base;
  r.payload[0] ^= 1;
  EXPECT_NE(ChainHash(prev, r), h);
}

TEST(EventIdTest, IsAVersion7UuidCarryingTheMillisecond) {
  SeededRandom rng(1);
  EventIdGenerator ids(&rng);
  const int64_t ts = 1'763'769'600'123'456'789;
  const EventId id = ids.Next(ts);
  uint64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = (ms << 8) | id[i];
  EXPECT_EQ(ms, static_cast<uint64_t>(ts / 1'000'000));
  EXPECT_EQ(id[6] >> 4, 7);
  EXPECT_EQ(id[8] >> 6, 2);
  EXPECT_EQ(EventIdToString(id).size(), 36u);
}

TEST(EventIdTest, IdsFromOneGeneratorStrictlyIncreaseEvenWithinAMillisecond) {
  SeededRandom rng(2);
  EventIdGenerator ids(&rng);
  EventId prev = ids.Next(5'000'000);
  for (int i = 0; i < 10000; ++i) {
    const EventId next = ids.Next(5'000'000 + i);  // all in the same few milliseconds
    ASSERT_LT(std::vector<uint8_t>(prev.begin(), prev.begin() + 8),
              std::vector<uint8_t>(next.begin(), next.begin() + 8));
    prev = next;
  }
}

}  // namespace
}  // namespace dreichor::audit
