// Backups and point-in-time recovery, drilled on real servers (infra/db/BACKUP_AND_RESTORE.md): a
// primary archiving its WAL with infra/db/archive-wal.sh, a base backup taken with pg_basebackup
// while records are appended, more records after it; infra/db/restore-drill.sh restores into a
// new server to the end of the archive and to a time between two batches, verifies the restored
// log and compares its state hash with the live log's at the same sequence.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "audit/postgres_log.h"
#include "testing/commands.h"
#include "testing/test_database.h"
#include "testing/test_postgres.h"

namespace dreichor::migrate {
namespace {

namespace fs = std::filesystem;
namespace pgi = test_postgres_internal;

class RestoreDrillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chmod(dir_.path().c_str(), 0755);
    for (const char* sub : {"primary", "archive", "backups"}) fs::create_directories(dir_.Sub(sub));
    if (pgi::AsRoot()) {
      ASSERT_EQ(std::system(
                    ("chown postgres: " + dir_.Sub("archive") + " " + dir_.Sub("backups")).c_str()),
                0);
    }
    auto port = pgi::InitAndStart(dir_.Sub("primary"), /*durable=*/true);
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    pg_.port = port.value();
    // Base backups over a replication connection, for the superuser from loopback only.
    std::ofstream(dir_.Sub("primary/data/pg_hba.conf"), std::ios::app)
        << "host replication postgres 127.0.0.1/32 trust\n";
    // Archiving on: a setting that needs a restart.
    Exec("ALTER SYSTEM SET archive_mode = 'on'");
    Exec("ALTER SYSTEM SET archive_command = '" + std::string(DREICHOR_SOURCE_DIR) +
         "/infra/db/archive-wal.sh %p %f " + dir_.Sub("archive") + "'");
    auto bin = pgi::ServerBinaries();
    ASSERT_TRUE(bin.ok());
    bin_ = bin.value();
    ASSERT_EQ(pgi::Run(bin_ + "/pg_ctl -D " + dir_.Sub("primary/data") +
                       " -w -t 60 restart -o \"-p " + std::to_string(pg_.port) + " -k " +
                       dir_.Sub("primary") + " -c listen_addresses=127.0.0.1\" >/dev/null 2>&1"),
              0)
        << pgi::ReadLog(dir_.Sub("primary"));
    auto env = testing::ProvisionTestEnvironment(pg_, "dev", DREICHOR_SOURCE_DIR "/infra/db");
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    ASSERT_TRUE(testing::MigrateTestEnvironment(
                    env.value(), DREICHOR_SOURCE_DIR "/infra/db/migrations", {"dreichor"})
                    .ok());
    audit::PostgresLogOptions options;
    options.schema = "dreichor";
    auto log = audit::PostgresLog::Open(pg_.Url("dreichor_dev"), options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }
  void TearDown() override { pgi::StopIn(dir_.Sub("primary")); }

  std::string Exec(const std::string& sql) {
    auto conn = PgConnection::Connect(pg_.Url());
    EXPECT_TRUE(conn.ok());
    if (!conn.ok()) return "";
    auto r = conn.value()->Exec(sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() && !r.value().rows.empty() ? r.value().rows[0][0] : "";
  }
  void Append(uint64_t n) {
    const uint64_t first = log_->last_sequence() + 1;
    for (uint64_t s = first; s < first + n; s += 1000) {
      ASSERT_TRUE(log_->Append(runtime::RecordsForSequences(s, 1000)).ok());
    }
  }
  // Switches to a new WAL file and waits until the finished one is archived.
  void ArchiveEverything() {
    const std::string wal = Exec("SELECT pg_walfile_name(pg_switch_wal())");
    for (int i = 0; i < 600; ++i) {
      if (fs::exists(dir_.Sub("archive/" + wal))) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << wal << " was never archived:\n" << pgi::ReadLog(dir_.Sub("primary"));
  }
  int BaseBackup() {
    return std::system((std::string(DREICHOR_SOURCE_DIR) + "/infra/db/base-backup.sh --backups " +
                        dir_.Sub("backups") + " --wal-archive " + dir_.Sub("archive") +
                        " --keep 1 --port " + std::to_string(pg_.port) + " > /dev/null")
                           .c_str());
  }
  std::vector<std::string> Backups() {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_.Sub("backups"))) names.push_back(e.path());
    std::sort(names.begin(), names.end());
    return names;
  }
  // The archive's oldest WAL file's name.
  std::string OldestArchived() {
    std::string oldest;
    for (const auto& e : fs::directory_iterator(dir_.Sub("archive"))) {
      const std::string name = e.path().filename();
      if (name.find('.') == std::string::npos && (oldest.empty() || name < oldest)) oldest = name;
    }
    return oldest;
  }
  int Drill(const std::string& extra, std::string* out) {
    const std::string file = dir_.Sub("drill.out");
    const int rc =
        std::system((std::string(DREICHOR_SOURCE_DIR) + "/infra/db/restore-drill.sh" +
                     " --backups " + dir_.Sub("backups") + " --wal-archive " + dir_.Sub("archive") +
                     " --live-url " + pg_.Url("dreichor_dev") + " --dreichor " + DREICHOR_CLI_PATH +
                     " " + extra + " > " + file + " 2>&1")
                        .c_str());
    std::ifstream in(file);
    *out = std::string(std::istreambuf_iterator<char>(in), {});
    return WEXITSTATUS(rc);
  }

  TempDir dir_;
  PostgresEndpoint pg_;
  std::string bin_;
  std::unique_ptr<audit::PostgresLog> log_;
};

TEST_F(RestoreDrillTest, RestoresToTheEndAndToATimeWithTheLiveStateHash) {
  Append(20'000);
  ASSERT_EQ(BaseBackup(), 0);
  Append(10'000);
  const std::string between = Exec("SELECT clock_timestamp()::text");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  Append(10'000);
  ArchiveEverything();

  std::string out;
  ASSERT_EQ(Drill("", &out), 0) << out;
  EXPECT_NE(out.find("recovery point: records 1..40000 (the live log is at 40000: 0 behind)"),
            std::string::npos)
      << out;
  std::cout << out;

  ASSERT_EQ(Drill("--target-time '" + between + "'", &out), 0) << out;
  EXPECT_NE(out.find("recovery point: records 1..30000 (the live log is at 40000: 10000 behind)"),
            std::string::npos)
      << out;
  std::cout << out;

  // A newer backup with --keep 1 replaces the first, and the WAL only it needed goes.
  const std::string oldest = OldestArchived();
  ASSERT_EQ(BaseBackup(), 0);
  ASSERT_EQ(Backups().size(), 1u);
  EXPECT_FALSE(fs::exists(dir_.Sub("archive/" + oldest)))
      << "WAL older than the kept backup is cleaned up";
  ASSERT_EQ(Drill("", &out), 0) << out;
  EXPECT_NE(out.find("recovery point: records 1..40000"), std::string::npos) << out;

  // A backup that no longer matches its manifest is refused before anything is restored.
  std::ofstream(Backups()[0] + "/PG_VERSION", std::ios::app) << "x";
  EXPECT_EQ(Drill("", &out), 1) << out;
  EXPECT_NE(out.find("does not match its backup manifest"), std::string::npos) << out;
}

TEST_F(RestoreDrillTest, AnArchivedFileIsNeverOverwrittenWithOtherBytes) {
  const std::string script = std::string(DREICHOR_SOURCE_DIR) + "/infra/db/archive-wal.sh";
  std::ofstream(dir_.Sub("a")) << "one";
  std::ofstream(dir_.Sub("b")) << "two";
  fs::create_directories(dir_.Sub("dest"));
  EXPECT_EQ(std::system((script + " " + dir_.Sub("a") + " f " + dir_.Sub("dest")).c_str()), 0);
  EXPECT_EQ(std::system((script + " " + dir_.Sub("a") + " f " + dir_.Sub("dest")).c_str()), 0)
      << "archiving the same file again is fine";
  EXPECT_NE(std::system(
                (script + " " + dir_.Sub("b") + " f " + dir_.Sub("dest") + " 2>/dev/null").c_str()),
            0);
  std::ifstream kept(dir_.Sub("dest/f"));
  std::string text;
  kept >> text;
  EXPECT_EQ(text, "one");
}

}  // namespace
}  // namespace dreichor::migrate
