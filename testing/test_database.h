// Environments on the shared test server, provisioned exactly as on a real one: by
// infra/db/provision-env.sql (run with psql as the superuser), with the project's migrations
// applied as the environment's migration role. What tests and benchmarks of the postgres backend
// start from.
//
//   auto env = testing::ProvisionTestEnvironment(*pg, "dev_1", sql_dir);
//   ... env.value().runtime_url ...   // dreichor_dev_1_runtime, password and all
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "migrate/migrator.h"
#include "testing/temp_dir.h"
#include "testing/test_postgres.h"

namespace dreichor::testing {

// One provisioned environment: database dreichor_<env> and its roles.
struct TestEnvironment {
  std::string env;
  std::string database;      // dreichor_<env>
  std::string admin_url;     // the superuser, on that database
  std::string migrator_url;  // dreichor_<env>_migrator, with its password
  std::string runtime_url;   // dreichor_<env>_runtime, with its password
};

// The URL of `user` (with `password`) on `database` of `pg`.
inline std::string UserUrl(const PostgresEndpoint& pg, const std::string& user,
                           const std::string& password, const std::string& database) {
  return "postgresql://" + user + ":" + password + "@127.0.0.1:" + std::to_string(pg.port) + "/" +
         database;
}

// Test passwords: distinct per environment and role, URL-safe, never used outside test servers.
inline std::string TestPassword(const std::string& env, const std::string& role) {
  return "test-" + role + "-" + env + "-7f3a9c";
}

// Runs `sql_dir`/provision-env.sql as the superuser with these psql variables; psql's output is
// the error's message when it fails.
inline Status RunProvisioning(const PostgresEndpoint& pg, const std::string& sql_dir,
                              const std::string& env, const std::string& migrator_password,
                              const std::string& runtime_password) {
  TempDir scratch;
  const std::string log = scratch.path() + "/psql.log";
  const auto quoted = [](const std::string& s) { return "'" + s + "'"; };  // test values: no '
  const std::string command = "psql -X -q -v ON_ERROR_STOP=1 -v env=" + quoted(env) +
                              " -v migrator_password=" + quoted(migrator_password) +
                              " -v runtime_password=" + quoted(runtime_password) + " -d " +
                              pg.Url() + " -f " + sql_dir + "/provision-env.sql >" + log + " 2>&1";
  if (std::system(command.c_str()) == 0) return Status::Ok();
  std::ifstream in(log);
  return Status::IoError("provision-env.sql for " + env +
                         " failed: " + std::string(std::istreambuf_iterator<char>(in), {}));
}

// Provisions `env` with the test passwords (again: provisioning is idempotent).
inline Result<TestEnvironment> ProvisionTestEnvironment(const PostgresEndpoint& pg,
                                                        const std::string& env,
                                                        const std::string& sql_dir) {
  if (Status s = RunProvisioning(pg, sql_dir, env, TestPassword(env, "migrator"),
                                 TestPassword(env, "runtime"));
      !s.ok()) {
    return s;
  }
  TestEnvironment out;
  out.env = env;
  out.database = "dreichor_" + env;
  out.admin_url = pg.Url(out.database);
  out.migrator_url =
      UserUrl(pg, out.database + "_migrator", TestPassword(env, "migrator"), out.database);
  out.runtime_url =
      UserUrl(pg, out.database + "_runtime", TestPassword(env, "runtime"), out.database);
  return out;
}

// Applies every migration of `migrations_dir` to each of `schemas`, as the migration role.
inline Status MigrateTestEnvironment(const TestEnvironment& env, const std::string& migrations_dir,
                                     const std::vector<std::string>& schemas) {
  auto files = migrate::LoadMigrations(Env::Default(), migrations_dir);
  if (!files.ok()) return files.status();
  auto conn = PgConnection::Connect(env.migrator_url);
  if (!conn.ok()) return conn.status();
  migrate::Migrator m(conn.value().get(), &files.value());
  for (const std::string& schema : schemas) {
    if (auto applied = m.Apply(schema, false, false); !applied.ok()) return applied.status();
  }
  return Status::Ok();
}

// A fresh environment on the shared test server (or, if `durable`, on a server with fsync on,
// kept for the process: benchmarks measure real commits), provisioned and migrated. The
// environment, or the reason on stderr and an empty `env` on failure.
inline TestEnvironment MigratedTestEnvironment(const std::string& migrations_dir,
                                               const std::vector<std::string>& schemas,
                                               bool durable = false) {
  static int environments = 0;
  const PostgresEndpoint* pg = nullptr;
  if (durable) {
    static std::unique_ptr<TestPostgres> kept;
    if (kept == nullptr) {
      auto started = TestPostgres::Start(/*durable=*/true);
      if (!started.ok()) {
        fprintf(stderr, "test database: %s\n", started.status().ToString().c_str());
        return {};
      }
      kept = std::move(started).value();
    }
    pg = &kept->endpoint();
  } else {
    pg = SharedTestPostgres();
  }
  if (pg == nullptr) return {};
  const std::string env = "test_" + std::to_string(getpid()) + "_" + std::to_string(++environments);
  auto provisioned = ProvisionTestEnvironment(*pg, env, migrations_dir + "/..");
  Status s = provisioned.ok() ? MigrateTestEnvironment(provisioned.value(), migrations_dir, schemas)
                              : provisioned.status();
  if (!s.ok()) {
    fprintf(stderr, "test database: %s\n", s.ToString().c_str());
    return {};
  }
  return provisioned.value();
}

// The superuser's URL of a fresh migrated environment's database, or "" on failure.
inline std::string MigratedTestDatabase(const std::string& migrations_dir,
                                        const std::vector<std::string>& schemas,
                                        bool durable = false) {
  return MigratedTestEnvironment(migrations_dir, schemas, durable).admin_url;
}

}  // namespace dreichor::testing
