// Failover of the PostgreSQL log, end to end on real servers (infra/db/REPLICATION.md): a primary
// with a synchronous standby made by pg_basebackup, the runtime under load over HTTP, the primary
// killed with SIGKILL mid-load, the standby promoted and recorded as epoch 2 with `dreichor audit
// failover`, the runtime started on it. Every acknowledged command is there, the chain verifies,
// the runtime's state hash is a full replay's; and a runtime pointed at the old primary (started
// again) is refused, as is one that does not know about the failover.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <thread>

#include "audit/postgres_log.h"
#include "audit/verify.h"
#include "service/exit_codes.h"
#include "testing/http_client.h"
#include "testing/runtime_process.h"
#include "testing/test_database.h"
#include "testing/test_replication.h"
#include "util/sha256.h"

namespace dreichor::service {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::RuntimeProcess;

constexpr char kToken[] = "failover-test-admin-token-0123456789abc";

struct Ack {
  uint64_t sequence;
  std::string event_id;
};

// Deposits from several clients until stopped; every 200 answer is kept.
class Load {
 public:
  Load(uint16_t port, int clients) {
    for (int c = 0; c < clients; ++c) threads_.emplace_back([this, port, c] { Run(port, c); });
  }
  ~Load() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  std::vector<Ack> acks() {
    std::lock_guard<std::mutex> lock(mu_);
    return acks_;
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return acks_.size();
  }

 private:
  void Run(uint16_t port, int client) {
    testing::TestHttpClient c("127.0.0.1", port, 5000);
    const std::vector<std::pair<std::string, std::string>> admin = {
        {"Authorization", std::string("Bearer ") + kToken}};
    for (int n = 1; !stop_; ++n) {
      const testing::TestResponse r =
          c.Post("/v1/admin/deposits",
                 R"({"account":)" + std::to_string(client + 1) + R"(,"asset":"USD","amount":)" +
                     std::to_string(n) + "}",
                 admin);
      if (r.status == 200) {
        const json j = json::parse(r.body);
        std::lock_guard<std::mutex> lock(mu_);
        acks_.push_back({j["sequence"], j["event_id"]});
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Ack> acks_;
  std::vector<std::thread> threads_;
};

std::string WithoutPassword(const std::string& url, std::string* password) {
  std::smatch m;
  // secretlint-disable-next-line
  const std::regex re("(postgresql://[^:]+):([^@]+)@");
  if (!std::regex_search(url, m, re)) return url;
  *password = m[2];
  return std::regex_replace(url, re, "$1@");
}

class FailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = TestReplicatedPostgres::Start(ReplicationMode::kSynchronous);
    ASSERT_TRUE(pair.ok()) << pair.status().ToString();
    pair_ = std::move(pair).value();
    auto env = testing::ProvisionTestEnvironment(pair_->primary(), "dev",
                                                 std::string(DREICHOR_SOURCE_DIR) + "/infra/db");
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    env_ = env.value();
    ASSERT_TRUE(testing::MigrateTestEnvironment(
                    env_, std::string(DREICHOR_SOURCE_DIR) + "/infra/db/migrations", {"dreichor"})
                    .ok());
  }
  // The same environment's URL on the server at `port`.
  static std::string OnPort(const std::string& url, uint16_t port) {
    return std::regex_replace(url, std::regex(R"(@127\.0\.0\.1:\d+/)"),
                              "@127.0.0.1:" + std::to_string(port) + "/");
  }
  std::unique_ptr<RuntimeProcess> Runtime(uint16_t db_port, int epoch) {
    config::EnvMap env = testing::LocalRuntimeEnv("dev", "127.0.0.1:0", dir_.path(), kToken);
    env.erase("DREICHOR_AUDIT_DIR");
    env.erase("DREICHOR_AUDIT_SEGMENT_BYTES");
    env.erase("DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND");
    env["DREICHOR_AUDIT_BACKEND"] = "postgres";
    env["DREICHOR_DATABASE_URL"] = OnPort(env_.runtime_url, db_port);
    env["DREICHOR_DATABASE_SCHEMA"] = "dreichor";
    env["DREICHOR_DATABASE_EPOCH"] = std::to_string(epoch);
    env["DREICHOR_SNAPSHOT_EVERY"] = "500";
    return std::make_unique<RuntimeProcess>(
        DREICHOR_RUNTIME_PATH, env, dir_.Sub("runtime-" + std::to_string(runs_++) + ".log"));
  }
  // Runs the CLI with PGPASSWORD set; its exit code, its output in *out.
  int Cli(const std::string& args, const std::string& password, std::string* out) {
    const std::string file = dir_.Sub("cli.out");
    const int rc = std::system(
        ("PGPASSWORD='" + password + "' " + DREICHOR_CLI_PATH + " " + args + " > " + file + " 2>&1")
            .c_str());
    std::ifstream in(file);
    *out = std::string(std::istreambuf_iterator<char>(in), {});
    return WEXITSTATUS(rc);
  }
  static std::string StateHash(const std::string& text) {
    std::smatch m;
    return std::regex_search(text, m, std::regex("state ([0-9a-f]{64})")) ? m[1].str() : "";
  }

  TempDir dir_;
  std::unique_ptr<TestReplicatedPostgres> pair_;
  testing::TestEnvironment env_;
  int runs_ = 0;
};

TEST_F(FailoverTest, APromotedStandbyHasEveryAcknowledgedCommandAndTheOldPrimaryIsRefused) {
  auto runtime = Runtime(pair_->primary().port, 1);
  const uint16_t port = runtime->WaitForPort(seconds(60));
  ASSERT_NE(port, 0) << runtime->Text();
  ASSERT_TRUE(runtime->WaitForLine(RuntimeProcess::Phase("ready", "ok"), seconds(60)))
      << runtime->Text();
  Load load(port, 4);
  for (int i = 0; i < 12'000 && load.count() < 1500; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GE(load.count(), 1500u) << "the load never got going:\n" << runtime->Text();
  ASSERT_TRUE(pair_->KillPrimary().ok());  // mid-load
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  load.Stop();
  runtime->Signal(SIGKILL);
  ASSERT_TRUE(runtime->Wait(seconds(30)).has_value());
  const std::vector<Ack> acks = load.acks();
  ASSERT_GE(acks.size(), 1500u);

  std::string migrator_password, runtime_password, out;
  const std::string migrator =
      OnPort(WithoutPassword(env_.migrator_url, &migrator_password), pair_->standby().port);
  EXPECT_EQ(Cli("audit failover --database-url " + migrator + " --note 'too early'",
                migrator_password, &out),
            1)
      << out;
  EXPECT_NE(out.find("still a standby"), std::string::npos) << out;
  ASSERT_TRUE(pair_->PromoteStandby().ok());
  ASSERT_EQ(Cli("audit failover --database-url " + migrator +
                    " --note 'primary lost in the failover test'",
                migrator_password, &out),
            0)
      << out;
  EXPECT_NE(out.find("DREICHOR_DATABASE_EPOCH=2"), std::string::npos) << out;

  // A runtime that does not know about the failover is refused by the promoted server.
  auto unaware = Runtime(pair_->standby().port, 1);
  EXPECT_EQ(unaware->Wait(seconds(60)), kExitSchema) << unaware->Text();
  EXPECT_NE(unaware->Text().find("a failover happened"), std::string::npos) << unaware->Text();

  runtime = Runtime(pair_->standby().port, 2);
  ASSERT_NE(runtime->WaitForPort(seconds(60)), 0) << runtime->Text();
  auto replayed = runtime->WaitForLine(
      [](const json& j) {
        return j.value("msg", "") == "phase" && j.value("phase", "") == "replay";
      },
      seconds(60));
  ASSERT_TRUE(replayed) << runtime->Text();
  ASSERT_TRUE(runtime->WaitForLine(RuntimeProcess::Phase("ready", "ok"), seconds(60)));

  // Every acknowledged command is on the promoted server, as it was acknowledged.
  audit::PostgresLogOptions options;
  options.schema = "dreichor";
  options.lock = false;
  auto log = audit::PostgresLog::Open(OnPort(env_.admin_url, pair_->standby().port), options);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  std::map<uint64_t, std::string> stored;
  auto reader = log.value()->ReadFrom(1);
  ASSERT_TRUE(reader.ok());
  audit::Record r;
  while (reader.value()->Next(&r).value()) stored[r.sequence] = ToHex(r.event_id.data(), 16);
  for (const Ack& ack : acks) {
    auto it = stored.find(ack.sequence);
    ASSERT_NE(it, stored.end()) << "acknowledged record " << ack.sequence << " was lost";
    std::string uuid = ack.event_id;
    std::erase(uuid, '-');
    EXPECT_EQ(it->second, uuid) << "at sequence " << ack.sequence;
  }
  EXPECT_TRUE(audit::VerifyLog(*log.value()).ok());
  const std::string runtime_url =
      OnPort(WithoutPassword(env_.runtime_url, &runtime_password), pair_->standby().port);
  ASSERT_EQ(Cli("replay --database-url " + runtime_url, runtime_password, &out), 0) << out;
  EXPECT_EQ(StateHash(out), (*replayed)["state_hash"].get<std::string>())
      << "the runtime's state is a full replay's";
  EXPECT_EQ((*replayed)["last_sequence"].get<uint64_t>(), stored.rbegin()->first);

  // The old primary, started again, is at epoch 1: a runtime of epoch 2 never writes to it.
  runtime->Signal(SIGTERM);
  ASSERT_TRUE(runtime->Wait(seconds(30)).has_value());
  ASSERT_TRUE(pair_->RestartOldPrimary().ok());
  auto stale = Runtime(pair_->primary().port, 2);
  EXPECT_EQ(stale->Wait(seconds(60)), kExitSchema) << stale->Text();
  EXPECT_NE(stale->Text().find("is at epoch 1, the runtime expects epoch 2"), std::string::npos)
      << stale->Text();
  EXPECT_NE(stale->Text().find("from before a failover"), std::string::npos);
}

}  // namespace
}  // namespace dreichor::service
