// The migrator against a real PostgreSQL server (started by the test): apply, idempotence,
// drift, contract opt-in, failures that leave the journal untouched, dry runs, rollback,
// tenants, and the advisory lock between two processes.
#include "migrate/migrator.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "testing/temp_dir.h"
#include "testing/test_postgres.h"

namespace dreichor::migrate {
namespace {

class MigratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = SharedTestPostgres();
    ASSERT_NE(pg_, nullptr);
    auto admin = PgConnection::Connect(pg_->Url());
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    database_ = "migrator_" + std::to_string(getpid()) + "_" + std::to_string(++databases_);
    ASSERT_TRUE(admin.value()->Exec("CREATE DATABASE " + database_).ok());
    auto conn = PgConnection::Connect(pg_->Url(database_));
    ASSERT_TRUE(conn.ok());
    conn_ = std::move(conn).value();
  }

  void Write(const std::string& name, const std::string& sql) {
    std::ofstream(dir_.Sub(name)) << sql;
  }
  // Loads the files and makes a migrator over them.
  Migrator& Load() {
    auto loaded = LoadMigrations(Env::Default(), dir_.path());
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    migrations_ = loaded.ok() ? std::move(loaded).value() : std::vector<Migration>{};
    migrator_ = std::make_unique<Migrator>(conn_.get(), &migrations_);
    return *migrator_;
  }
  bool TableExists(const std::string& qualified) {
    auto r = conn_->Exec("SELECT to_regclass($1) IS NOT NULL", {qualified});
    return r.ok() && r.value().rows[0][0] == "t";
  }
  std::vector<JournalEntry> Journal(const std::string& schema = "app") {
    auto j = migrator_->Journal(schema);
    EXPECT_TRUE(j.ok());
    return j.ok() ? j.value() : std::vector<JournalEntry>{};
  }
  // Runs the dreichor-migrate binary; returns its exit code, output in *out.
  int RunTool(const std::string& args, std::string* out) {
    const std::string file = dir_.Sub("tool.out");
    const std::string cmd = "DATABASE_URL='" + pg_->Url(database_) + "' " + DREICHOR_MIGRATE_PATH +
                            " " + args + " --dir " + dir_.path() + " > " + file + " 2>&1";
    const int rc = std::system(cmd.c_str());
    std::ifstream in(file);
    *out = std::string(std::istreambuf_iterator<char>(in), {});
    return WEXITSTATUS(rc);
  }

  const PostgresEndpoint* pg_ = nullptr;
  static int databases_;
  std::string database_;
  std::unique_ptr<PgConnection> conn_;
  TempDir dir_;
  std::vector<Migration> migrations_;
  std::unique_ptr<Migrator> migrator_;
};

int MigratorTest::databases_ = 0;

TEST_F(MigratorTest, FreshApplyJournalsEveryMigrationAndReapplyDoesNothing) {
  Write("0001_expand_accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY);\n");
  Write("0002_expand_orders.sql",
        "CREATE TABLE orders (id bigint PRIMARY KEY, account bigint REFERENCES accounts);\n"
        "CREATE INDEX orders_by_account ON orders (account);\n");
  auto first = Load().Apply("app", false, false);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first.value().applied.size(), 2u);
  EXPECT_TRUE(TableExists("app.orders"));
  std::vector<JournalEntry> journal = Journal();
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal[0].version, 1u);
  EXPECT_EQ(journal[0].name, "accounts");
  EXPECT_EQ(journal[0].checksum, migrations_[0].checksum);
  EXPECT_EQ(journal[0].checksum_algorithm, "sha256");
  EXPECT_EQ(journal[0].applied_by, "postgres");
  EXPECT_FALSE(journal[0].applied_at.empty());

  auto again = Load().Apply("app", false, false);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again.value().applied.empty());
  EXPECT_EQ(Journal().size(), 2u);
}

TEST_F(MigratorTest, DriftIsReportedAndApplyRefusesNamingTheFile) {
  Write("0001_expand_accounts.sql", "CREATE TABLE accounts (id bigint);\n");
  ASSERT_TRUE(Load().Apply("app", false, false).ok());
  Write("0001_expand_accounts.sql", "CREATE TABLE accounts (id bigint, name text);\n");
  Write("0002_expand_more.sql", "CREATE TABLE more (x int);\n");
  auto status = Load().StatusOf("app", false);
  ASSERT_TRUE(status.ok());
  ASSERT_EQ(status.value().drifted.size(), 1u);
  auto refused = Load().Apply("app", false, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("0001_expand_accounts.sql"), std::string::npos);
  EXPECT_FALSE(TableExists("app.more"));
  EXPECT_EQ(Journal().size(), 1u);
  std::string out;
  EXPECT_EQ(RunTool("verify --target app", &out), 1) << out;
  EXPECT_NE(out.find("DRIFTED  0001_expand_accounts.sql"), std::string::npos) << out;
}

TEST_F(MigratorTest, ContractMigrationsWaitForTheOptIn) {
  Write("0001_expand_t.sql", "CREATE TABLE t (x int, old int);\n");
  Write("0002_contract_drop_old.sql", "ALTER TABLE t DROP COLUMN old;\n");
  Write("0002_contract_drop_old.rollback.sql", "ALTER TABLE t ADD COLUMN old int;\n");
  Write("0003_expand_u.sql", "CREATE TABLE u (x int);\n");
  auto held = Load().Apply("app", false, /*allow_contract=*/false);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held.value().applied, (std::vector<std::string>{"0001_expand_t.sql"}));
  EXPECT_EQ(held.value().waiting.size(), 2u);
  EXPECT_FALSE(TableExists("app.u")) << "nothing jumps a held-back contract migration";
  auto allowed = Load().Apply("app", false, /*allow_contract=*/true);
  ASSERT_TRUE(allowed.ok()) << allowed.status().ToString();
  EXPECT_EQ(allowed.value().applied.size(), 2u);
  EXPECT_TRUE(TableExists("app.u"));
}

TEST_F(MigratorTest, AFailingMigrationRollsBackAndLeavesTheJournalAsItWas) {
  Write("0001_expand_t.sql", "CREATE TABLE t (x int);\n");
  ASSERT_TRUE(Load().Apply("app", false, false).ok());
  Write(
      "0002_expand_broken.sql",
      "CREATE TABLE half (x int);\nINSERT INTO nowhere VALUES (1);\nCREATE TABLE never (x int);\n");
  auto failed = Load().Apply("app", false, false);
  ASSERT_FALSE(failed.ok());
  const std::string message = failed.status().message();
  EXPECT_NE(message.find("0002_expand_broken.sql"), std::string::npos) << message;
  EXPECT_NE(message.find("relation \"nowhere\" does not exist"), std::string::npos) << message;
  EXPECT_NE(message.find("INSERT INTO nowhere VALUES (1);"), std::string::npos) << message;
  EXPECT_FALSE(TableExists("app.half")) << "the failed migration's first statement is undone";
  ASSERT_EQ(Journal().size(), 1u);
  EXPECT_EQ(Journal()[0].version, 1u);
}

TEST_F(MigratorTest, DryRunChangesNothingAndSaysWhatCannotBeDryRun) {
  Write("0001_expand_t.sql", "CREATE TABLE t (x int);\n");
  Write("0002_expand_index.sql",
        "-- dreichor: non-transactional\nCREATE INDEX CONCURRENTLY t_x ON t (x);\n");
  auto report = Load().DryRun("app", false, false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report.value().checked, (std::vector<std::string>{"0001_expand_t.sql"}));
  EXPECT_EQ(report.value().not_dry_runnable, (std::vector<std::string>{"0002_expand_index.sql"}));
  EXPECT_TRUE(report.value().failed_file.empty());
  EXPECT_FALSE(TableExists("app.t"));
  EXPECT_TRUE(Journal().empty());
  // Applied for real, the non-transactional migration runs on its own.
  auto applied = Load().Apply("app", false, false);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_TRUE(TableExists("app.t_x"));
  EXPECT_EQ(Journal().size(), 2u);
}

TEST_F(MigratorTest, DryRunReportsTheFirstFailure) {
  Write("0001_expand_bad.sql", "CREATE TABLE t (x nosuchtype);\n");
  auto report = Load().DryRun("app", false, false);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report.value().failed_file, "0001_expand_bad.sql");
  EXPECT_NE(report.value().failure.find("nosuchtype"), std::string::npos);
}

TEST_F(MigratorTest, RollbackUndoesTheLatestContractMigration) {
  Write("0001_expand_t.sql", "CREATE TABLE t (x int, old int);\n");
  Write("0002_contract_drop_old.sql", "ALTER TABLE t DROP COLUMN old;\n");
  Write("0002_contract_drop_old.rollback.sql", "ALTER TABLE t ADD COLUMN old int;\n");
  ASSERT_TRUE(Load().Apply("app", false, true).ok());
  EXPECT_FALSE(migrator_->Rollback("app", 1).ok()) << "only the latest, and only contract";
  Status rolled = migrator_->Rollback("app", 2);
  ASSERT_TRUE(rolled.ok()) << rolled.ToString();
  auto column = conn_->Exec(
      "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'app' AND "
      "table_name = 't' AND column_name = 'old'");
  ASSERT_TRUE(column.ok());
  EXPECT_EQ(column.value().rows[0][0], "1");
  EXPECT_EQ(Journal().size(), 1u);
  std::string out;
  EXPECT_EQ(RunTool("rollback 1 --target app", &out), 2) << "rollback needs --allow-contract";
}

TEST_F(MigratorTest, TenantMigrationsRunPerRegisteredSchemaAndStopAtAFailure) {
  Write("0001_expand_registry.sql",
        "CREATE TABLE dreichor_tenants (schema_name text PRIMARY KEY);\n"
        "INSERT INTO dreichor_tenants VALUES ('tenant_a'), ('tenant_b'), ('tenant_c');\n");
  Write("0002_expand_ledger.sql", "-- dreichor: per-tenant\nCREATE TABLE ledger (x int);\n");
  ASSERT_TRUE(Load().Apply("app", false, false).ok());
  EXPECT_FALSE(TableExists("app.ledger")) << "per-tenant migrations skip the main target";
  ASSERT_TRUE(conn_->Exec("CREATE SCHEMA tenant_b; CREATE TABLE tenant_b.ledger (y int)").ok());
  std::string out;
  EXPECT_EQ(RunTool("apply --target app --all-tenants", &out), 2)
      << "--all-tenants and --target exclude each other: " << out;
  EXPECT_EQ(RunTool("apply --all-tenants", &out), 1) << out;  // registry is in "public": absent
  ASSERT_TRUE(
      conn_->Exec("CREATE TABLE public.dreichor_tenants AS SELECT * FROM app.dreichor_tenants")
          .ok());
  EXPECT_EQ(RunTool("apply --all-tenants", &out), 1) << out;
  EXPECT_NE(out.find("stopped at tenant tenant_b; done before it: tenant_a"), std::string::npos)
      << out;
  EXPECT_TRUE(TableExists("tenant_a.ledger"));
  EXPECT_EQ(Journal("tenant_a").size(), 1u);
  EXPECT_TRUE(Journal("tenant_b").empty());
  EXPECT_FALSE(TableExists("tenant_c.ledger"));
}

TEST_F(MigratorTest, TwoMigratorsNeverInterleave) {
  Write("0001_expand_t.sql", "CREATE TABLE t (x int);\n");
  Migrator& holder = Load();
  ASSERT_TRUE(holder.Lock("app", std::chrono::milliseconds(1000)).ok());
  std::string out;
  EXPECT_EQ(RunTool("apply --target app --lock-timeout-ms 300", &out), 1) << out;
  EXPECT_NE(out.find("another migrator holds the lock on target app"), std::string::npos) << out;
  EXPECT_FALSE(TableExists("app.t"));
  ASSERT_TRUE(holder.Unlock("app").ok());
  EXPECT_EQ(RunTool("apply --target app --lock-timeout-ms 300", &out), 0) << out;
  EXPECT_TRUE(TableExists("app.t"));
}

TEST_F(MigratorTest, TheToolNeverPrintsThePassword) {
  std::string out;
  const std::string cmd =
      // secretlint-disable-next-line
      "DATABASE_URL='postgresql://postgres:hunter2secret@127.0.0.1:" + std::to_string(pg_->port) +
      "/nosuchdb' " + DREICHOR_MIGRATE_PATH + " status --dir " + dir_.path() + " > " +
      dir_.Sub("o") + " 2>&1";
  const int rc = WEXITSTATUS(std::system(cmd.c_str()));
  std::ifstream in(dir_.Sub("o"));
  out = std::string(std::istreambuf_iterator<char>(in), {});
  EXPECT_EQ(rc, 3) << out;
  EXPECT_EQ(out.find("hunter2secret"), std::string::npos) << out;
  EXPECT_NE(out.find("<redacted>"), std::string::npos) << out;
}

}  // namespace
}  // namespace dreichor::migrate
