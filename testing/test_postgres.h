// Real PostgreSQL servers for tests, on a free loopback port, started with initdb and pg_ctl and
// stopped immediately. Trust authentication for the superuser "postgres" on 127.0.0.1 only, a
// password (SCRAM) for every other role;
// fsync off (test data) unless `durable` (benchmarks measure real commits). As root, the server
// runs as the "postgres" system user (PostgreSQL refuses to run as root).
//
// Three ways to get one:
//   SharedTestPostgres()            the server tests share: under ctest, the one the run's
//                                   fixture started (testing/CMakeLists.txt); when a test binary
//                                   runs by itself, one started for the process.
//   TestPostgres::Start()           a private server, stopped when the object goes.
//   StartDetachedPostgres(dir)      a server that outlives the process (the ctest fixture);
//                                   StopDetachedPostgres(dir) ends it.
//
//   const PostgresEndpoint* pg = SharedTestPostgres();
//   auto conn = PgConnection::Connect(pg->Url("postgres"));
#pragma once

#include <glob.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "testing/temp_dir.h"
#include "testing/test_ports.h"
#include "util/parse_number.h"
#include "util/status.h"

namespace dreichor {

// Where a test server listens.
struct PostgresEndpoint {
  uint16_t port = 0;
  // A libpq URL for `database` as the superuser.
  std::string Url(const std::string& database = "postgres") const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/" + database;
  }
};

namespace test_postgres_internal {

inline bool AsRoot() { return geteuid() == 0; }

inline int Run(const std::string& command) {
  const std::string full = AsRoot() ? "runuser -u postgres -- sh -c '" + command + "'" : command;
  return std::system(full.c_str());
}

inline Result<std::string> ServerBinaries() {
  glob_t g;
  if (glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &g) != 0 || g.gl_pathc == 0) {
    return Status::NotFound("PostgreSQL server binaries not found under /usr/lib/postgresql");
  }
  std::string bin = std::filesystem::path(g.gl_pathv[g.gl_pathc - 1]).parent_path();
  globfree(&g);
  return bin;
}

inline std::string ReadLog(const std::string& dir) {
  std::ifstream in(dir + "/server.log");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Where a server listens beyond 127.0.0.1, and whom it admits there: for containers on a bridge
// network of the test's own (never a public interface).
struct ContainerAccess {
  std::string address;  // the bridge's gateway address on this host, e.g. "10.231.3.1"
  std::string
      hba_rule;  // one pg_hba.conf line, e.g. "host dreichor_dev <roles> <subnet> scram-sha-256"
};

// initdb and start in `dir` (which must exist and be empty); the port it listens on.
inline Result<uint16_t> InitAndStart(const std::string& dir, bool durable,
                                     const ContainerAccess& containers = {}) {
  auto bin = ServerBinaries();
  if (!bin.ok()) return bin.status();
  chmod(dir.c_str(), 0755);
  if (AsRoot()) {
    passwd* pw = getpwnam("postgres");
    if (pw == nullptr) return Status::NotFound("running as root, but there is no postgres user");
    if (chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      return Status::IoError("cannot hand " + dir + " to the postgres user");
    }
  }
  const std::string data = dir + "/data";
  if (Run(bin.value() + "/initdb -D " + data + " -U postgres --auth=trust -E UTF8 --no-sync >" +
          dir + "/initdb.log 2>&1") != 0) {
    return Status::IoError("initdb failed; see " + dir + "/initdb.log");
  }
  // The superuser needs no password; every other role must give its own and may not reach the
  // server's own databases, as infra/db/README.md sets up a real server.
  std::ofstream(data + "/pg_hba.conf")
      << "local all postgres trust\n"
         "host all postgres 127.0.0.1/32 trust\n"
         "host postgres,template0,template1 all 127.0.0.1/32 reject\n"
         "host all all 127.0.0.1/32 scram-sha-256\n"
      << (containers.hba_rule.empty() ? "" : containers.hba_rule + "\n");
  const std::string listen =
      "127.0.0.1" + (containers.address.empty() ? "" : "," + containers.address);
  for (int attempt = 0; attempt < 5; ++attempt) {
    const uint16_t port = FreeLoopbackPort();
    const std::string options = "-p " + std::to_string(port) + " -k " + dir +
                                " -c listen_addresses=" + listen + (durable ? "" : " -c fsync=off");
    if (Run(bin.value() + "/pg_ctl -D " + data + " -o \"" + options + "\" -l " + dir +
            "/server.log -w -t 60 start >/dev/null 2>&1") == 0) {
      return port;
    }
  }
  return Status::IoError("pg_ctl start failed:\n" + ReadLog(dir));
}

inline void StopIn(const std::string& dir) {
  auto bin = ServerBinaries();
  if (bin.ok() && std::filesystem::exists(dir + "/data/postmaster.pid")) {
    Run(bin.value() + "/pg_ctl -D " + dir + "/data -m immediate stop >/dev/null 2>&1");
  }
}

}  // namespace test_postgres_internal

// A private server in a temporary directory, stopped when destroyed.
class TestPostgres {
 public:
  static Result<std::unique_ptr<TestPostgres>> Start(
      bool durable = false, const test_postgres_internal::ContainerAccess& containers = {}) {
    auto pg = std::unique_ptr<TestPostgres>(new TestPostgres());
    auto port = test_postgres_internal::InitAndStart(pg->dir_.path(), durable, containers);
    if (!port.ok()) return port.status();
    pg->endpoint_.port = port.value();
    return pg;
  }
  ~TestPostgres() { test_postgres_internal::StopIn(dir_.path()); }

  const PostgresEndpoint& endpoint() const { return endpoint_; }
  uint16_t port() const { return endpoint_.port; }
  std::string Url(const std::string& database = "postgres") const {
    return endpoint_.Url(database);
  }
  std::string Log() const { return test_postgres_internal::ReadLog(dir_.path()); }

 private:
  TestPostgres() = default;
  TempDir dir_;
  PostgresEndpoint endpoint_;
};

// Starts a server in `dir` that keeps running after this process ends, and writes its URL to
// `dir`/url. A server left in `dir` by an earlier, interrupted run is stopped first.
inline Result<std::string> StartDetachedPostgres(const std::string& dir) {
  test_postgres_internal::StopIn(dir);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir + ": " + ec.message());
  auto port = test_postgres_internal::InitAndStart(dir, /*durable=*/false);
  if (!port.ok()) return port.status();
  const std::string url = PostgresEndpoint{port.value()}.Url("");
  std::ofstream(dir + "/url") << url;
  return url;
}

inline void StopDetachedPostgres(const std::string& dir) {
  test_postgres_internal::StopIn(dir);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

// The server this process's tests share (see the header comment); null, with the reason on
// stderr, if there is none.
inline const PostgresEndpoint* SharedTestPostgres() {
  static std::unique_ptr<TestPostgres> own;
  static PostgresEndpoint endpoint = []() -> PostgresEndpoint {
    if (const char* file = std::getenv("DREICHOR_TEST_POSTGRES_URL_FILE")) {
      std::ifstream in(file);
      std::string url;
      std::getline(in, url);  // postgresql://postgres@127.0.0.1:PORT/
      const size_t colon = url.rfind(':'), slash = url.rfind('/');
      const auto port =
          colon != std::string::npos && slash > colon
              ? ParseDecimal(std::string_view(url).substr(colon + 1, slash - colon - 1))
              : std::nullopt;
      if (!port || *port == 0 || *port > 65535) {
        fprintf(stderr, "test PostgreSQL: no server URL in %s (is the ctest fixture running?)\n",
                file);
        return {};
      }
      return PostgresEndpoint{static_cast<uint16_t>(*port)};
    }
    auto pg = TestPostgres::Start();
    if (!pg.ok()) {
      fprintf(stderr, "test PostgreSQL: %s\n", pg.status().ToString().c_str());
      return {};
    }
    own = std::move(pg).value();
    return own->endpoint();
  }();
  return endpoint.port == 0 ? nullptr : &endpoint;
}

}  // namespace dreichor
