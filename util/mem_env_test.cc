#include "util/mem_env.h"

#include <gtest/gtest.h>

namespace dreichor {
namespace {

std::string Read(MemEnv* env, const std::string& path) {
  std::string contents;
  EXPECT_TRUE(env->ReadFile(path, &contents).ok()) << path;
  return contents;
}

TEST(MemEnvTest, FilesAreCreatedOnlyInsideExistingDirectories) {
  MemEnv env;
  auto missing = env.NewWritableFile("/data/log");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(env.CreateDirs("/data/log-dir/sub").ok());
  EXPECT_TRUE(env.IsDirectory("/data"));
  EXPECT_TRUE(env.IsDirectory("/data/log-dir/"));
  EXPECT_TRUE(env.NewWritableFile("/data/log-dir/sub/x").ok());
}

TEST(MemEnvTest, AppendableFilesKeepAndWritableFilesTruncate) {
  MemEnv env;
  ASSERT_TRUE(env.CreateDirs("/d").ok());
  ASSERT_TRUE(env.WriteWholeFile("/d/f", "abc").ok());
  auto appendable = env.NewAppendableFile("/d/f");
  ASSERT_TRUE(appendable.ok());
  ASSERT_TRUE(appendable.value()->Append("def").ok());
  EXPECT_EQ(Read(&env, "/d/f"), "abcdef");
  std::string range;
  ASSERT_TRUE(env.ReadRange("/d/f", 4, 10, &range).ok());
  EXPECT_EQ(range, "ef");
  ASSERT_TRUE(env.ReadRange("/d/f", 99, 10, &range).ok());
  EXPECT_EQ(range, "");
  ASSERT_TRUE(env.NewWritableFile("/d/f").ok());
  EXPECT_EQ(env.FileSize("/d/f").value(), 0u);
}

TEST(MemEnvTest, ChildrenAreDirectEntriesSorted) {
  MemEnv env;
  ASSERT_TRUE(env.CreateDirs("/d/sub/deeper").ok());
  ASSERT_TRUE(env.WriteWholeFile("/d/b", "").ok());
  ASSERT_TRUE(env.WriteWholeFile("/d/a", "").ok());
  ASSERT_TRUE(env.WriteWholeFile("/d/sub/c", "").ok());
  std::vector<std::string> names;
  ASSERT_TRUE(env.GetChildren("/d", &names).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "sub"}));
  EXPECT_EQ(env.GetChildren("/nope", &names).code(), StatusCode::kNotFound);
}

TEST(MemEnvTest, RenameReplacesTheTargetAndOpenWritersFollowTheContents) {
  MemEnv env;
  ASSERT_TRUE(env.CreateDirs("/d").ok());
  ASSERT_TRUE(env.WriteWholeFile("/d/target", "old").ok());
  auto writer = env.NewWritableFile("/d/tmp");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE(writer.value()->Append("new").ok());
  ASSERT_TRUE(env.RenameFile("/d/tmp", "/d/target").ok());
  ASSERT_TRUE(writer.value()->Append("er").ok());
  EXPECT_EQ(Read(&env, "/d/target"), "newer");
  EXPECT_FALSE(env.FileExists("/d/tmp"));
  EXPECT_EQ(env.RenameFile("/d/tmp", "/d/x").code(), StatusCode::kNotFound);
}

TEST(MemEnvTest, TruncateRemoveAndReadOnly) {
  MemEnv env;
  ASSERT_TRUE(env.CreateDirs("/d").ok());
  ASSERT_TRUE(env.WriteWholeFile("/d/f", "abcdef").ok());
  ASSERT_TRUE(env.TruncateFile("/d/f", 2).ok());
  EXPECT_EQ(Read(&env, "/d/f"), "ab");
  ASSERT_TRUE(env.MakeReadOnly("/d/f").ok());
  EXPECT_FALSE(env.NewAppendableFile("/d/f").ok());
  ASSERT_TRUE(env.RemoveFile("/d/f").ok());
  EXPECT_EQ(env.RemoveFile("/d/f").code(), StatusCode::kNotFound);
  std::string contents;
  EXPECT_EQ(env.ReadFile("/d/f", &contents).code(), StatusCode::kNotFound);
}

TEST(MemEnvTest, ALockRefusesASecondHolderUntilReleased) {
  MemEnv env;
  ASSERT_TRUE(env.CreateDirs("/d").ok());
  {
    auto first = env.LockFile("/d/LOCK");
    ASSERT_TRUE(first.ok());
    auto second = env.LockFile("/d/LOCK");
    ASSERT_FALSE(second.ok());
    EXPECT_NE(second.status().ToString().find("/d/LOCK"), std::string::npos);
  }
  EXPECT_TRUE(env.LockFile("/d/LOCK").ok());
}

}  // namespace
}  // namespace dreichor
