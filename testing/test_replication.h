// A primary and a streaming standby on loopback, for tests and benchmarks of replication and
// failover (infra/db/REPLICATION.md): the primary made by initdb as in test_postgres.h (fsync
// on), the standby by pg_basebackup from it, both stopped when the object goes.
//
//   auto pair = TestReplicatedPostgres::Start(ReplicationMode::kSynchronous);
//   pair->primary().Url("dreichor_dev");    // where the runtime writes
//   pair->KillPrimary();                     // SIGKILL the server and every backend
//   pair->PromoteStandby();                  // pg_ctl promote
#pragma once

#include <signal.h>

#include <chrono>
#include <thread>

#include "testing/test_postgres.h"
#include "util/pg_connection.h"

namespace dreichor {

enum class ReplicationMode {
  kSynchronous,   // synchronous_standby_names names the standby: a commit waits for its flush
  kAsynchronous,  // the standby streams, the primary does not wait
  kNone,          // no standby at all
};

class TestReplicatedPostgres {
 public:
  static Result<std::unique_ptr<TestReplicatedPostgres>> Start(ReplicationMode mode) {
    using namespace test_postgres_internal;
    std::unique_ptr<TestReplicatedPostgres> pair(new TestReplicatedPostgres());
    chmod(pair->dir_.path().c_str(), 0755);  // the servers run as the postgres user
    const std::string primary_dir = pair->dir_.Sub("primary");
    std::filesystem::create_directories(primary_dir);
    auto port = InitAndStart(primary_dir, /*durable=*/true);
    if (!port.ok()) return port.status();
    pair->primary_.port = port.value();
    if (mode == ReplicationMode::kNone) return pair;
    // Replication connections for the superuser from loopback only.
    std::ofstream(primary_dir + "/data/pg_hba.conf", std::ios::app)
        << "host replication postgres 127.0.0.1/32 trust\n";
    if (Status s = pair->OnPrimary("SELECT pg_reload_conf()"); !s.ok()) return s;
    if (Status s = pair->StartStandby(); !s.ok()) return s;
    if (mode == ReplicationMode::kSynchronous) {
      if (Status s = pair->OnPrimary("ALTER SYSTEM SET synchronous_standby_names = 'standby1'");
          !s.ok()) {
        return s;
      }
      if (Status s = pair->OnPrimary("SELECT pg_reload_conf()"); !s.ok()) return s;
    }
    if (Status s = pair->WaitForStandby(mode == ReplicationMode::kSynchronous ? "sync" : "async");
        !s.ok()) {
      return s;
    }
    return pair;
  }

  ~TestReplicatedPostgres() {
    test_postgres_internal::StopIn(dir_.Sub("primary"));
    test_postgres_internal::StopIn(dir_.Sub("standby"));
  }

  const PostgresEndpoint& primary() const { return primary_; }
  const PostgresEndpoint& standby() const { return standby_; }

  // SIGKILL to the primary's postmaster and every process it started: the server is gone at
  // once, as when its machine dies.
  Status KillPrimary() {
    std::ifstream pid_file(dir_.Sub("primary") + "/data/postmaster.pid");
    pid_t pid = 0;
    if (!(pid_file >> pid) || pid <= 0) return Status::NotFound("no primary postmaster.pid");
    std::system(("pkill -KILL -P " + std::to_string(pid)).c_str());
    if (kill(pid, SIGKILL) != 0) return Status::IoError("cannot kill the primary");
    for (int i = 0; i < 200 && kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return Status::Ok();
  }

  // Makes the standby a primary of its own and waits until it accepts writes.
  Status PromoteStandby() {
    auto bin = test_postgres_internal::ServerBinaries();
    if (!bin.ok()) return bin.status();
    if (test_postgres_internal::Run(bin.value() + "/pg_ctl -D " + dir_.Sub("standby") +
                                    "/data -w -t 60 promote >/dev/null 2>&1") != 0) {
      return Status::IoError("pg_ctl promote failed");
    }
    return Status::Ok();
  }

  // Starts the killed primary again, as the server of its own it is after a failover.
  Status RestartOldPrimary() {
    auto bin = test_postgres_internal::ServerBinaries();
    if (!bin.ok()) return bin.status();
    const std::string dir = dir_.Sub("primary");
    std::filesystem::remove(dir + "/data/postmaster.pid");
    const std::string options = "-p " + std::to_string(primary_.port) + " -k " + dir +
                                " -c listen_addresses=127.0.0.1 -c synchronous_standby_names=''";
    if (test_postgres_internal::Run(bin.value() + "/pg_ctl -D " + dir + "/data -o \"" + options +
                                    "\" -l " + dir +
                                    "/server.log -w -t 60 start >/dev/null 2>&1") != 0) {
      return Status::IoError("the old primary did not start:\n" +
                             test_postgres_internal::ReadLog(dir));
    }
    return Status::Ok();
  }

 private:
  TestReplicatedPostgres() = default;

  Status OnPrimary(const std::string& sql) {
    auto conn = PgConnection::Connect(primary_.Url());
    if (!conn.ok()) return conn.status();
    auto r = conn.value()->Exec(sql);
    return r.ok() ? Status::Ok() : r.status();
  }

  Status StartStandby() {
    using namespace test_postgres_internal;
    auto bin = ServerBinaries();
    if (!bin.ok()) return bin.status();
    const std::string dir = dir_.Sub("standby");
    std::filesystem::create_directories(dir);
    chmod(dir.c_str(), 0755);
    if (AsRoot()) {
      passwd* pw = getpwnam("postgres");
      if (pw == nullptr || chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        return Status::IoError("cannot hand " + dir + " to the postgres user");
      }
    }
    if (Run(bin.value() + "/pg_basebackup -h 127.0.0.1 -p " + std::to_string(primary_.port) +
            " -U postgres -D " + dir + "/data -R -X stream -c fast >" + dir +
            "/basebackup.log 2>&1") != 0) {
      return Status::IoError("pg_basebackup failed; see " + dir + "/basebackup.log");
    }
    // The standby reports itself as "standby1": the name synchronous_standby_names waits for.
    std::ofstream(dir + "/data/postgresql.conf", std::ios::app) << "cluster_name = 'standby1'\n";
    for (int attempt = 0; attempt < 5; ++attempt) {
      standby_.port = FreeLoopbackPort();
      const std::string options =
          "-p " + std::to_string(standby_.port) + " -k " + dir + " -c listen_addresses=127.0.0.1";
      if (Run(bin.value() + "/pg_ctl -D " + dir + "/data -o \"" + options + "\" -l " + dir +
              "/server.log -w -t 60 start >/dev/null 2>&1") == 0) {
        return Status::Ok();
      }
    }
    return Status::IoError("the standby did not start:\n" + ReadLog(dir));
  }

  // Waits until the primary reports the standby streaming with `sync_state`.
  Status WaitForStandby(const std::string& sync_state) {
    auto conn = PgConnection::Connect(primary_.Url());
    if (!conn.ok()) return conn.status();
    for (int i = 0; i < 600; ++i) {
      auto r = conn.value()->Exec(
          "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1' AND "
          "state = 'streaming'");
      if (r.ok() && !r.value().rows.empty() && r.value().rows[0][0] == sync_state) {
        return Status::Ok();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Status::IoError("the standby never became a " + sync_state + " standby");
  }

  TempDir dir_;
  PostgresEndpoint primary_;
  PostgresEndpoint standby_;
};

}  // namespace dreichor
