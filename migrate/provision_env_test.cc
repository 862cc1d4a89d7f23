// infra/db/provision-env.sql and the migrations against a real PostgreSQL server with two
// environments provisioned side by side: every test tries to cross a boundary between them, or
// out of a role's rights, and must fail to.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "audit/postgres_log.h"
#include "testing/audit_records.h"
#include "testing/test_database.h"

namespace dreichor::migrate {
namespace {

namespace fs = std::filesystem;

const std::string kSqlDir = std::string(DREICHOR_SOURCE_DIR) + "/infra/db";
const std::string kMigrations = kSqlDir + "/migrations";

class ProvisionEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = SharedTestPostgres();
    ASSERT_NE(pg_, nullptr);
    const std::string suffix = std::to_string(getpid());
    for (auto [env, name] : {std::pair{&dev_, "dev_" + suffix}, {&prod_, "prod_" + suffix}}) {
      auto made = testing::ProvisionTestEnvironment(*pg_, name, kSqlDir);
      ASSERT_TRUE(made.ok()) << made.status().ToString();
      *env = made.value();
      ASSERT_TRUE(testing::MigrateTestEnvironment(*env, kMigrations, {"dreichor"}).ok());
    }
  }

  static std::unique_ptr<PgConnection> Connect(const std::string& url) {
    auto c = PgConnection::Connect(url);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  // `url` pointed at another database.
  static std::string On(const std::string& url, const std::string& database) {
    return url.substr(0, url.rfind('/') + 1) + database;
  }
  // The message of the failure of `sql` as the user of `conn`; fails the test if it succeeded.
  static std::string Refusal(PgConnection* conn, const std::string& sql) {
    auto r = conn->Exec(sql);
    EXPECT_FALSE(r.ok()) << sql << " was allowed";
    return r.ok() ? "" : r.status().message();
  }
  // Roles other than the environments' own: other tests provision environments on the same
  // server at the same time, but nothing should ever create any other role.
  std::string OtherRoles() {
    return Superuser(
        "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname NOT LIKE "
        "'dreichor\\_%\\_migrator' AND rolname NOT LIKE 'dreichor\\_%\\_runtime'");
  }
  std::string Superuser(const std::string& sql, const std::string& database = "postgres") {
    auto c = Connect(pg_->Url(database));
    auto r = c ? c->Exec(sql) : Result<PgRows>(Status::IoError("no connection"));
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() && !r.value().rows.empty() ? r.value().rows[0][0] : "";
  }

  const PostgresEndpoint* pg_ = nullptr;
  testing::TestEnvironment dev_, prod_;
};

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

TEST_F(ProvisionEnvTest, NoRoleOfOneEnvironmentCanConnectToTheOthersDatabase) {
  for (const auto& [from, to] : {std::pair{&dev_, &prod_}, {&prod_, &dev_}}) {
    for (const std::string* url : {&from->runtime_url, &from->migrator_url}) {
      auto c = PgConnection::Connect(On(*url, to->database));
      ASSERT_FALSE(c.ok()) << *url << " reached " << to->database;
      EXPECT_CONTAINS(c.status().message(), "permission denied for database");
    }
  }
  // Nor to the server's own databases (pg_hba as infra/db/README.md sets it).
  auto c = PgConnection::Connect(On(dev_.runtime_url, "postgres"));
  EXPECT_FALSE(c.ok());
}

TEST_F(ProvisionEnvTest, EachRoleNeedsItsOwnPassword) {
  const std::string runtime_user = dev_.database + "_runtime";
  for (const std::string& wrong :
       {testing::TestPassword(dev_.env, "migrator"), testing::TestPassword(prod_.env, "runtime"),
        std::string("not-the-password-at-all")}) {
    auto c = PgConnection::Connect(testing::UserUrl(*pg_, runtime_user, wrong, dev_.database));
    ASSERT_FALSE(c.ok());
    EXPECT_CONTAINS(c.status().message(), "password authentication failed");
    EXPECT_EQ(c.status().message().find(wrong), std::string::npos) << "the password is not shown";
  }
}

TEST_F(ProvisionEnvTest, TheRuntimeRoleMayOnlyReadAndAppendTheAuditLog) {
  auto runtime = Connect(dev_.runtime_url);
  ASSERT_NE(runtime, nullptr);
  EXPECT_TRUE(runtime->Exec("SELECT count(*) FROM dreichor.audit_events").ok());
  for (const char* sql :
       {"UPDATE dreichor.audit_events SET type = 1", "DELETE FROM dreichor.audit_events",
        "TRUNCATE dreichor.audit_events", "UPDATE dreichor.audit_log_meta SET created_at_ns = 0",
        "DELETE FROM dreichor.dreichor_migrations"}) {
    EXPECT_CONTAINS(Refusal(runtime.get(), sql), "permission denied");
  }
  for (const char* sql : {"CREATE TABLE dreichor.t (x int)", "CREATE TABLE public.t (x int)",
                          "CREATE TEMP TABLE t (x int)", "CREATE SCHEMA mine",
                          "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'"}) {
    EXPECT_CONTAINS(Refusal(runtime.get(), sql), "permission denied");
  }
  EXPECT_CONTAINS(Refusal(runtime.get(), "DROP TABLE dreichor.audit_events"), "must be owner");
  EXPECT_CONTAINS(Refusal(runtime.get(), "CREATE ROLE intruder"), "permission denied");
}

TEST_F(ProvisionEnvTest, TheRolesHoldNoPowersBeyondTheirDatabase) {
  for (const auto* env : {&dev_, &prod_}) {
    for (const char* role : {"_migrator", "_runtime"}) {
      const std::string name = env->database + role;
      EXPECT_EQ(Superuser("SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR "
                          "rolbypassrls OR rolinherit FROM pg_roles WHERE rolname = '" +
                          name + "'"),
                "f")
          << name;
      EXPECT_EQ(Superuser("SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON "
                          "r.oid = m.member WHERE r.rolname = '" +
                          name + "'"),
                "0")
          << name << " is a member of a role";
    }
  }
  auto migrator = Connect(dev_.migrator_url);
  ASSERT_NE(migrator, nullptr);
  EXPECT_CONTAINS(Refusal(migrator.get(), "CREATE ROLE intruder"), "permission denied");
  EXPECT_CONTAINS(Refusal(migrator.get(), "CREATE DATABASE intruder"), "permission denied");
  EXPECT_CONTAINS(
      Refusal(migrator.get(), "GRANT CONNECT ON DATABASE " + prod_.database + " TO PUBLIC"),
      "permission denied");
}

TEST_F(ProvisionEnvTest, MigrationsCreateNoRoleAndRefuseAnUnprovisionedDatabase) {
  const std::string roles = OtherRoles();
  testing::TestEnvironment again = dev_;
  ASSERT_TRUE(testing::MigrateTestEnvironment(again, kMigrations, {"second"}).ok());
  EXPECT_EQ(OtherRoles(), roles);

  const std::string ghost = "dreichor_ghost_" + std::to_string(getpid());
  Superuser("CREATE DATABASE " + ghost);
  testing::TestEnvironment unprovisioned;
  unprovisioned.migrator_url = pg_->Url(ghost);  // even the superuser
  const Status s = testing::MigrateTestEnvironment(unprovisioned, kMigrations, {"dreichor"});
  ASSERT_FALSE(s.ok());
  EXPECT_CONTAINS(s.message(), "provision the environment first");
  EXPECT_EQ(OtherRoles(), roles);
}

TEST_F(ProvisionEnvTest, ProvisioningAgainChangesOnlyThePasswords) {
  const std::string log_id =
      Superuser("SELECT encode(log_id, 'hex') FROM dreichor.audit_log_meta", dev_.database);
  ASSERT_TRUE(testing::RunProvisioning(*pg_, kSqlDir, dev_.env, "rotated-migrator-password-1",
                                       "rotated-runtime-password-1")
                  .ok());
  EXPECT_FALSE(PgConnection::Connect(dev_.runtime_url).ok()) << "the old password still works";
  auto rotated = PgConnection::Connect(testing::UserUrl(
      *pg_, dev_.database + "_runtime", "rotated-runtime-password-1", dev_.database));
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();
  auto same = rotated.value()->Exec("SELECT encode(log_id, 'hex') FROM dreichor.audit_log_meta");
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(same.value().rows[0][0], log_id) << "the database was kept";
  EXPECT_FALSE(PgConnection::Connect(testing::UserUrl(*pg_, dev_.database + "_runtime",
                                                      "rotated-runtime-password-1", prod_.database))
                   .ok())
      << "a second run opened no door to the other environment";
}

TEST_F(ProvisionEnvTest, ProvisioningRefusesABadEnvironmentOrPasswordAndMakesNothing) {
  const std::string roles = OtherRoles();
  const std::string fresh = "fresh_" + std::to_string(getpid());
  const std::string good = "a-good-long-password-1", other = "another-long-password-2";
  struct Case {
    std::string env, migrator, runtime, complaint;
  };
  for (const Case& c :
       std::vector<Case>{{"Prod", good, other, "must be lower-case"},
                         {"dev\"; DROP DATABASE postgres; --", good, other, "must be lower-case"},
                         {"", good, other, "must be lower-case"},
                         {fresh, "short", other, "at least 16"},
                         {fresh, good, good, "must differ"}}) {
    const Status s = testing::RunProvisioning(*pg_, kSqlDir, c.env, c.migrator, c.runtime);
    ASSERT_FALSE(s.ok()) << c.env;
    EXPECT_CONTAINS(s.message(), c.complaint);
  }
  EXPECT_EQ(OtherRoles(), roles);
  EXPECT_EQ(Superuser("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'dreichor\\_Prod\\_%' "
                      "OR rolname LIKE '%" +
                      fresh + "%' OR rolname LIKE 'dreichor\\_\\_%'"),
            "0");
  EXPECT_EQ(Superuser("SELECT count(*) FROM pg_database WHERE datname LIKE '%" + fresh +
                      "%' OR datname LIKE 'dreichor\\_Prod%' OR datname = 'dreichor_'"),
            "0");
  EXPECT_EQ(Superuser("SELECT count(*) FROM pg_database WHERE datname = 'postgres'"), "1");
}

TEST_F(ProvisionEnvTest, ANewMigrationAppliesAsTheMigrationRoleWhileTheRuntimeAppends) {
  audit::PostgresLogOptions options;
  options.schema = "dreichor";
  auto log = audit::PostgresLog::Open(dev_.runtime_url, options);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_TRUE(log.value()->Append(audit::TestBatch(1, 3)).ok());

  TempDir dir;
  fs::copy(kMigrations, dir.path(), fs::copy_options::recursive);
  // The version after the repository's last migration.
  size_t existing = 0;
  for (const auto& e : fs::directory_iterator(kMigrations))
    existing += e.path().extension() == ".sql";
  char name[64];
  std::snprintf(name, sizeof(name), "%04zu_expand_audit_by_time.sql", existing + 1);
  std::ofstream(dir.Sub(name))
      << "CREATE INDEX audit_events_by_time ON audit_events (timestamp_ns);\n"
         "CREATE TABLE audit_notes (sequence bigint PRIMARY KEY, note text NOT NULL);\n";
  ASSERT_TRUE(testing::MigrateTestEnvironment(dev_, dir.path(), {"dreichor"}).ok());

  ASSERT_TRUE(log.value()->Append(audit::TestBatch(4, 2)).ok()) << "the runtime kept going";
  EXPECT_EQ(log.value()->last_sequence(), 5u);
  auto runtime = Connect(dev_.runtime_url);
  ASSERT_NE(runtime, nullptr);
  EXPECT_CONTAINS(Refusal(runtime.get(), "SELECT * FROM dreichor.audit_notes"),
                  "permission denied");
  EXPECT_EQ(
      Superuser("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_notes'", dev_.database),
      dev_.database + "_migrator");
}

}  // namespace
}  // namespace dreichor::migrate
