// The audit log's copy, end to end with the real programs: a runtime under load, `dreichor audit
// ship` beside it (killed with SIGKILL twice and started again), then the disaster: the runtime
// and its volumes are gone. `dreichor audit restore` rebuilds the log from the copy, its state
// hash is the original's at the copy's last record, and a runtime starts on it and trades on.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "testing/http_client.h"
#include "testing/runtime_process.h"
#include "testing/temp_dir.h"
#include "util/sequence_file_name.h"

namespace dreichor::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;
using testing::RuntimeProcess;

constexpr char kToken[] = "ship-test-admin-token-0123456789abcdef";
const std::vector<std::pair<std::string, std::string>> kAdmin = {
    {"Authorization", std::string("Bearer ") + kToken}};

// Runs the CLI to the end; its exit code, its output in *out.
int Cli(const std::string& args, std::string* out) {
  const std::string file = fs::temp_directory_path() / ("dreichor-cli-" + std::to_string(getpid()));
  const int rc =
      std::system((std::string(DREICHOR_CLI_PATH) + " " + args + " > " + file + " 2>&1").c_str());
  std::ifstream in(file);
  *out = std::string(std::istreambuf_iterator<char>(in), {});
  fs::remove(file);
  return WEXITSTATUS(rc);
}

std::string StateHash(const std::string& replay_output) {
  std::smatch m;
  return std::regex_search(replay_output, m, std::regex("state ([0-9a-f]{64})")) ? m[1].str() : "";
}

class ShipIntegrationTest : public ::testing::Test {
 protected:
  std::unique_ptr<RuntimeProcess> StartRuntime(uint16_t* port) {
    config::EnvMap env = testing::LocalRuntimeEnv("prod", "127.0.0.1:0", dir_.path(), kToken);
    env["DREICHOR_AUDIT_SEGMENT_BYTES"] = "65536";  // many sealed segments
    auto p = std::make_unique<RuntimeProcess>(
        DREICHOR_RUNTIME_PATH, env, dir_.Sub("runtime-" + std::to_string(runs_++) + ".log"));
    *port = p->WaitForPort(seconds(60));
    EXPECT_NE(*port, 0) << p->Text();
    EXPECT_TRUE(p->WaitForLine(RuntimeProcess::Phase("ready", "ok"), seconds(60))) << p->Text();
    return p;
  }
  std::unique_ptr<RuntimeProcess> StartShipper() {
    return std::make_unique<RuntimeProcess>(
        DREICHOR_CLI_PATH, config::EnvMap{}, dir_.Sub("ship-" + std::to_string(ships_++) + ".log"),
        std::vector<std::string>{"audit", "ship", audit(), "--to", copy(), "--interval", "50ms",
                                 "--metrics-file", dir_.Sub("ship.prom"), "--env", "prod"});
  }
  // Waits (up to a minute: busy machines) until the shipper reports the copy holding `sequence`.
  bool WaitForCopyThrough(uint64_t sequence) {
    const std::string wanted = "dreichor_audit_ship_partial_through_sequence{env=\"prod\"} " +
                               std::to_string(sequence) + "\n";
    for (int i = 0; i < 1200; ++i) {
      std::ifstream in(dir_.Sub("ship.prom"));
      const std::string text(std::istreambuf_iterator<char>(in), {});
      if (text.find(wanted) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // Deposits until `n` were acknowledged; the last acknowledged sequence.
  static uint64_t Load(uint16_t port, int n) {
    testing::TestHttpClient c("127.0.0.1", port);
    uint64_t last = 0;
    for (int i = 0; i < n; ++i) {
      const testing::TestResponse r =
          c.Post("/v1/admin/deposits",
                 R"({"account":)" + std::to_string(i % 50 + 1) + R"(,"asset":"USD","amount":)" +
                     std::to_string(i + 1) + "}",
                 kAdmin);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status == 200) last = json::parse(r.body)["sequence"];
    }
    return last;
  }
  std::string audit() const { return dir_.Sub("audit-events"); }
  std::string copy() const { return dir_.Sub("copy"); }

  TempDir dir_;
  int runs_ = 0, ships_ = 0;
};

TEST_F(ShipIntegrationTest, ARuntimeLostWithItsDiskIsRestoredFromTheCopy) {
  uint16_t port = 0;
  auto runtime = StartRuntime(&port);
  auto shipper = StartShipper();
  Load(port, 1500);
  shipper->Signal(SIGKILL);  // in the middle of whatever it was doing
  ASSERT_TRUE(shipper->Wait(seconds(10)).has_value());
  shipper = StartShipper();
  Load(port, 1500);
  shipper->Signal(SIGKILL);
  ASSERT_TRUE(shipper->Wait(seconds(10)).has_value());
  shipper = StartShipper();
  const uint64_t acknowledged = Load(port, 1500);
  ASSERT_GT(acknowledged, 4000u);
  // Quiet: the shipper's passes (every 50 ms) take the copy to the log's end.
  ASSERT_TRUE(WaitForCopyThrough(acknowledged)) << shipper->Text();

  // The disaster: the runtime and both volumes are gone.
  runtime->Signal(SIGKILL);
  shipper->Signal(SIGKILL);
  ASSERT_TRUE(runtime->Wait(seconds(10)).has_value());
  ASSERT_TRUE(shipper->Wait(seconds(10)).has_value());
  std::string replayed;
  ASSERT_EQ(Cli("replay " + audit() + " --until-seq " + std::to_string(acknowledged), &replayed), 0)
      << replayed;
  const std::string expected = StateHash(replayed);
  ASSERT_FALSE(expected.empty()) << replayed;
  fs::remove_all(audit());
  fs::remove_all(dir_.Sub("snapshots"));
  fs::create_directories(dir_.Sub("snapshots"));

  std::string restored;
  ASSERT_EQ(Cli("audit restore --from " + copy() + " --to " + audit(), &restored), 0)
      << restored << "\nthe shipper's last run:\n"
      << shipper->Text();
  EXPECT_NE(restored.find("records 1.." + std::to_string(acknowledged) + ","), std::string::npos)
      << "every acknowledged command is in the copy: " << restored;
  std::string verified;
  EXPECT_EQ(Cli("audit verify " + audit(), &verified), 0) << verified;
  std::string again;
  ASSERT_EQ(Cli("replay " + audit(), &again), 0) << again;
  EXPECT_EQ(StateHash(again), expected);

  // The runtime starts on the restored log and goes on from it.
  runtime = StartRuntime(&port);
  testing::TestHttpClient c("127.0.0.1", port);
  const testing::TestResponse r =
      c.Post("/v1/admin/deposits", R"({"account":1,"asset":"USD","amount":1})", kAdmin);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["sequence"], acknowledged + 1);
}

TEST_F(ShipIntegrationTest, ShipOnceReportsDamageInTheLogWithExitCodeOne) {
  uint16_t port = 0;
  auto runtime = StartRuntime(&port);
  Load(port, 1500);
  runtime->Signal(SIGTERM);
  ASSERT_TRUE(runtime->Wait(seconds(30)).has_value());
  std::vector<std::string> segments;
  for (const auto& e : fs::directory_iterator(audit())) {
    if (e.path().filename().string().starts_with("seg-")) segments.push_back(e.path());
  }
  std::sort(segments.begin(), segments.end());
  ASSERT_GE(segments.size(), 3u);
  fs::permissions(segments[1], fs::perms::owner_write, fs::perm_options::add);
  {
    std::fstream f(segments[1], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1000);
    f.put('\x7e');
  }
  std::string out;
  EXPECT_EQ(Cli("audit ship " + audit() + " --to " + copy() + " --once", &out), 1) << out;
  EXPECT_NE(out.find("the log itself is damaged: " + fs::path(segments[1]).filename().string()),
            std::string::npos)
      << out;
}

// The copy keeps the runtime's checkpoints (and so does a witness directory): the copy checks out
// against them with `dreichor audit check`, and a copy whose tail was rewritten does not.
TEST_F(ShipIntegrationTest, TheCopyAndTheWitnessKeepCheckpointsThatVerifyIt) {
  uint16_t port = 0;
  auto runtime = StartRuntime(&port);
  const uint64_t acknowledged = Load(port, 1200);
  testing::TestHttpClient c("127.0.0.1", port);
  const std::string key = json::parse(c.Get("/v1/audit/key").body)["verifier_key"];
  runtime->Signal(SIGTERM);  // the checkpoint file is written once more, of the final tree
  ASSERT_EQ(runtime->Wait(seconds(30)), 0);
  const std::string checkpoint = dir_.Sub("snapshots/audit-tree/checkpoint");
  std::string out;
  ASSERT_EQ(Cli("audit ship " + audit() + " --to " + copy() + " --once --checkpoint " + checkpoint +
                    " --witness " + dir_.Sub("witness"),
                &out),
            0)
      << out;
  const std::string name = "/" + SequenceFileName("", acknowledged, ".checkpoint");
  for (const std::string& dir : {copy() + "/checkpoints", dir_.Sub("witness")}) {
    ASSERT_TRUE(fs::exists(dir + name)) << out;
    EXPECT_EQ(fs::status(dir + name).permissions() & fs::perms::owner_write, fs::perms::none);
  }
  // The copy's records (sealed segments and the active one's copied part) are read back by a
  // restore; the result checks against the checkpoints kept beside the copy.
  ASSERT_EQ(Cli("audit restore --from " + copy() + " --to " + dir_.Sub("restored"), &out), 0)
      << out;
  ASSERT_EQ(Cli("audit check " + dir_.Sub("restored") + " --checkpoint " + copy() +
                    "/checkpoints --public-key '" + key + "'",
                &out),
            0)
      << out;
  EXPECT_NE(out.find("first " + std::to_string(acknowledged) + " records match"), std::string::npos)
      << out;
  // A second pass keeps what it has: the file is there, nothing is written twice.
  ASSERT_EQ(
      Cli("audit ship " + audit() + " --to " + copy() + " --once --checkpoint " + checkpoint, &out),
      0)
      << out;
  EXPECT_EQ(out.find("witnessed"), std::string::npos) << out;
}

// Pruning the copy obeys the log's own retention rules and legal holds: nothing while a hold is
// placed; after its release, the oldest segments up to the first one holding a retained record;
// a pruned segment is never shipped again, and a pruned copy is not restored.
TEST_F(ShipIntegrationTest, PruningTheCopyObeysRetentionAndLegalHolds) {
  uint16_t port = 0;
  auto runtime = StartRuntime(&port);
  Load(port, 4000);
  testing::TestHttpClient c("127.0.0.1", port);
  ASSERT_EQ(
      c.Post("/v1/admin/retention",
             R"({"from_sequence":2500,"through_sequence":2700,"until_ns":4102444800000000000})",
             kAdmin)
          .status,
      200);
  ASSERT_EQ(c.Post("/v1/admin/legal-holds", R"({"hold_id":7,"action":"place"})", kAdmin).status,
            200);
  Load(port, 10);
  std::string out;
  ASSERT_EQ(Cli("audit ship " + audit() + " --to " + copy() + " --once", &out), 0) << out;
  const auto segments = [&] {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(copy())) {
      const std::string name = e.path().filename();
      if (name.starts_with("seg-") && name.ends_with(".log")) names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
  };
  const std::vector<std::string> shipped = segments();
  ASSERT_GE(shipped.size(), 4u);

  const std::string prune = "audit prune " + audit() + " --copy " + copy() + " --through 100000";
  EXPECT_EQ(Cli(prune, &out), 1) << out;
  EXPECT_NE(out.find("legal hold(s) 7 placed"), std::string::npos) << out;
  EXPECT_EQ(segments(), shipped);

  ASSERT_EQ(c.Post("/v1/admin/legal-holds", R"({"hold_id":7,"action":"release"})", kAdmin).status,
            200);
  ASSERT_EQ(Cli(prune, &out), 0) << out;
  EXPECT_NE(out.find("are retained until 2100-01-01"), std::string::npos) << out;
  const std::vector<std::string> kept = segments();
  ASSERT_LT(kept.size(), shipped.size());
  ASSERT_FALSE(kept.empty());
  // The first kept segment holds a retained record (2500..2700); every deleted one ended before.
  uint64_t first_kept = 0;
  ASSERT_TRUE(ParseSequenceFileName(kept.front(), "seg-", ".log", &first_kept));
  EXPECT_LE(first_kept, 2700u);
  EXPECT_GT(first_kept, 1u);
  EXPECT_TRUE(fs::exists(copy() + "/PRUNED"));

  ASSERT_EQ(Cli("audit ship " + audit() + " --to " + copy() + " --once", &out), 0) << out;
  EXPECT_EQ(segments(), kept) << "a pruned segment came back: " << out;
  EXPECT_NE(Cli("audit restore --from " + copy() + " --to " + dir_.Sub("restored"), &out), 0);
  EXPECT_NE(out.find("pruned through record"), std::string::npos) << out;
}

}  // namespace
}  // namespace dreichor::cli
