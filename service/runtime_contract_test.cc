// Contract tests of the real dreichor-runtime binary: the startup phases and their exit codes,
// readiness during replay, one runtime per volume, graceful and abrupt stops under HTTP load
// losing no acknowledged command, the metrics format, and the subcommands.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <regex>
#include <thread>

#include "audit/file_log.h"
#include "http/reply.h"
#include "http/server.h"
#include "service/exit_codes.h"
#include "service/required_schema.h"
#include "snapshot/snapshot_store.h"
#include "testing/audit_records.h"
#include "testing/commands.h"
#include "testing/http_client.h"
#include "testing/runtime_process.h"
#include "testing/temp_dir.h"
#include "testing/test_database.h"

namespace dreichor::service {
namespace {

using runtime::RecordsForSequences;
using runtime::ReferenceEngine;

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::RuntimeProcess;

constexpr char kToken[] = "contract-test-admin-token-0123456789";
const auto kPatience = seconds(60);  // generous: sanitizer builds are slow

class RuntimeContractTest : public ::testing::Test {
 protected:
  config::EnvMap Env() const {
    return testing::LocalRuntimeEnv("dev", "127.0.0.1:0", dir_.path(), kToken);
  }
  std::unique_ptr<RuntimeProcess> Start(const config::EnvMap& env) {
    return std::make_unique<RuntimeProcess>(DREICHOR_RUNTIME_PATH, env,
                                            dir_.Sub("run-" + std::to_string(runs_++) + ".log"));
  }
  // Starts with Env() and waits until ready; returns the port.
  std::unique_ptr<RuntimeProcess> StartReady(uint16_t* port) {
    auto p = Start(Env());
    *port = p->WaitForPort(kPatience);
    EXPECT_NE(*port, 0) << p->Text();
    EXPECT_TRUE(p->WaitForLine(RuntimeProcess::Phase("ready", "ok"), kPatience)) << p->Text();
    return p;
  }
  static std::optional<json> FailedPhase(RuntimeProcess& p) {
    return p.WaitForLine(
        [](const json& j) { return j.value("msg", "") == "phase" && j["outcome"] == "failed"; },
        kPatience);
  }
  void Seed(uint16_t port) {
    testing::TestHttpClient c("127.0.0.1", port);
    const std::vector<std::pair<std::string, std::string>> admin = {
        {"Authorization", std::string("Bearer ") + kToken}};
    ASSERT_EQ(c.Post("/v1/admin/markets", R"({"market":1,"symbol":"BTC-USD","base_asset":"BTC",
        "quote_asset":"USD","tick_size":1,"lot_size":1,"min_quantity":1,"max_quantity":1000000,
        "maker_fee_bps":1,"taker_fee_bps":2})",
                     admin)
                  .status,
              200);
    for (int account = 1; account <= 4; ++account) {
      for (const char* asset : {"USD", "BTC"}) {
        ASSERT_EQ(c.Post("/v1/admin/deposits",
                         R"({"account":)" + std::to_string(account) + R"(,"asset":")" + asset +
                             R"(","amount":1000000000000})",
                         admin)
                      .status,
                  200);
      }
    }
  }

  struct Ack {
    uint64_t sequence;
    std::string event_id;
    uint64_t client_order_id;
  };
  // Clients placing orders as fast as answers come, until `stop`; every 200 is recorded.
  class Load {
   public:
    Load(uint16_t port, int clients) {
      for (int i = 0; i < clients; ++i) {
        threads_.emplace_back([this, port, i] { Run(port, i); });
      }
    }
    void Stop() {
      stop_ = true;
      for (auto& t : threads_) t.join();
      threads_.clear();
    }
    ~Load() {
      if (!threads_.empty()) Stop();
    }
    std::vector<Ack> acks() {
      std::lock_guard<std::mutex> g(mu_);
      return acks_;
    }
    size_t count() {
      std::lock_guard<std::mutex> g(mu_);
      return acks_.size();
    }

   private:
    void Run(uint16_t port, int client) {
      testing::TestHttpClient c("127.0.0.1", port, 5000);
      for (uint64_t n = 1; !stop_; ++n) {
        const uint64_t cid = static_cast<uint64_t>(client) * 1'000'000'000 + n;
        const int account = client % 4 + 1;
        const bool buy = n % 2 == 0;
        const std::string body = R"({"account":)" + std::to_string(account) +
                                 R"(,"market":1,"side":")" + (buy ? "buy" : "sell") +
                                 R"(","kind":"ioc","price":)" + (buy ? "101" : "99") +
                                 R"(,"quantity":1,"client_order_id":)" + std::to_string(cid) + "}";
        testing::TestResponse r = c.Post("/v1/orders", body);
        if (r.status == 200) {
          json j = json::parse(r.body);
          std::lock_guard<std::mutex> g(mu_);
          acks_.push_back(Ack{j["sequence"], j["event_id"], cid});
        } else if (r.status == 0) {
          std::this_thread::sleep_for(milliseconds(2));  // the runtime is gone: keep trying
        }
      }
    }
    std::atomic<bool> stop_{false};
    std::vector<std::thread> threads_;
    std::mutex mu_;
    std::vector<Ack> acks_;
  };

  // After a restart: every acknowledged command is in the log, at its sequence, with its id.
  void ExpectEveryAckDurable(uint16_t port, const std::vector<Ack>& acks) {
    testing::TestHttpClient c("127.0.0.1", port);
    std::map<uint64_t, json> records;
    uint64_t from = 1;
    for (;;) {
      json page =
          json::parse(c.Get("/v1/audit/records?limit=1000&from=" + std::to_string(from)).body);
      if (page["records"].empty()) break;
      for (const json& r : page["records"]) records[r["sequence"]] = r;
      from = page["records"].back()["sequence"].get<uint64_t>() + 1;
    }
    for (const Ack& a : acks) {
      auto it = records.find(a.sequence);
      ASSERT_NE(it, records.end()) << "acknowledged sequence " << a.sequence << " is missing";
      EXPECT_EQ(it->second["event_id"], a.event_id);
      EXPECT_EQ(it->second["command"]["client_order_id"], a.client_order_id);
    }
  }

  TempDir dir_;
  int runs_ = 0;
};

TEST_F(RuntimeContractTest, ConfigurationReportsEveryProblemAndNoSecret) {
  config::EnvMap env = Env();
  env.erase("DREICHOR_SNAPSHOT_DIR");
  env["DREICHOR_MAX_CONNECTIONS"] = "many";
  env["DREICHOR_ADMIN_TOKEN"] = "short-secret-value";
  env["DREICHOR_COLOUR"] = "blue";
  auto p = Start(env);
  ASSERT_EQ(p->Wait(kPatience), kExitConfiguration) << p->Text();
  auto failed = FailedPhase(*p);
  ASSERT_TRUE(failed);
  EXPECT_EQ((*failed)["phase"], "configuration");
  std::set<std::string> vars;
  for (const json& j : p->Lines()) {
    if (j.value("msg", "") == "configuration problem") vars.insert(j["var"]);
  }
  EXPECT_EQ(vars, (std::set<std::string>{"DREICHOR_ADMIN_TOKEN", "DREICHOR_COLOUR",
                                         "DREICHOR_MAX_CONNECTIONS", "DREICHOR_SNAPSHOT_DIR"}));
  EXPECT_EQ(p->Text().find("short-secret-value"), std::string::npos);
}

TEST_F(RuntimeContractTest, SecretsAreRedactedInTheConfigurationLine) {
  uint16_t port;
  auto p = StartReady(&port);
  auto line = p->WaitForLine(RuntimeProcess::Phase("configuration", "ok"), kPatience);
  ASSERT_TRUE(line);
  EXPECT_EQ((*line)["config"]["DREICHOR_ADMIN_TOKEN"], "<redacted>");
  EXPECT_EQ(p->Text().find(kToken), std::string::npos);
}

TEST_F(RuntimeContractTest, UnwritableAuditDirectoryFailsPersistence) {
  std::ofstream(dir_.Sub("a-file")) << "x";
  config::EnvMap env = Env();
  env["DREICHOR_AUDIT_DIR"] = dir_.Sub("a-file/audit");
  auto p = Start(env);
  ASSERT_EQ(p->Wait(kPatience), kExitPersistence) << p->Text();
  auto failed = FailedPhase(*p);
  ASSERT_TRUE(failed);
  EXPECT_EQ((*failed)["phase"], "persistence");
  EXPECT_NE((*failed)["reason"].get<std::string>().find("a-file/audit"), std::string::npos);
}

TEST_F(RuntimeContractTest, UnwritableSnapshotDirectoryFailsPersistence) {
  std::ofstream(dir_.Sub("a-file")) << "x";
  config::EnvMap env = Env();
  env["DREICHOR_SNAPSHOT_DIR"] = dir_.Sub("a-file/snapshots");
  auto p = Start(env);
  ASSERT_EQ(p->Wait(kPatience), kExitPersistence) << p->Text();
  EXPECT_NE((*FailedPhase(*p))["reason"].get<std::string>().find("snapshot directory"),
            std::string::npos);
}

TEST_F(RuntimeContractTest, ASecondRuntimeOnTheSameVolumeRefuses) {
  uint16_t port;
  auto first = StartReady(&port);
  auto second = Start(Env());
  ASSERT_EQ(second->Wait(kPatience), kExitPersistence) << second->Text();
  const std::string reason = (*FailedPhase(*second))["reason"];
  EXPECT_NE(reason.find("lock"), std::string::npos) << reason;
  testing::TestHttpClient c("127.0.0.1", port);
  EXPECT_EQ(c.Get("/health/ready").status, 200) << "the first runtime is unaffected";
}

TEST_F(RuntimeContractTest, CorruptionBeforeTheTailFailsReplayAndNamesThePlace) {
  {
    audit::FileLogOptions options;
    options.segment_bytes = 1 << 16;
    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(Env::Default(), dir_.Sub("audit-events"), options, &report);
    ASSERT_TRUE(log.ok());
    for (uint64_t s = 1; s <= 3000; s += 100) {  // segments seal between batches
      ASSERT_TRUE(log.value()->Append(RecordsForSequences(s, 100)).ok());
    }
  }
  auto segments = audit::SegmentFiles(dir_.Sub("audit-events"));
  ASSERT_GE(segments.size(), 2u);
  {
    std::fstream f(segments[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4000);
    f.put('\x5a');
  }
  config::EnvMap env = Env();
  env["DREICHOR_AUDIT_SEGMENT_BYTES"] = "65536";
  auto p = Start(env);
  const auto code = p->Wait(kPatience);
  ASSERT_EQ(code, kExitReplay) << p->Text();
  const std::string reason = (*FailedPhase(*p))["reason"];
  EXPECT_NE(reason.find(std::filesystem::path(segments[0]).filename().string()), std::string::npos)
      << reason;
}

TEST_F(RuntimeContractTest, ABusyListenAddressFailsListen) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  config::EnvMap env = Env();
  env["DREICHOR_LISTEN"] = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  auto p = Start(env);
  EXPECT_EQ(p->Wait(kPatience), kExitListen) << p->Text();
  EXPECT_EQ((*FailedPhase(*p))["phase"], "listen");
  close(fd);
}

TEST_F(RuntimeContractTest, ReadinessIsFalseUntilReplayHasFinished) {
  constexpr uint64_t kRecords = 400'000;
  {
    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(Env::Default(), dir_.Sub("audit-events"),
                                    audit::FileLogOptions{}, &report);
    ASSERT_TRUE(log.ok());
    for (uint64_t s = 1; s <= kRecords; s += 10'000) {
      ASSERT_TRUE(log.value()->Append(RecordsForSequences(s, 10'000)).ok());
    }
  }
  auto p = Start(Env());
  const uint16_t port = p->WaitForPort(kPatience);
  ASSERT_NE(port, 0);
  testing::TestHttpClient c("127.0.0.1", port);
  bool saw_replay_unready = false;
  for (;;) {
    testing::TestResponse ready = c.Get("/health/ready");
    const bool logged_ready =
        p->WaitForLine(RuntimeProcess::Phase("ready"), milliseconds(0)).has_value();
    if (ready.status == 200) {
      EXPECT_TRUE(logged_ready || p->WaitForLine(RuntimeProcess::Phase("ready"), kPatience))
          << "ready was answered before the ready phase";
      break;
    }
    ASSERT_EQ(ready.status, 503) << ready.body;
    json j = json::parse(ready.body);
    if (j["phase"] == "replay") saw_replay_unready = true;
    ASSERT_FALSE(p->Wait(milliseconds(0)).has_value()) << p->Text();
  }
  EXPECT_TRUE(saw_replay_unready) << "never observed the replay phase";
  json startup = json::parse(c.Get("/health/startup").body);
  EXPECT_EQ(startup["started"], true);
  EXPECT_EQ(startup["replay"]["done"], kRecords);
  EXPECT_EQ(startup["replay"]["total"], kRecords);
}

TEST_F(RuntimeContractTest, SigtermUnderLoadExitsZeroAndTheNextStartHasTheSameState) {
  uint16_t port;
  auto p = StartReady(&port);
  Seed(port);
  Load load(port, 8);
  while (load.count() < 2000) std::this_thread::sleep_for(milliseconds(5));
  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait(seconds(25)), kExitOk) << p->Text();
  load.Stop();
  auto stopped = p->WaitForLine([](const json& j) { return j.value("msg", "") == "stopped"; },
                                milliseconds(0));
  ASSERT_TRUE(stopped) << p->Text();
  const std::vector<Ack> acks = load.acks();
  uint64_t highest = 0;
  for (const Ack& a : acks) highest = std::max(highest, a.sequence);
  EXPECT_GE((*stopped)["last_sequence"].get<uint64_t>(), highest);

  uint16_t port2;
  auto again = StartReady(&port2);
  testing::TestHttpClient c("127.0.0.1", port2);
  json state = json::parse(c.Get("/v1/state").body);
  EXPECT_EQ(state["state_hash"], (*stopped)["state_hash"]);
  EXPECT_EQ(state["last_sequence"], (*stopped)["last_sequence"]);
  ExpectEveryAckDurable(port2, acks);
}

TEST_F(RuntimeContractTest, SigkillUnderLoadLosesNoAcknowledgedCommand) {
  uint16_t port;
  auto p = StartReady(&port);
  Seed(port);
  Load load(port, 8);
  while (load.count() < 2000) std::this_thread::sleep_for(milliseconds(5));
  p->Signal(SIGKILL);
  EXPECT_EQ(p->Wait(seconds(25)), 128 + SIGKILL);
  load.Stop();
  const std::vector<Ack> acks = load.acks();
  ASSERT_GE(acks.size(), 2000u);
  uint16_t port2;
  auto again = StartReady(&port2);
  ExpectEveryAckDurable(port2, acks);
}

// The audit log's last sequence, read without a lock (the runtime is stopped).
uint64_t LogEnd(const std::string& dir) {
  audit::FileLogOptions options;
  options.read_only = true;
  audit::RecoveryReport report;
  auto log = audit::FileLog::Open(Env::Default(), dir, options, &report);
  return log.ok() ? log.value()->last_sequence() : 0;
}

TEST_F(RuntimeContractTest, ASnapshotAheadOfTheLogRefusesStartUntilTheLossIsAcknowledged) {
  config::EnvMap env = Env();
  env["DREICHOR_AUDIT_SEGMENT_BYTES"] = "65536";
  env["DREICHOR_SNAPSHOT_EVERY"] = "1000";
  {
    auto p = Start(env);
    const uint16_t port = p->WaitForPort(kPatience);
    ASSERT_TRUE(p->WaitForLine(RuntimeProcess::Phase("ready", "ok"), kPatience)) << p->Text();
    Seed(port);
    Load load(port, 4);
    while (load.count() < 3000) std::this_thread::sleep_for(milliseconds(5));
    load.Stop();
    p->Signal(SIGTERM);  // the final snapshot is at the last sequence
    ASSERT_EQ(p->Wait(kPatience), kExitOk) << p->Text();
  }
  const uint64_t acknowledged = LogEnd(dir_.Sub("audit-events"));
  // The active segment is lost (deleted, or the volume restored from an older copy).
  const auto segments = audit::SegmentFiles(dir_.Sub("audit-events"));
  ASSERT_GE(segments.size(), 3u);
  std::filesystem::remove(segments.back());
  const uint64_t end = LogEnd(dir_.Sub("audit-events"));
  ASSERT_LT(end, acknowledged);

  auto refused = Start(env);
  ASSERT_EQ(refused->Wait(kPatience), kExitSnapshot) << refused->Text();
  auto failed = FailedPhase(*refused);
  ASSERT_TRUE(failed);
  EXPECT_EQ((*failed)["phase"], "snapshot");
  const std::string reason = (*failed)["reason"];
  EXPECT_NE(reason.find("is at sequence " + std::to_string(acknowledged)), std::string::npos)
      << reason;
  EXPECT_NE(reason.find("the log ends at sequence " + std::to_string(end)), std::string::npos)
      << reason;
  EXPECT_NE(reason.find("DREICHOR_ACCEPT_AUDIT_LOSS_AT=" + std::to_string(end)), std::string::npos)
      << reason;

  env["DREICHOR_ACCEPT_AUDIT_LOSS_AT"] = std::to_string(end - 1);  // not this log's end
  auto wrong = Start(env);
  ASSERT_EQ(wrong->Wait(kPatience), kExitSnapshot) << wrong->Text();

  env["DREICHOR_ACCEPT_AUDIT_LOSS_AT"] = std::to_string(end);
  {
    uint16_t port = 0;
    auto accepted = Start(env);
    port = accepted->WaitForPort(kPatience);
    ASSERT_TRUE(accepted->WaitForLine(RuntimeProcess::Phase("ready", "ok"), kPatience))
        << accepted->Text();
    auto ack = accepted->WaitForLine(
        [](const json& j) { return j.value("msg", "") == "audit loss acknowledged"; },
        milliseconds(0));
    ASSERT_TRUE(ack);
    EXPECT_EQ((*ack)["level"], "error");
    EXPECT_EQ((*ack)["log_last_sequence"], end);
    EXPECT_FALSE(std::filesystem::is_empty(dir_.Sub("snapshots") + "/quarantine"))
        << "the contradicting snapshots are kept as evidence";
    testing::TestHttpClient c("127.0.0.1", port);
    EXPECT_EQ(json::parse(c.Get("/v1/state").body)["last_sequence"], end);
    accepted->Signal(SIGTERM);
    ASSERT_EQ(accepted->Wait(kPatience), kExitOk);
  }
  env.erase("DREICHOR_ACCEPT_AUDIT_LOSS_AT");
  auto later = Start(env);
  EXPECT_TRUE(later->WaitForLine(RuntimeProcess::Phase("ready", "ok"), kPatience))
      << "once decided, later starts need no acknowledgement: " << later->Text();
}

TEST_F(RuntimeContractTest, TheScrubFindsDamageInASealedSegmentAndTheRuntimeServesOn) {
  // A log of several sealed segments and a snapshot near its end: startup replays only the
  // tail, so damage in the first segment is invisible to it. The scrub must find it.
  constexpr uint64_t kRecords = 3000;
  {
    audit::FileLogOptions options;
    options.segment_bytes = 1 << 16;
    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(Env::Default(), dir_.Sub("audit-events"), options, &report);
    ASSERT_TRUE(log.ok());
    for (uint64_t s = 1; s <= kRecords; s += 100) {
      ASSERT_TRUE(log.value()->Append(RecordsForSequences(s, 100)).ok());
    }
    auto reader = log.value()->ReadFrom(kRecords);
    audit::Record last;
    ASSERT_TRUE(reader.value()->Next(&last).value());
    auto engine = ReferenceEngine(kRecords);
    snapshot::SnapshotStore store(Env::Default(), dir_.Sub("snapshots"), {});
    ASSERT_TRUE(
        store.Write({kRecords, last.chain, engine->StateHash(), 0}, engine->SerializeToString())
            .ok());
  }
  const auto segments = audit::SegmentFiles(dir_.Sub("audit-events"));
  ASSERT_GE(segments.size(), 3u);
  std::filesystem::permissions(segments[0], std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  {
    std::fstream f(segments[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4000);
    f.put('\x5a');
  }
  config::EnvMap env = Env();
  env["DREICHOR_AUDIT_SEGMENT_BYTES"] = "65536";
  env["DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND"] = "1073741824";
  uint16_t port = 0;
  auto p = Start(env);
  port = p->WaitForPort(kPatience);
  ASSERT_TRUE(p->WaitForLine(RuntimeProcess::Phase("ready", "ok"), kPatience)) << p->Text();
  auto damage = p->WaitForLine(
      [](const json& j) { return j.value("msg", "") == "audit segment damaged"; }, kPatience);
  ASSERT_TRUE(damage) << p->Text();
  // The audit tree, built from the log at this first start, met the same damage: the runtime
  // serves on without it and says so, on its log and on the evidence routes.
  EXPECT_NE(p->Text().find("\"msg\":\"audit tree unavailable\""), std::string::npos) << p->Text();
  EXPECT_EQ(testing::TestHttpClient("127.0.0.1", port).Get("/v1/audit/checkpoint").status, 503);
  EXPECT_EQ((*damage)["level"], "error");
  EXPECT_EQ((*damage)["segment"], std::filesystem::path(segments[0]).filename().string());
  EXPECT_GT((*damage)["offset"].get<uint64_t>(), 0u);
  EXPECT_LE((*damage)["offset"].get<uint64_t>(), 4000u);
  EXPECT_GE((*damage)["sequence"].get<uint64_t>(), 1u);
  EXPECT_EQ((*damage)["reason"], "checksum mismatch");

  testing::TestHttpClient c("127.0.0.1", port);
  EXPECT_EQ(c.Get("/health/ready").status, 200) << "the scrub never stops the runtime";
  ASSERT_TRUE(p->WaitForLine(
      [](const json& j) { return j.value("msg", "") == "audit scrub pass complete"; }, kPatience));
  const std::string metrics = c.Get("/metrics").body;
  EXPECT_NE(metrics.find("dreichor_audit_scrub_damaged_segments 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("dreichor_audit_scrub_damage_found_total 1"), std::string::npos);
  EXPECT_EQ(metrics.find("dreichor_audit_scrub_last_pass_timestamp_seconds 0\n"),
            std::string::npos);
}

// A disk that refuses writes (here: a file-size limit, so writes past it fail with EFBIG): the
// command being written is refused, every later one too, readiness and the metrics say why, and
// a restart on a healthy disk has every acknowledged command.
TEST_F(RuntimeContractTest, AFailedAuditWriteStopsCommandsForGoodAndLosesNoAcknowledgedOne) {
  config::EnvMap env = Env();
  env["DREICHOR_AUDIT_SEGMENT_BYTES"] = "1048576";
  auto p = std::make_unique<RuntimeProcess>(DREICHOR_RUNTIME_PATH, env, dir_.Sub("limited.log"),
                                            std::vector<std::string>{}, 192 << 10);
  const uint16_t port = p->WaitForPort(kPatience);
  ASSERT_NE(port, 0) << p->Text();
  ASSERT_TRUE(p->WaitForLine(RuntimeProcess::Phase("ready", "ok"), kPatience)) << p->Text();
  testing::TestHttpClient c("127.0.0.1", port);
  const std::vector<std::pair<std::string, std::string>> admin = {
      {"Authorization", std::string("Bearer ") + kToken}};
  uint64_t last_acked = 0;
  testing::TestResponse refused;
  for (int i = 0; i < 20'000; ++i) {
    testing::TestResponse r =
        c.Post("/v1/admin/deposits", R"({"account":1,"asset":"USD","amount":1})", admin);
    if (r.status != 200) {
      refused = r;
      break;
    }
    last_acked = json::parse(r.body)["sequence"].get<uint64_t>();
  }
  ASSERT_NE(refused.status, 0) << "the file-size limit was never reached";
  EXPECT_GT(last_acked, 100u);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(json::parse(refused.body)["error"]["code"], "not_durable") << refused.body;
  EXPECT_NE(refused.body.find("File too large"), std::string::npos) << "names the cause";
  const testing::TestResponse later =
      c.Post("/v1/admin/deposits", R"({"account":1,"asset":"USD","amount":1})", admin);
  EXPECT_EQ(later.status, 503) << "refused for good, not only once";
  EXPECT_EQ(json::parse(later.body)["error"]["code"], "persistence_failed") << later.body;
  EXPECT_EQ(c.Get("/health/ready").status, 503);
  const std::string metrics = c.Get("/metrics").body;
  EXPECT_NE(metrics.find("dreichor_audit_log_healthy 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("dreichor_ready 0\n"), std::string::npos);
  p->Signal(SIGTERM);
  ASSERT_TRUE(p->Wait(kPatience).has_value());

  uint16_t again_port = 0;
  auto again = StartReady(&again_port);
  testing::TestHttpClient d("127.0.0.1", again_port);
  const std::string after = d.Get("/metrics").body;
  const std::regex last_sequence("dreichor_last_sequence ([0-9]+)\n");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(after, m, last_sequence)) << after;
  EXPECT_GE(std::stoull(m[1]), last_acked) << "an acknowledged deposit was lost";
  EXPECT_EQ(d.Post("/v1/admin/deposits", R"({"account":1,"asset":"USD","amount":1})", admin).status,
            200);
}

// ---- the postgres audit backend ----

// A fresh environment; with `migrate`, its schema "dreichor" is migrated with the project's files
// (as the environment's migration role). The runtime connects as the environment's runtime role.
testing::TestEnvironment Database(bool migrate) {
  return testing::MigratedTestEnvironment(
      std::string(DREICHOR_SOURCE_DIR) + "/infra/db/migrations",
      migrate ? std::vector<std::string>{"dreichor"} : std::vector<std::string>{});
}

config::EnvMap PostgresEnv(config::EnvMap env, const std::string& url) {
  env.erase("DREICHOR_AUDIT_DIR");
  env.erase("DREICHOR_AUDIT_SEGMENT_BYTES");
  env["DREICHOR_AUDIT_BACKEND"] = "postgres";
  env["DREICHOR_DATABASE_URL"] = url;
  env["DREICHOR_DATABASE_SCHEMA"] = "dreichor";
  env["DREICHOR_DATABASE_EPOCH"] = "1";
  return env;
}

TEST_F(RuntimeContractTest, TheRequiredMigrationsAreTheExpandMigrationsInTheRepository) {
  auto files = migrate::LoadMigrations(Env::Default(),
                                       std::string(DREICHOR_SOURCE_DIR) + "/infra/db/migrations");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  std::vector<std::pair<uint32_t, std::string>> expected, required;
  for (const auto& m : files.value()) {
    if (m.phase == migrate::Phase::kExpand && !m.per_tenant)
      expected.emplace_back(m.version, m.name);
  }
  for (const RequiredMigration& m : kRequiredMigrations) required.emplace_back(m.version, m.name);
  EXPECT_EQ(required, expected) << "update service/required_schema.h";
}

TEST_F(RuntimeContractTest, ASchemaBehindTheBuildIsRefusedWithThePendingVersions) {
  const testing::TestEnvironment db = Database(/*migrate=*/false);
  ASSERT_FALSE(db.env.empty());
  auto p = Start(PostgresEnv(Env(), db.runtime_url));
  ASSERT_EQ(p->Wait(kPatience), kExitSchema) << p->Text();
  auto failed = FailedPhase(*p);
  ASSERT_TRUE(failed);
  EXPECT_EQ((*failed)["phase"], "schema");
  EXPECT_NE((*failed)["reason"].get<std::string>().find("pending 0001_audit_events"),
            std::string::npos)
      << (*failed)["reason"];
}

TEST_F(RuntimeContractTest, PostgresBackendStartsOnAMatchingSchemaAndSigkillLosesNoAck) {
  const testing::TestEnvironment db = Database(/*migrate=*/true);
  ASSERT_FALSE(db.env.empty());
  const std::string password = testing::TestPassword(db.env, "runtime");
  ASSERT_NE(db.runtime_url.find(password), std::string::npos);
  const config::EnvMap env = PostgresEnv(Env(), db.runtime_url);
  auto p = Start(env);
  const uint16_t port = p->WaitForPort(kPatience);
  ASSERT_NE(port, 0) << p->Text();
  ASSERT_TRUE(p->WaitForLine(RuntimeProcess::Phase("ready", "ok"), kPatience)) << p->Text();
  EXPECT_TRUE(p->WaitForLine(RuntimeProcess::Phase("schema", "ok"), milliseconds(0)));
  Seed(port);
  std::vector<Ack> acks;
  {
    Load load(port, 8);
    while (load.count() < 1000) std::this_thread::sleep_for(milliseconds(5));
    p->Signal(SIGKILL);
    EXPECT_EQ(p->Wait(seconds(25)), 128 + SIGKILL);
    load.Stop();
    acks = load.acks();
  }
  auto again = Start(env);
  const uint16_t port2 = again->WaitForPort(kPatience);
  ASSERT_TRUE(again->WaitForLine(RuntimeProcess::Phase("ready", "ok"), kPatience)) << again->Text();
  ExpectEveryAckDurable(port2, acks);
  EXPECT_EQ(p->Text().find(password), std::string::npos);
  EXPECT_EQ(again->Text().find(password), std::string::npos);
  EXPECT_NE(again->Text().find("postgresql://" + db.database + "_runtime:<redacted>@"),
            std::string::npos);
}

TEST_F(RuntimeContractTest, MetricsPassPromtool) {
  uint16_t port;
  auto p = StartReady(&port);
  Seed(port);
  testing::TestHttpClient c("127.0.0.1", port);
  testing::TestResponse m = c.Get("/metrics");
  ASSERT_EQ(m.status, 200);
  for (const char* name :
       {"dreichor_commands_total{type=\"deposit\",outcome=\"accepted\"} 8",
        "dreichor_command_latency_seconds_bucket{le=\"0.001\"}",
        "dreichor_command_latency_seconds_bucket{le=\"0.005\"}",  // the latency objective's bucket
        "dreichor_append_batch_size_bucket", "dreichor_fsync_latency_seconds_bucket",
        "dreichor_last_sequence 9", "dreichor_replay_records", "dreichor_ready 1",
        "dreichor_audit_log_healthy 1", "dreichor_snapshot_age_seconds",
        "dreichor_snapshot_duration_seconds_bucket"}) {
    EXPECT_NE(m.body.find(name), std::string::npos) << name;
  }
  const std::string file = dir_.Sub("metrics.txt");
  std::ofstream(file) << m.body;
  const std::string cmd =
      "promtool check metrics < " + file + " > " + dir_.Sub("promtool.out") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream out(dir_.Sub("promtool.out"));
  EXPECT_EQ(rc, 0) << std::string(std::istreambuf_iterator<char>(out), {});
}

TEST_F(RuntimeContractTest, MarketMetricsCountOrdersTradesRejectionsAndReadTheBook) {
  uint16_t port;
  auto p = StartReady(&port);
  Seed(port);
  testing::TestHttpClient c("127.0.0.1", port);
  const auto order = [&](int account, const char* side, int price, int quantity, int market) {
    return c.Post("/v1/orders", R"({"account":)" + std::to_string(account) + R"(,"market":)" +
                                    std::to_string(market) + R"(,"side":")" + side +
                                    R"(","kind":"limit","price":)" + std::to_string(price) +
                                    R"(,"quantity":)" + std::to_string(quantity) + "}");
  };
  ASSERT_EQ(order(1, "sell", 100, 10, 1).status, 200);
  ASSERT_EQ(order(1, "sell", 105, 3, 1).status, 200);
  ASSERT_EQ(order(2, "buy", 100, 4, 1).status, 200);  // one fill of 4
  ASSERT_EQ(order(3, "buy", 90, 2, 1).status, 200);
  ASSERT_EQ(order(3, "buy", 90, 2, 9).status, 200);  // rejected: no market 9
  const std::string m = c.Get("/metrics").body;
  for (const char* series :
       {"dreichor_orders_accepted_total{market=\"1\"} 4", "dreichor_trades_total{market=\"1\"} 1",
        "dreichor_traded_quantity_total{market=\"1\"} 4",
        "dreichor_command_rejections_total{reason=\"unknown_market\"} 1",
        "dreichor_command_rejections_total{reason=\"insufficient_balance\"} 0",
        "dreichor_book_levels{market=\"1\",side=\"sell\"} 2",
        "dreichor_book_orders{market=\"1\",side=\"sell\"} 2",
        "dreichor_book_quantity{market=\"1\",side=\"sell\"} 9",
        "dreichor_book_quantity{market=\"1\",side=\"buy\"} 2",
        "dreichor_market_info{market=\"1\",symbol=\"BTC-USD\",status=\"open\"} 1"}) {
    EXPECT_NE(m.find(std::string(series) + "\n"), std::string::npos) << series << " in\n" << m;
  }
  // The book is the engine's, so a restart shows it again; the counters start from zero.
  p->Signal(SIGTERM);
  ASSERT_EQ(p->Wait(kPatience), kExitOk);
  uint16_t again_port;
  auto again = StartReady(&again_port);
  const std::string after = testing::TestHttpClient("127.0.0.1", again_port).Get("/metrics").body;
  EXPECT_NE(after.find("dreichor_book_quantity{market=\"1\",side=\"sell\"} 9\n"), std::string::npos)
      << after;
  EXPECT_EQ(after.find("dreichor_trades_total{market="), std::string::npos) << after;
}

TEST_F(RuntimeContractTest, AnswersCarryTheTraceAndLogLinesNameTheComponentAndEnv) {
  uint16_t port;
  auto p = StartReady(&port);
  testing::TestHttpClient c("127.0.0.1", port);
  const std::string caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  testing::TestResponse r =
      c.Send("POST", "/v1/admin/deposits", R"({"account":1,"asset":"USD","amount":5})",
             {{"Authorization", std::string("Bearer ") + kToken},
              {"Content-Type", "application/json"},
              {"traceparent", caller}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.headers.count("traceparent"), 1u);
  const std::string answered = r.headers["traceparent"];
  EXPECT_EQ(answered.substr(0, 36), caller.substr(0, 36)) << "the caller's trace, continued";
  EXPECT_NE(answered, caller) << "with a span of the runtime's own";
  // A refused request is traced too, and without a traceparent a new trace is started.
  r = c.Post("/v1/admin/deposits", R"({"account":1,"asset":"USD","amount":5})");
  EXPECT_EQ(r.status, 401);
  ASSERT_EQ(r.headers.count("traceparent"), 1u);
  EXPECT_NE(r.headers["traceparent"].substr(3, 32), caller.substr(3, 32));
  for (const json& line : p->Lines()) {
    EXPECT_EQ(line.value("component", ""), "runtime") << line.dump();
    EXPECT_EQ(line.value("env", ""), "dev") << line.dump();
  }
}

// With a collector configured, each request's span reaches it over OTLP/HTTP: the caller's trace,
// the caller's span as the parent, the span the answer names.
TEST_F(RuntimeContractTest, RequestSpansReachTheConfiguredCollector) {
  struct Collector final : http::Handler {
    void Handle(http::Request&& request, http::Respond respond) override {
      {
        std::lock_guard<std::mutex> lock(mu);
        bodies.push_back(request.body());
      }
      respond(http::JsonReply(200, nlohmann::ordered_json::object()));
    }
    std::vector<json> Spans() {
      std::lock_guard<std::mutex> lock(mu);
      std::vector<json> out;
      for (const std::string& b : bodies) {
        const json body = json::parse(b);
        for (const json& s : body["resourceSpans"][0]["scopeSpans"][0]["spans"]) out.push_back(s);
      }
      return out;
    }
    std::mutex mu;
    std::vector<std::string> bodies;
  } collector;
  http::ServerOptions options;
  options.address = "127.0.0.1";
  auto server = http::Server::Start(options, &collector);
  ASSERT_TRUE(server.ok());
  config::EnvMap env = Env();
  env["DREICHOR_OTLP_TRACES_URL"] =
      "http://127.0.0.1:" + std::to_string(server.value()->port()) + "/v1/traces";
  auto p = Start(env);
  const uint16_t port = p->WaitForPort(kPatience);
  ASSERT_TRUE(p->WaitForLine(RuntimeProcess::Phase("ready", "ok"), kPatience)) << p->Text();
  testing::TestHttpClient c("127.0.0.1", port);
  const testing::TestResponse r =
      c.Send("GET", "/v1/markets", "",
             {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  ASSERT_EQ(r.status, 200);
  const std::string span_id = r.headers.at("traceparent").substr(36, 16);
  json found;
  for (int i = 0; i < 500 && found.is_null(); ++i) {
    for (const json& s : collector.Spans()) {
      if (s["spanId"] == span_id) found = s;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  ASSERT_FALSE(found.is_null()) << "the span never reached the collector";
  EXPECT_EQ(found["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(found["parentSpanId"], "00f067aa0ba902b7");
  EXPECT_EQ(found["name"], "GET /v1/markets");
  const std::string metrics = c.Get("/metrics").body;
  EXPECT_NE(metrics.find("dreichor_trace_spans_exported_total"), std::string::npos);
  p->Signal(SIGTERM);
  EXPECT_EQ(p->Wait(kPatience), kExitOk);
  server.value()->Stop();
}

TEST_F(RuntimeContractTest, HealthcheckSubcommandFollowsReadiness) {
  uint16_t port;
  auto p = StartReady(&port);
  const std::string check =
      std::string(DREICHOR_RUNTIME_PATH) + " healthcheck --address 127.0.0.1:";
  EXPECT_EQ(WEXITSTATUS(std::system((check + std::to_string(port) + " >/dev/null").c_str())), 0);
  p->Signal(SIGTERM);
  ASSERT_EQ(p->Wait(kPatience), kExitOk);
  EXPECT_EQ(WEXITSTATUS(std::system((check + std::to_string(port) + " 2>/dev/null").c_str())), 1);
}

TEST_F(RuntimeContractTest, EnvSchemaSubcommandPrintsTheCommittedDocument) {
  const std::string out = dir_.Sub("schema.md");
  ASSERT_EQ(std::system((std::string(DREICHOR_RUNTIME_PATH) + " env-schema > " + out).c_str()), 0);
  std::ifstream generated(out),
      committed(std::string(DREICHOR_SOURCE_DIR) + "/infra/env/ENV_SCHEMA.md");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(generated), {}),
            std::string(std::istreambuf_iterator<char>(committed), {}))
      << "regenerate with: dreichor-runtime env-schema > infra/env/ENV_SCHEMA.md";
}

}  // namespace
}  // namespace dreichor::service
