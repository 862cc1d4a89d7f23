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

}  // namespace
}  // namespace dreichor
