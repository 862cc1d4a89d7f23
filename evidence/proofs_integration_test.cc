// The audit evidence from the outside: the real dreichor-runtime on loopback, commands arriving
// on several pipelined connections (so batches vary), and an independent verifier (Node.js's
// crypto and `ws`, evidence/testdata/verify_proofs.js) that checks the signed checkpoint, rebuilds
// the tree from the record stream's bytes and verifies the runtime's inclusion and consistency
// proofs against every tree head the answers carried — also across a SIGKILL under load and a
// restart. The checkpoint the runtime leaves on disk verifies its log with `dreichor audit check`;
// malformed proof questions are refused with the field named.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "evidence/checkpoint.h"
#include "testing/command_requests.h"
#include "testing/http_client.h"
#include "testing/runtime_process.h"
#include "testing/temp_dir.h"
#include "util/env.h"

namespace dreichor::evidence {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::RuntimeProcess;
using testing::TestHttpClient;

constexpr char kAdminToken[] = "evidence-test-admin-token-0123456789";

struct Head {
  uint64_t size;
  std::string root;  // base64
};

// Runs `command` with `input` on its stdin (kept in `dir`); its exit code and stdout.
std::pair<int, std::string> RunCommand(const std::string& dir, const std::string& command,
                                       const std::string& input = "") {
  const std::string in_file = dir + "/stdin";
  FILE* f = fopen(in_file.c_str(), "w");
  fputs(input.c_str(), f);
  fclose(f);
  FILE* p = popen((command + " < " + in_file + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class ProofsIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = testing::LocalRuntimeEnv("dev", "127.0.0.1:0", dir_.Sub("runtime"), kAdminToken);
    Start();
  }

  void Start() {
    runtime_ = std::make_unique<RuntimeProcess>(DREICHOR_RUNTIME_PATH, env_,
                                                dir_.Sub("runtime.log." + std::to_string(++runs_)));
    port_ = runtime_->WaitForPort(30s);
    ASSERT_NE(port_, 0) << runtime_->Text();
    ASSERT_TRUE(runtime_->WaitForLine(RuntimeProcess::Phase("ready", "ok"), 30s))
        << runtime_->Text();
  }

  // Sends commands first..last on `connections` connections, 16 pipelined at a time, keeping
  // every 37th answer's tree head. Stops early (without failing) once `stop` is set.
  void Send(uint64_t first, uint64_t last, int connections, std::atomic<bool>* stop = nullptr) {
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; ++c) {
      threads.emplace_back([=, this] {
        TestHttpClient client("127.0.0.1", port_);
        for (uint64_t n = first + 16 * c; n <= last; n += 16 * connections) {
          if (stop != nullptr && stop->load()) return;
          const uint64_t end = std::min(last, n + 15);
          std::string bytes;
          for (uint64_t k = n; k <= end; ++k) bytes += testing::CommandRequest(k, kAdminToken);
          auto r = client.Raw(bytes);
          for (uint64_t k = n; k <= end; ++k) {
            if (k > n) r = client.ReadNext();
            if (r.status != 200) {
              if (stop == nullptr) ADD_FAILURE() << "command " << k << ": " << r.body;
              return;
            }
            if (k % 37 == 0) Keep(json::parse(r.body));
          }
        }
      });
    }
    for (auto& t : threads) t.join();
  }

  void Keep(const json& answer) {
    ASSERT_TRUE(answer.contains("checkpoint")) << answer.dump();
    const json& c = answer["checkpoint"];
    EXPECT_GE(c["tree_size"].get<uint64_t>(), answer["sequence"].get<uint64_t>());
    std::lock_guard<std::mutex> guard(mu_);
    heads_.push_back({c["tree_size"], c["root_hash"]});
  }

  // The independent verifier against the running runtime; its summary.
  json Verify() {
    std::string input;
    for (const Head& h : heads_) input += std::to_string(h.size) + " " + h.root + "\n";
    auto [code, out] = RunCommand(dir_.path(),
                                  "NODE_PATH=/usr/share/nodejs node " DREICHOR_SOURCE_DIR
                                  "/evidence/testdata/verify_proofs.js http://127.0.0.1:" +
                                      std::to_string(port_),
                                  input);
    EXPECT_EQ(code, 0) << out;
    return code == 0 ? json::parse(out) : json::object();
  }

  TestHttpClient Client() { return TestHttpClient("127.0.0.1", port_); }

  TempDir dir_;
  config::EnvMap env_;
  std::unique_ptr<RuntimeProcess> runtime_;
  uint16_t port_ = 0;
  int runs_ = 0;
  std::mutex mu_;
  std::vector<Head> heads_;
};

TEST_F(ProofsIntegrationTest, AnIndependentVerifierAcceptsEveryCheckpointAndProof) {
  Send(1, 3000, 3);
  ASSERT_GE(heads_.size(), 60u);
  const json summary = Verify();
  EXPECT_EQ(summary["tree_size"], 3000);
  EXPECT_EQ(summary["consistencies"], heads_.size());
  EXPECT_GE(summary["inclusions"].get<int>(), 30);
}

TEST_F(ProofsIntegrationTest, HeadsFromBeforeAKillAreConsistentWithTheTreeAfterTheRestart) {
  Send(1, 1500, 2);
  std::atomic<bool> stop{false};
  std::thread load([&] { Send(1501, 6000, 2, &stop); });
  std::this_thread::sleep_for(300ms);
  runtime_->Signal(SIGKILL);
  stop = true;
  load.join();
  runtime_->Wait(10s);
  Start();
  auto replay = runtime_->WaitForLine(RuntimeProcess::Phase("replay", "ok"), 5s);
  ASSERT_TRUE(replay);
  EXPECT_EQ((*replay)["tree_size"], (*replay)["last_sequence"]);
  EXPECT_GT((*replay)["tree_loaded"].get<uint64_t>(), 1000u) << replay->dump();
  const uint64_t last = (*replay)["last_sequence"];
  Send(last + 1, last + 400, 1);
  const json summary = Verify();
  EXPECT_EQ(summary["consistencies"], heads_.size());
}

TEST_F(ProofsIntegrationTest, TheCheckpointLeftOnDiskVerifiesTheLogWithTheCli) {
  Send(1, 700, 1);
  const std::string verifier_key = json::parse(Client().Get("/v1/audit/key").body)["verifier_key"];
  runtime_->Signal(SIGTERM);
  ASSERT_EQ(runtime_->Wait(30s), 0);
  const std::string file = dir_.Sub("runtime") + "/snapshots/audit-tree/checkpoint";
  std::string note;
  ASSERT_TRUE(Env::Default()->ReadFile(file, &note).ok());
  auto verifier = NoteVerifier::Parse(verifier_key).value();
  auto checkpoint = OpenCheckpoint(note, *verifier);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
  EXPECT_EQ(checkpoint.value().tree_size, 700u);  // flushed at shutdown
  auto [code, out] =
      RunCommand(dir_.path(), std::string(DREICHOR_CLI_PATH) + " audit check " +
                                  dir_.Sub("runtime") + "/audit-events --checkpoint " + file +
                                  " --public-key '" + verifier_key + "'");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("the log's first 700 records match"), std::string::npos) << out;
}

TEST_F(ProofsIntegrationTest, MalformedProofQuestionsAreRefusedNamingTheField) {
  Send(1, 100, 1);
  struct Case {
    std::string path, field;
  };
  for (const Case& c : std::vector<Case>{
           {"/v1/audit/proof/inclusion?sequence=101", "sequence"},
           {"/v1/audit/proof/inclusion?sequence=5&tree_size=101", "tree_size"},
           {"/v1/audit/proof/inclusion?sequence=6&tree_size=5", "sequence"},
           {"/v1/audit/proof/inclusion", "sequence"},
           {"/v1/audit/proof/inclusion?sequence=x", "sequence"},
           {"/v1/audit/proof/consistency?from=0&to=5", "from"},
           {"/v1/audit/proof/consistency?from=6&to=5", "from"},
           {"/v1/audit/proof/consistency?from=1&to=101", "to"},
           {"/v1/audit/proof/consistency?from=1&sequence=2", "sequence"},
       }) {
    auto r = Client().Get(c.path);
    EXPECT_EQ(r.status, 400) << c.path << ": " << r.body;
    EXPECT_EQ(json::parse(r.body)["error"]["field"], c.field) << c.path << ": " << r.body;
  }
  auto ok = json::parse(Client().Get("/v1/audit/proof/consistency?from=100").body);
  EXPECT_EQ(ok["to"], 100);
  EXPECT_TRUE(ok["hashes"].empty());
}

// Retention dates and legal holds are audited admin commands: refused without the admin token,
// recorded in the log like every command, part of the state a restart replays.
TEST_F(ProofsIntegrationTest, RetentionAndLegalHoldsAreAuditedAdminCommands) {
  const std::vector<std::pair<std::string, std::string>> admin = {
      {"Authorization", std::string("Bearer ") + kAdminToken}};
  auto post = [&](const std::string& path, const std::string& body, bool with_token = true) {
    return Client().Post(path, body, with_token ? admin : decltype(admin){});
  };
  EXPECT_EQ(post("/v1/admin/retention", R"({"from_sequence":1,"through_sequence":10,"until_ns":5})",
                 false)
                .status,
            401);
  auto r = post("/v1/admin/retention",
                R"({"from_sequence":1,"through_sequence":1000,"until_ns":1956528000000000000})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(json::parse(r.body)["accepted"].get<bool>());
  r = post("/v1/admin/legal-holds", R"({"hold_id":2027001,"action":"place"})");
  EXPECT_TRUE(json::parse(r.body)["accepted"].get<bool>()) << r.body;
  r = post("/v1/admin/legal-holds", R"({"hold_id":99,"action":"release"})");
  EXPECT_EQ(json::parse(r.body)["reason"]["code"], "unknown_legal_hold") << r.body;
  r = post("/v1/admin/legal-holds", R"({"hold_id":1,"action":"keep"})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json::parse(r.body)["error"]["field"], "action");

  const std::string expected =
      R"({"retention":[{"from_sequence":1,"through_sequence":1000,"until_ns":1956528000000000000,)"
      R"("until":"2032-01-01T00:00:00.000Z"}],"legal_holds":[2027001]})";
  EXPECT_EQ(Client().Get("/v1/audit/retention").body, expected);
  const json records = json::parse(Client().Get("/v1/audit/records?from=1&limit=10").body);
  ASSERT_EQ(records["records"].size(), 3u);
  EXPECT_EQ(records["records"][0]["command"]["command"], "set_retention");
  EXPECT_EQ(records["records"][1]["command"]["action"], "place");

  runtime_->Signal(SIGTERM);
  ASSERT_EQ(runtime_->Wait(30s), 0);
  Start();
  EXPECT_EQ(Client().Get("/v1/audit/retention").body, expected);
}

TEST_F(ProofsIntegrationTest, WithoutAKeyAnswersCarryHeadsAndTheCheckpointRouteSaysWhy) {
  runtime_->Signal(SIGTERM);
  ASSERT_EQ(runtime_->Wait(30s), 0);
  env_.erase("DREICHOR_CHECKPOINT_KEY");
  Start();
  Send(1, 50, 1);
  ASSERT_FALSE(heads_.empty());
  auto r = Client().Get("/v1/audit/checkpoint");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "checkpoints_unsigned");
  EXPECT_EQ(Client().Get("/v1/audit/proof/inclusion?sequence=3").status, 200);
}

TEST_F(ProofsIntegrationTest, AMalformedKeyStopsTheStartWithoutEchoingIt) {
  runtime_->Signal(SIGTERM);
  ASSERT_EQ(runtime_->Wait(30s), 0);
  std::string key = env_["DREICHOR_CHECKPOINT_KEY"];
  key[key.size() - 5] = key[key.size() - 5] == 'A' ? 'B' : 'A';  // another seed: the id differs
  env_["DREICHOR_CHECKPOINT_KEY"] = key;
  RuntimeProcess bad(DREICHOR_RUNTIME_PATH, env_, dir_.Sub("bad.log"));
  EXPECT_NE(bad.Wait(30s).value_or(0), 0);
  const std::string text = bad.Text();
  EXPECT_NE(text.find("DREICHOR_CHECKPOINT_KEY"), std::string::npos) << text;
  // The seed: everything after PRIVATE+KEY+<name>+<key id>+ (base64 has '+' of its own).
  const std::string name = "dreichor.test/dev/audit";
  EXPECT_EQ(text.find(key.substr(std::string("PRIVATE+KEY+").size() + name.size() + 1 + 8 + 1)),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace dreichor::evidence
