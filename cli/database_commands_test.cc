// The operator tool on a PostgreSQL log: verify, tail, export, replay and snapshot verify read it
// wherever they read a file log, with the password only from the environment, and replay gives
// the state hash the same records give from a file log.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <regex>
#include <sstream>

#include "audit/file_log.h"
#include "audit/postgres_log.h"
#include "cli/commands.h"
#include "testing/commands.h"
#include "testing/temp_dir.h"
#include "testing/test_database.h"

namespace dreichor::cli {
namespace {

constexpr uint64_t kRecords = 3000;

class DatabaseCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = testing::MigratedTestEnvironment(
        std::string(DREICHOR_SOURCE_DIR) + "/infra/db/migrations", {"dreichor"});
    ASSERT_FALSE(env_.env.empty());
    audit::PostgresLogOptions options;
    options.schema = "dreichor";
    auto log = audit::PostgresLog::Open(env_.runtime_url, options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    audit::RecoveryReport report;
    auto file =
        audit::FileLog::Open(Env::Default(), dir_.Sub("file"), audit::FileLogOptions{}, &report);
    ASSERT_TRUE(file.ok());
    for (uint64_t s = 1; s <= kRecords; s += 500) {
      ASSERT_TRUE(log.value()->Append(runtime::RecordsForSequences(s, 500)).ok());
      ASSERT_TRUE(file.value()->Append(runtime::RecordsForSequences(s, 500)).ok());
    }
    // The URL as an operator gives it, without the password; libpq reads PGPASSWORD.
    // secretlint-disable-next-line
    const std::regex password("(postgresql://[^:]+):([^@]+)@");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(env_.runtime_url, m, password));
    setenv("PGPASSWORD", m[2].str().c_str(), 1);
    source_.database_url = std::regex_replace(env_.runtime_url, password, "$1@");
    password_ = m[2];
  }
  void TearDown() override { unsetenv("PGPASSWORD"); }

  testing::TestEnvironment env_;
  TempDir dir_;
  LogSource source_;
  std::string password_;
  std::ostringstream out_, err_;
};

TEST_F(DatabaseCommandsTest, VerifyTailAndExportReadThePostgresLog) {
  EXPECT_EQ(AuditVerify(source_, "", out_, err_), kOk) << err_.str();
  EXPECT_NE(out_.str().find("ok: 3000 records, last sequence 3000"), std::string::npos)
      << out_.str();
  std::ostringstream tail;
  EXPECT_EQ(AuditTail(source_, 2, tail, err_), kOk) << err_.str();
  EXPECT_TRUE(tail.str().starts_with("2999 ")) << tail.str();
  std::ostringstream exported;
  EXPECT_EQ(AuditExport(source_, 10, 12, exported, err_), kOk) << err_.str();
  const std::string lines = exported.str();
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 3) << lines;
  EXPECT_EQ(err_.str().find(password_), std::string::npos);
}

TEST_F(DatabaseCommandsTest, ReplayGivesTheStateHashOfTheSameRecordsInAFileLog) {
  std::ostringstream from_db, from_file;
  ASSERT_EQ(Replay(source_, "", 2500, INT64_MAX, from_db, err_), kOk) << err_.str();
  ASSERT_EQ(Replay(LogSource(dir_.Sub("file")), "", 2500, INT64_MAX, from_file, err_), kOk);
  std::smatch a, b;
  const std::string db = from_db.str(), file = from_file.str();
  const std::regex state("state ([0-9a-f]{64})");
  ASSERT_TRUE(std::regex_search(db, a, state)) << db;
  ASSERT_TRUE(std::regex_search(file, b, state)) << file;
  EXPECT_EQ(a[1], b[1]);
}

TEST_F(DatabaseCommandsTest, APasswordOnTheCommandLineIsRefusedAndNeverShown) {
  LogSource with_password;
  with_password.database_url = env_.runtime_url;
  EXPECT_EQ(AuditVerify(with_password, "", out_, err_), kUsage);
  EXPECT_NE(err_.str().find("PGPASSWORD"), std::string::npos);
  EXPECT_EQ(err_.str().find(password_), std::string::npos);
  unsetenv("PGPASSWORD");
  std::ostringstream err;
  EXPECT_EQ(AuditVerify(source_, "", out_, err), kCannotRead) << "no password: no connection";
  EXPECT_EQ(err.str().find(password_), std::string::npos);
}

TEST_F(DatabaseCommandsTest, AnUnknownSchemaIsNamed) {
  source_.schema = "nope";
  EXPECT_EQ(AuditVerify(source_, "", out_, err_), kCannotRead);
  EXPECT_NE(err_.str().find("schema nope"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace dreichor::cli
