#include "config/env_check.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config/version.h"
#include "testing/temp_dir.h"

namespace dreichor::config {
namespace {

std::string Write(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.path() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string Example() {
  std::ifstream in(std::string(DREICHOR_SOURCE_DIR) + "/infra/env/.env.example");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Ran {
  int code;
  std::string out, err;
};

Ran Check(const std::string& file) {
  std::ostringstream out, err;
  const int code = EnvFileCheck(
      file, [](const EnvMap& m) { return ValidateAll(RuntimeSchema(), m); }, out, err);
  return {code, out.str(), err.str()};
}

TEST(EnvCheckTest, AGoodFilePassesAndSaysHowManyVariables) {
  TempDir dir;
  const Ran r = Check(Write(dir, "runtime.env", Example()));
  EXPECT_EQ(r.code, kEnvCheckOk) << r.err;
  EXPECT_NE(r.out.find("runtime.env: ok ("), std::string::npos) << r.out;
}

TEST(EnvCheckTest, EveryProblemIsNamedAndNoSecretIsEchoed) {
  TempDir dir;
  std::string text = Example();
  const std::string admin = "DREICHOR_ADMIN_TOKEN=";
  const size_t at = text.find(admin);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, text.find('\n', at) - at, admin + "tiny-secret");
  text += "DREICHOR_ENV=prod\n";  // a second line for one variable
  Ran r = Check(Write(dir, "twice.env", text));
  EXPECT_EQ(r.code, kEnvCheckProblems);
  EXPECT_NE(r.err.find("twice.env: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("tiny-secret"), std::string::npos) << r.err;

  text = Example();
  text.replace(text.find(admin), text.find('\n', text.find(admin)) - text.find(admin),
               admin + "tiny-secret");
  r = Check(Write(dir, "short.env", text));
  EXPECT_EQ(r.code, kEnvCheckProblems);
  EXPECT_NE(r.err.find("short.env: DREICHOR_ADMIN_TOKEN: is shorter than"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("tiny-secret"), std::string::npos) << "a secret value: " << r.err;
}

TEST(EnvCheckTest, AStagingRuntimeHasProductionsRules) {
  TempDir dir;
  std::string text = Example();
  const std::string env_line = "DREICHOR_ENV=dev";
  ASSERT_NE(text.find(env_line), std::string::npos);
  text.replace(text.find(env_line), env_line.size(), "DREICHOR_ENV=staging");
  const Ran r = Check(Write(dir, "staging.env", text));
  EXPECT_EQ(r.code, kEnvCheckProblems);
  EXPECT_NE(r.err.find("DREICHOR_TRADING_TOKEN: is required when DREICHOR_ENV is not dev"),
            std::string::npos)
      << r.err;
}

TEST(EnvCheckTest, AMissingFileIsNotAnEmptyConfiguration) {
  const Ran r = Check("/nonexistent/runtime.env");
  EXPECT_EQ(r.code, kEnvCheckUnreadable);
  EXPECT_NE(r.err.find("/nonexistent/runtime.env: cannot be read"), std::string::npos);
}

TEST(EnvCheckTest, TheVersionLineNamesTheProgramAndTheRelease) {
  EXPECT_EQ(VersionLine("dreichor-gateway"), std::string("dreichor-gateway ") + kVersion);
  EXPECT_NE(std::string(kVersion).find('.'), std::string::npos);
}

}  // namespace
}  // namespace dreichor::config
