#include "util/sha256.h"

#include <gtest/gtest.h>

namespace dreichor {
namespace {

TEST(Sha256Test, EmptyInputMatchesFips180Vector) {
  EXPECT_EQ(ToHex(Sha256::Of("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256Test, AbcMatchesFips180Vector) {
  EXPECT_EQ(ToHex(Sha256::Of("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256Test, IncrementalUpdatesEqualOneShot) {
  Sha256 h;
  h.Update("ab");
  h.Update("c");
  EXPECT_EQ(h.Finish(), Sha256::Of("abc"));
}

TEST(Sha256Test, ResetStartsAFreshHash) {
  Sha256 h;
  h.Update("junk");
  (void)h.Finish();
  h.Reset();
  h.Update("abc");
  EXPECT_EQ(h.Finish(), Sha256::Of("abc"));
}

TEST(HexTest, FromHexIsTheReverseOfToHexAndRefusesEverythingElse) {
  std::array<uint8_t, 32> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 37 + 5);
  std::array<uint8_t, 32> back{};
  ASSERT_TRUE(FromHex(ToHex(bytes.data(), bytes.size()), back.data(), back.size()));
  EXPECT_EQ(back, bytes);
  const std::string good = ToHex(bytes.data(), bytes.size());
  for (const std::string& bad : {good.substr(1), good + "0", std::string(64, 'g'),
                                 std::string(63, '0') + "A", std::string(63, '0') + " "}) {
    EXPECT_FALSE(FromHex(bad, back.data(), back.size())) << bad;
  }
}

}  // namespace
}  // namespace dreichor
