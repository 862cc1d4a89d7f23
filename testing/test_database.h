// A fresh database on the shared test server, with the project's migrations applied to the
// given schemas: what tests and benchmarks of the postgres backend start from.
#pragma once

#include <unistd.h>

#include <string>
#include <vector>

#include "migrate/migrator.h"
#include "testing/test_postgres.h"

namespace dreichor::testing {

// Returns the new database's URL, or "" (with the reason on stderr) on failure.
inline std::string MigratedTestDatabase(const std::string& migrations_dir,
                                        const std::vector<std::string>& schemas,
                                        bool durable = false) {
  static int databases = 0;
  const PostgresEndpoint* pg = nullptr;
  if (durable) {
    static std::unique_ptr<TestPostgres> kept;  // benchmarks measure real commits
    if (kept == nullptr) {
      auto started = TestPostgres::Start(/*durable=*/true);
      if (!started.ok()) {
        fprintf(stderr, "test database: %s\n", started.status().ToString().c_str());
        return "";
      }
      kept = std::move(started).value();
    }
    pg = &kept->endpoint();
  } else {
    pg = SharedTestPostgres();
  }
  if (pg == nullptr) return "";
  const std::string name = "test_" + std::to_string(getpid()) + "_" + std::to_string(++databases);
  auto fail = [](const Status& s) {
    fprintf(stderr, "test database: %s\n", s.ToString().c_str());
    return std::string();
  };
  auto admin = PgConnection::Connect(pg->Url());
  if (!admin.ok()) return fail(admin.status());
  if (auto made = admin.value()->Exec("CREATE DATABASE " + name); !made.ok()) {
    return fail(made.status());
  }
  auto files = migrate::LoadMigrations(Env::Default(), migrations_dir);
  if (!files.ok()) return fail(files.status());
  auto conn = PgConnection::Connect(pg->Url(name));
  if (!conn.ok()) return fail(conn.status());
  migrate::Migrator m(conn.value().get(), &files.value());
  for (const std::string& schema : schemas) {
    if (auto applied = m.Apply(schema, false, false); !applied.ok()) return fail(applied.status());
  }
  return pg->Url(name);
}

}  // namespace dreichor::testing
