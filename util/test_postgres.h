// TestPostgres: a real PostgreSQL server for tests, in a temporary directory on a free loopback
// port, started with initdb and pg_ctl and stopped (immediately) when destroyed. Trust
// authentication for the superuser "postgres" on 127.0.0.1 only; fsync off (test data) unless
// `durable` (benchmarks measure real commits).
// As root, the server runs as the "postgres" system user (PostgreSQL refuses to run as root).
#pragma once

#include <glob.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "util/status.h"
#include "util/temp_dir.h"
#include "util/test_ports.h"

namespace dreichor {

class TestPostgres {
 public:
  static Result<std::unique_ptr<TestPostgres>> Start(bool durable = false) {
    auto pg = std::unique_ptr<TestPostgres>(new TestPostgres());
    pg->durable_ = durable;
    if (Status s = pg->Init(); !s.ok()) return s;
    return pg;
  }
  ~TestPostgres() {
    if (started_) Run(bin_ + "/pg_ctl -D " + data_ + " -m immediate stop >/dev/null 2>&1");
  }

  uint16_t port() const { return port_; }
  // A libpq URL for `database` as the superuser.
  std::string Url(const std::string& database = "postgres") const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }
  // The server's log, for failure messages.
  std::string Log() const {
    std::string out;
    FILE* f = fopen((dir_.path() + "/server.log").c_str(), "r");
    if (f == nullptr) return out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
    fclose(f);
    return out;
  }

 private:
  TestPostgres() = default;

  int Run(const std::string& command) const {
    const std::string full =
        as_postgres_ ? "runuser -u postgres -- sh -c '" + command + "'" : command;
    return std::system(full.c_str());
  }

  Status Init() {
    glob_t g;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &g) != 0 || g.gl_pathc == 0) {
      return Status::NotFound("PostgreSQL server binaries not found under /usr/lib/postgresql");
    }
    bin_ = std::filesystem::path(g.gl_pathv[g.gl_pathc - 1]).parent_path();
    globfree(&g);
    as_postgres_ = geteuid() == 0;
    data_ = dir_.path() + "/data";
    chmod(dir_.path().c_str(), 0755);
    if (as_postgres_) {
      passwd* pw = getpwnam("postgres");
      if (pw == nullptr) return Status::NotFound("running as root, but there is no postgres user");
      if (chown(dir_.path().c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        return Status::IoError("cannot hand the test directory to the postgres user");
      }
    }
    if (Run(bin_ + "/initdb -D " + data_ + " -U postgres --auth=trust -E UTF8 --no-sync >" +
            dir_.path() + "/initdb.log 2>&1") != 0) {
      return Status::IoError("initdb failed; see " + dir_.path() + "/initdb.log");
    }
    for (int attempt = 0; attempt < 5 && !started_; ++attempt) {
      port_ = FreeLoopbackPort();
      const std::string options = "-p " + std::to_string(port_) + " -k " + dir_.path() +
                                  " -c listen_addresses=127.0.0.1" +
                                  (durable_ ? "" : " -c fsync=off");
      started_ = Run(bin_ + "/pg_ctl -D " + data_ + " -o \"" + options + "\" -l " + dir_.path() +
                     "/server.log -w -t 60 start >/dev/null 2>&1") == 0;
    }
    if (!started_) return Status::IoError("pg_ctl start failed:\n" + Log());
    return Status::Ok();
  }

  TempDir dir_;
  std::string bin_;
  std::string data_;
  uint16_t port_ = 0;
  bool as_postgres_ = false;
  bool started_ = false;
  bool durable_ = false;
};

// One server per process, started on first use and stopped at exit; null (with the reason
// printed to stderr) if it cannot start.
inline TestPostgres* SharedTestPostgres(bool durable = false) {
  static std::unique_ptr<TestPostgres> server = [durable]() -> std::unique_ptr<TestPostgres> {
    auto pg = TestPostgres::Start(durable);
    if (!pg.ok()) {
      fprintf(stderr, "test PostgreSQL: %s\n", pg.status().ToString().c_str());
      return nullptr;
    }
    return std::move(pg).value();
  }();
  return server.get();
}

}  // namespace dreichor
