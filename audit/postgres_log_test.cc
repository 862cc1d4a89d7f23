// The PostgreSQL audit backend against a real server started by the test: the shared
// conformance suite, append-only enforced by the database, the runtime role's rights, and one
// runtime per log.
#include "audit/postgres_log.h"

#include "audit/audit_log_conformance.h"
#include "testing/test_database.h"

namespace dreichor::audit {
namespace {

std::string MigratedDatabase(const std::vector<std::string>& schemas) {
  return testing::MigratedTestDatabase(std::string(DREICHOR_SOURCE_DIR) + "/infra/db/migrations",
                                       schemas);
}

class PostgresBackend {
 public:
  PostgresBackend() : url_(MigratedDatabase({"audit", "other"})) {}
  std::unique_ptr<AuditLog> Open() { return OpenSchema("audit"); }
  std::unique_ptr<AuditLog> OpenOther() { return OpenSchema("other"); }

 private:
  std::unique_ptr<AuditLog> OpenSchema(const std::string& schema) {
    PostgresLogOptions options;
    options.schema = schema;
    auto log = PostgresLog::Open(url_, options);
    EXPECT_TRUE(log.ok()) << log.status().ToString();
    return log.ok() ? std::unique_ptr<AuditLog>(std::move(log).value()) : nullptr;
  }
  std::string url_;
};

INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, AuditLogConformance, PostgresBackend);

class PostgresLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = testing::MigratedTestEnvironment(
        std::string(DREICHOR_SOURCE_DIR) + "/infra/db/migrations", {"audit"});
    url_ = env_.admin_url;
    ASSERT_FALSE(url_.empty());
    PostgresLogOptions options;
    options.schema = "audit";
    auto log = PostgresLog::Open(url_, options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    ASSERT_TRUE(log_->Append(TestBatch(1, 5)).ok());
    auto conn = PgConnection::Connect(url_);
    ASSERT_TRUE(conn.ok());
    conn_ = std::move(conn).value();
  }
  testing::TestEnvironment env_;
  std::string url_;  // the superuser's
  std::unique_ptr<PostgresLog> log_;
  std::unique_ptr<PgConnection> conn_;
};

TEST_F(PostgresLogTest, TheDatabaseRefusesUpdateDeleteAndTruncateEvenToTheOwner) {
  for (const char* sql :
       {"UPDATE audit.audit_events SET type = 9 WHERE sequence = 1",
        "DELETE FROM audit.audit_events WHERE sequence = 5", "TRUNCATE audit.audit_events",
        "UPDATE audit.audit_log_meta SET created_at_ns = 0"}) {
    auto r = conn_->Exec(sql);
    ASSERT_FALSE(r.ok()) << sql;
    EXPECT_NE(r.status().message().find("append-only"), std::string::npos) << r.status().message();
  }
  auto count = conn_->Exec("SELECT count(*) FROM audit.audit_events");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count.value().rows[0][0], "5");
}

TEST_F(PostgresLogTest, TheRuntimeRoleMayOnlySelectAndInsert) {
  auto runtime = PgConnection::Connect(env_.runtime_url);
  ASSERT_TRUE(runtime.ok()) << runtime.status().ToString();
  EXPECT_TRUE(runtime.value()->Exec("SELECT count(*) FROM audit.audit_events").ok());
  for (const char* sql : {"DROP TABLE audit.audit_events", "UPDATE audit.audit_events SET type = 1",
                          "DELETE FROM audit.audit_events", "TRUNCATE audit.audit_events",
                          "INSERT INTO audit.audit_log_meta (log_id, created_at_ns) VALUES "
                          "('\\x00000000000000000000000000000000', 0)",
                          "ALTER TABLE audit.audit_events ADD COLUMN x int"}) {
    auto refused = runtime.value()->Exec(sql);
    ASSERT_FALSE(refused.ok()) << sql;
    const std::string& m = refused.status().message();
    EXPECT_TRUE(m.find("permission denied") != std::string::npos ||
                m.find("must be owner") != std::string::npos)
        << sql << ": " << m;
  }
  // And the runtime's own append path works under that role.
  log_.reset();
  PostgresLogOptions options;
  options.schema = "audit";
  auto as_runtime = PostgresLog::Open(env_.runtime_url, options);
  ASSERT_TRUE(as_runtime.ok()) << as_runtime.status().ToString();
  EXPECT_TRUE(as_runtime.value()->Append(TestBatch(6, 3)).ok());
  EXPECT_EQ(as_runtime.value()->last_sequence(), 8u);
}

TEST_F(PostgresLogTest, ASecondRuntimeOnTheSameLogRefuses) {
  PostgresLogOptions options;
  options.schema = "audit";
  options.lock_wait = std::chrono::milliseconds(200);
  auto second = PostgresLog::Open(url_, options);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("locked by another runtime"), std::string::npos);
  options.lock = false;  // read-only tools may look beside it
  EXPECT_TRUE(PostgresLog::Open(url_, options).ok());
}

// A batch the server refuses part-way (here: a row another session slipped in at sequence 8)
// commits nothing of it, and the log accepts nothing after, as after any failed append.
TEST_F(PostgresLogTest, ABatchRefusedPartWayCommitsNothingAndTheLogStopsAppending) {
  ASSERT_TRUE(conn_
                  ->Exec("INSERT INTO audit.audit_events SELECT 8, timestamp_ns, event_id, type, "
                         "payload, chain_hash FROM audit.audit_events WHERE sequence = 5")
                  .ok());
  const Status refused = log_->Append(TestBatch(6, 5));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("postgres append failed"), std::string::npos);
  EXPECT_NE(refused.message().find("duplicate key"), std::string::npos) << refused.message();
  auto present = conn_->Exec("SELECT count(*) FROM audit.audit_events WHERE sequence IN (6, 7)");
  ASSERT_TRUE(present.ok());
  EXPECT_EQ(present.value().rows[0][0], "0") << "nothing of the batch was committed";
  EXPECT_FALSE(log_->Append(TestBatch(6, 1)).ok()) << "a failed append is final";
}

// A long range is streamed in one COPY, row by row; a reader abandoned half-way closes (its COPY
// drained) and the log carries on.
TEST_F(PostgresLogTest, AReaderStreamsLongRangesAndMayStopEarly) {
  for (uint64_t s = 6; s <= 20'000; s += 1000) {
    ASSERT_TRUE(log_->Append(TestBatch(s, std::min<uint64_t>(1000, 20'001 - s))).ok());
  }
  auto reader = log_->ReadFrom(3);
  ASSERT_TRUE(reader.ok());
  Record r;
  uint64_t expected = 3;
  while (true) {
    auto more = reader.value()->Next(&r);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!more.value()) break;
    ASSERT_EQ(r.sequence, expected++);
  }
  EXPECT_EQ(expected, 20'001u);
  auto partial = log_->ReadFrom(100);
  ASSERT_TRUE(partial.ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(partial.value()->Next(&r).value());
  partial.value().reset();  // abandoned with most of the COPY still to come
  EXPECT_TRUE(log_->Append(TestBatch(20'001, 1)).ok());
}

// The epoch check (infra/db/REPLICATION.md): a log is at epoch 1 until a failover records the
// next; a runtime expecting another epoch, or a newest epoch that does not continue the server's
// own chain, is refused; the runtime role cannot record an epoch.
TEST_F(PostgresLogTest, AnotherEpochOrOneThatBreaksTheChainIsRefused) {
  const auto open = [&](uint32_t expected) {
    log_.reset();
    PostgresLogOptions options;
    options.schema = "audit";
    options.expected_epoch = expected;
    return PostgresLog::Open(url_, options);
  };
  auto first = open(1);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first.value()->epoch(), 1u);
  first.value().reset();

  auto runtime = PgConnection::Connect(env_.runtime_url);
  ASSERT_TRUE(runtime.ok());
  auto refused = runtime.value()->Exec(
      "INSERT INTO audit.audit_log_epochs SELECT 2, 5, chain_hash, 0, 'x' FROM "
      "audit.audit_events WHERE sequence = 5");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("permission denied"), std::string::npos);

  ASSERT_TRUE(conn_
                  ->Exec("INSERT INTO audit.audit_log_epochs SELECT 2, 5, chain_hash, 0, "
                         "'failover test' FROM audit.audit_events WHERE sequence = 5")
                  .ok());
  auto second = open(2);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second.value()->epoch(), 2u);
  second.value().reset();
  auto behind = open(1);
  ASSERT_FALSE(behind.ok());
  EXPECT_NE(behind.status().message().find("a failover happened that the runtime's "
                                           "configuration does not know"),
            std::string::npos)
      << behind.status().message();
  auto ahead = open(3);
  ASSERT_FALSE(ahead.ok());
  EXPECT_NE(ahead.status().message().find("is at epoch 2, the runtime expects epoch 3"),
            std::string::npos);

  // An epoch recorded with a chain this server does not have: a forked log.
  ASSERT_TRUE(conn_
                  ->Exec("INSERT INTO audit.audit_log_epochs SELECT 3, 4, chain_hash, 0, "
                         "'forked' FROM audit.audit_events WHERE sequence = 5")
                  .ok());
  auto forked = open(3);
  ASSERT_FALSE(forked.ok());
  EXPECT_EQ(forked.status().code(), StatusCode::kCorruption);
  EXPECT_NE(forked.status().message().find("does not continue this server's chain at record 4"),
            std::string::npos)
      << forked.status().message();
  auto epochs = conn_->Exec("DELETE FROM audit.audit_log_epochs");
  EXPECT_FALSE(epochs.ok()) << "epochs are append-only";
}

TEST_F(PostgresLogTest, DescribeNeverShowsThePassword) {
  PostgresLogOptions options;
  options.schema = "audit";
  options.lock = false;
  const std::string with_password = url_.substr(0, url_.find("postgres@")) +
                                    "postgres:not-the-password@" +
                                    url_.substr(url_.find("postgres@") + 9);
  auto log = PostgresLog::Open(with_password, options);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  EXPECT_EQ(log.value()->Describe().find("not-the-password"), std::string::npos);
}

}  // namespace
}  // namespace dreichor::audit
