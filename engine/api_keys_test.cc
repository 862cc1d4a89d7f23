#include "engine/api_keys.h"

#include <gtest/gtest.h>

#include "engine/engine_fixture.h"

namespace dreichor::engine {
namespace {

ApiKey Key(uint64_t id, AccountId account, uint8_t fill, uint8_t permissions) {
  return ApiKey{id, account, TestKey(fill), permissions, false};
}

TEST(ApiKeysTest, ARegisteredKeyIsFoundWithItsAccountAndPermissions) {
  ApiKeys keys;
  ASSERT_EQ(keys.Register(Key(7, 101, 1, kPermissionTrade)), Reason::kNone);
  const ApiKey* k = keys.Find(7);
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->account, 101u);
  EXPECT_EQ(k->permissions, kPermissionTrade);
  EXPECT_FALSE(k->revoked);
  EXPECT_EQ(keys.Find(8), nullptr);
}

TEST(ApiKeysTest, InvalidKeysAreRefused) {
  ApiKeys keys;
  EXPECT_EQ(keys.Register(Key(0, 101, 1, kPermissionRead)), Reason::kInvalidApiKey);
  EXPECT_EQ(keys.Register(Key(1, kFeeAccountId, 1, kPermissionRead)), Reason::kInvalidApiKey);
  EXPECT_EQ(keys.Register(Key(1, 101, 0, kPermissionRead)), Reason::kInvalidApiKey);
  EXPECT_EQ(keys.Register(Key(1, 101, 1, 0)), Reason::kInvalidApiKey);
  EXPECT_EQ(keys.Register(Key(1, 101, 1, 4)), Reason::kInvalidApiKey);
  EXPECT_TRUE(keys.keys().empty());
}

TEST(ApiKeysTest, AnIdOrPublicKeyIsNeverUsedTwiceEvenAfterRevocation) {
  ApiKeys keys;
  ASSERT_EQ(keys.Register(Key(7, 101, 1, kPermissionRead)), Reason::kNone);
  ASSERT_EQ(keys.Revoke(7), Reason::kNone);
  EXPECT_TRUE(keys.Find(7)->revoked);
  EXPECT_EQ(keys.Revoke(7), Reason::kApiKeyRevoked);
  EXPECT_EQ(keys.Register(Key(7, 101, 2, kPermissionRead)), Reason::kApiKeyExists);
  EXPECT_EQ(keys.Register(Key(8, 102, 1, kPermissionRead)), Reason::kApiKeyExists);
  EXPECT_EQ(keys.Revoke(9), Reason::kUnknownApiKey);
}

TEST(ApiKeysTest, RestoreRefusesDisorderAndRepeatsAndKeepsRevocation) {
  ApiKeys keys;
  ApiKey revoked = Key(3, 101, 3, kPermissionTrade);
  revoked.revoked = true;
  ASSERT_TRUE(keys.Restore({Key(1, 101, 1, kPermissionRead), revoked}));
  EXPECT_TRUE(keys.Find(3)->revoked);
  ApiKeys other;
  EXPECT_FALSE(other.Restore({Key(3, 101, 3, kPermissionRead), Key(1, 101, 1, kPermissionRead)}));
  EXPECT_FALSE(other.Restore({Key(1, 101, 1, kPermissionRead), Key(2, 101, 1, kPermissionRead)}));
  EXPECT_TRUE(other.keys().empty());
}

TEST(ApiKeysTest, PermissionNamesAreTheJsonForms) {
  EXPECT_EQ(PermissionsName(kPermissionRead), "read");
  EXPECT_EQ(PermissionsName(kPermissionTrade), "trade");
  EXPECT_EQ(PermissionsName(kAllPermissions), "read,trade");
}

}  // namespace
}  // namespace dreichor::engine
