#include "deploy/deployer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "deploy/agent_answers.h"
#include "deploy/deploy_rules.h"
#include "testing/agent.h"
#include "testing/fake_clock.h"
#include "testing/fake_container_engine.h"
#include "testing/temp_dir.h"

namespace dreichor::deploy {
namespace {

using testing::FakeEngine;
using testing::FakeImage;

constexpr char kRepo[] = "registry.test/dreichor/runtime";
constexpr char kMigrationsRepo[] = "registry.test/dreichor/migrations";
constexpr char kRuntime[] = "dreichor-runtime-dev";
constexpr char kPrevious[] = "dreichor-runtime-dev-previous";
// secretlint-disable-next-line
constexpr char kRuntimeUrl[] = "postgres://dreichor_dev_runtime:rt-secret@127.0.0.1/dreichor_dev";
constexpr char kMigratorUrl[] =
    // secretlint-disable-next-line
    "postgres://dreichor_dev_migrator:mig-secret@127.0.0.1/dreichor_dev";

// The deployer's result as the agent presents it (deploy/agent_answers.h): these tests check
// outcomes through the statuses and JSON an operator sees.
struct ActionOutcome {
  int http_status = 0;
  nlohmann::json body;
};
ActionOutcome Present(const ActionResult& result) {
  const http::Response r = ActionAnswer(result);
  return {static_cast<int>(r.result_int()), nlohmann::json::parse(r.body())};
}

class DeployerTest : public ::testing::Test {
 protected:
  DeployerTest() : log_(fopen("/dev/null", "w"), LogLevel::kDebug, &clock_) {
    base_ = dir_.path() + "/dev";
    std::filesystem::create_directories(base_ + "/volumes/audit-events");
    std::filesystem::create_directories(base_ + "/volumes/snapshots");
    config_.env = "dev";
    config_.image_repository = kRepo;
    config_.base_dir = base_;
    config_.runtime_env_file = base_ + "/runtime.env";
    config_.runtime_publish = {"127.0.0.1", 18080};
    config_.readiness_deadline = std::chrono::milliseconds(10'000);
    config_.stop_timeout = std::chrono::milliseconds(30'000);
    config_.migrations_deadline = std::chrono::milliseconds(60'000);
    config_.runtime_limits = {512LL << 20, 1'500'000'000, 128};
    config_.runtime_subnet = "10.89.1.0/24";
    WriteRuntimeEnv("dev", "");
    engine_.AddImage(kRepo, "sha-aaaaaaa", {"sha256:aaaa"});
    engine_.AddImage(kRepo, "sha-bbbbbbb", {"sha256:bbbb"});
    Reopen();
  }

  // Turns the migrations step on, the migration role's URL in its own file.
  void UseMigrations(const std::string& migrations_url = kMigratorUrl) {
    WriteRuntimeEnv("dev", kRuntimeUrl);
    config_.migrations_repository = kMigrationsRepo;
    config_.migrations_env_file = base_ + "/migrations.env";
    std::ofstream(config_.migrations_env_file) << "DATABASE_URL=" << migrations_url << "\n";
    Reopen();
  }

  void WriteRuntimeEnv(const std::string& env, const std::string& database_url) {
    testing::TestRuntimeEnv e;
    e.env = env;
    e.database_url = database_url;
    std::ofstream(config_.runtime_env_file) << testing::RuntimeEnvText(e);
  }

  // A new Deployer over the same history and engine (as after an agent restart).
  void Reopen() {
    deployer_.reset();
    history_.reset();
    history_ = std::move(History::Open(Env::Default(), config_.history_dir(), &clock_)).value();
    deployer_ = std::make_unique<Deployer>(config_, &engine_, history_.get(), Env::Default(),
                                           &clock_, &log_);
    ASSERT_TRUE(deployer_->Load().ok());
  }

  nlohmann::ordered_json LastRecord() {
    auto all = history_->ReadAll();
    return all.value().back().record.ToJson();
  }
  std::vector<std::string> Outcomes() {
    std::vector<std::string> out;
    auto all = history_->ReadAll();
    for (const HistoryEntry& e : all.value()) {
      out.push_back(std::string(ActionName(e.record.action)) + ":" + OutcomeName(e.record.outcome));
    }
    return out;
  }
  std::string RunningDigest() {
    auto c = engine_.ByName();
    if (!c.count(kRuntime) || !c.at(kRuntime).running) return "";
    return c.at(kRuntime).labels.at(kDigestLabel);
  }
  void DeployOk(const std::string& tag) {
    ActionOutcome o = Present(deployer_->Deploy(tag, "alice@example.com"));
    ASSERT_EQ(o.http_status, 200) << o.body.dump();
  }

  TempDir dir_;
  std::string base_;
  AgentConfig config_;
  FakeEngine engine_;
  testing::FakeClock clock_;
  JsonLog log_;
  std::unique_ptr<History> history_;
  std::unique_ptr<Deployer> deployer_;
};

TEST_F(DeployerTest, FirstDeployRunsAReadyContainerPinnedByDigest) {
  DeployOk("sha-aaaaaaa");
  const auto c = engine_.ByName();
  ASSERT_TRUE(c.count(kRuntime));
  const ContainerState& rt = c.at(kRuntime);
  EXPECT_TRUE(rt.running);
  EXPECT_EQ(rt.image, std::string(kRepo) + "@sha256:aaaa");
  EXPECT_EQ(rt.labels.at(kEnvLabel), "dev");
  EXPECT_EQ(rt.labels.at(kTagLabel), "sha-aaaaaaa");
  EXPECT_EQ(rt.mounts,
            (std::vector<BindMount>{{base_ + "/volumes/audit-events", kContainerAuditDir},
                                    {base_ + "/volumes/snapshots", kContainerSnapshotDir}}));
  EXPECT_TRUE(rt.read_only_root) << "only the two mounts are writable";
  const ContainerSpec& spec = engine_.SpecOf(rt.id);
  ASSERT_TRUE(spec.publish.has_value());
  EXPECT_EQ(spec.publish->host_ip, "127.0.0.1");
  EXPECT_EQ(spec.publish->container_port, 8080);
  EXPECT_NE(std::find(spec.env.begin(), spec.env.end(), "DREICHOR_ENV=dev"), spec.env.end());
  EXPECT_EQ(engine_.ExecCommands(), std::vector<std::string>{"/bin/ready"})
      << "readiness is the image's own healthcheck, run inside the container";
  const auto record = LastRecord();
  EXPECT_EQ(record["outcome"], "succeeded");
  EXPECT_EQ(record["digest"], "sha256:aaaa");
  EXPECT_EQ(record["operator"], "alice@example.com");
  EXPECT_TRUE(record.contains("duration_ms"));
  EXPECT_EQ(Outcomes(), (std::vector<std::string>{"deploy:started", "deploy:succeeded"}));
}

TEST_F(DeployerTest, SecondDeployReplacesTheOldContainerAndRemovesIt) {
  DeployOk("sha-aaaaaaa");
  DeployOk("sha-bbbbbbb");
  EXPECT_EQ(RunningDigest(), "sha256:bbbb");
  EXPECT_EQ(engine_.ByName().size(), 1u) << "the previous container is removed once ready";
  // The old one was stopped before the new one was created: they never run together.
  const auto& calls = engine_.calls();
  const auto stop = std::find_if(calls.begin(), calls.end(),
                                 [](const std::string& c) { return c.rfind("stop", 0) == 0; });
  const auto create = std::find(calls.rbegin(), calls.rend(), std::string("create ") + kRuntime);
  ASSERT_NE(stop, calls.end());
  EXPECT_LT(stop - calls.begin(), calls.rend() - create - 1);
}

TEST_F(DeployerTest, RedeployingWhatRunsIsARecordedNoOp) {
  DeployOk("sha-aaaaaaa");
  const std::string id = engine_.ByName().at(kRuntime).id;
  DeployOk("sha-aaaaaaa");
  EXPECT_EQ(engine_.ByName().at(kRuntime).id, id) << "the container was not touched";
  EXPECT_EQ(LastRecord()["outcome"], "noop");
}

TEST_F(DeployerTest, RedeployingAfterTheEnvFileChangedRecreatesTheContainer) {
  DeployOk("sha-aaaaaaa");
  const std::string id = engine_.ByName().at(kRuntime).id;
  std::ofstream(config_.runtime_env_file, std::ios::app)
      << "OTHER_SETTING=changed\n";  // a non-DREICHOR variable, passed through
  DeployOk("sha-aaaaaaa");
  EXPECT_NE(engine_.ByName().at(kRuntime).id, id);
  EXPECT_EQ(LastRecord()["outcome"], "succeeded");
  EXPECT_EQ(RunningDigest(), "sha256:aaaa");
}

TEST_F(DeployerTest, MovingTagIsRefusedInProdAndRecorded) {
  config_.env = "prod";
  config_.base_dir = dir_.path() + "/prod";
  Reopen();
  ActionOutcome o = Present(deployer_->Deploy("latest", "alice@example.com"));
  EXPECT_EQ(o.http_status, 400);
  EXPECT_EQ(o.body["error"]["code"], "bad_tag");
  EXPECT_EQ(LastRecord()["outcome"], "refused");
  EXPECT_TRUE(engine_.calls().empty()) << "the engine was not asked anything";
}

TEST_F(DeployerTest, FailuresBeforeTheCutoverLeaveTheOldContainerRunningUntouched) {
  DeployOk("sha-aaaaaaa");
  const std::string id = engine_.ByName().at(kRuntime).id;
  struct Case {
    std::string step;
    std::function<void()> arrange;
    std::function<void()> restore;
  };
  const std::vector<Case> cases = {
      {"env", [&] { WriteRuntimeEnv("prod", ""); }, [&] { WriteRuntimeEnv("dev", ""); }},
      {"volumes", [&] { std::filesystem::remove_all(base_ + "/volumes/snapshots"); },
       [&] { std::filesystem::create_directories(base_ + "/volumes/snapshots"); }},
      {"pull", [&] { engine_.FailNext("pull", "manifest unknown"); }, [] {}},
  };
  for (const Case& c : cases) {
    c.arrange();
    ActionOutcome o = Present(deployer_->Deploy("sha-bbbbbbb", "alice@example.com"));
    c.restore();
    EXPECT_EQ(o.http_status, 502) << c.step;
    const auto record = LastRecord();
    EXPECT_EQ(record["outcome"], "failed") << c.step;
    EXPECT_EQ(record["step"], c.step);
    EXPECT_EQ(record["old_stopped"], false);
    EXPECT_EQ(record["left_running"], "unchanged");
    EXPECT_EQ(engine_.ByName().at(kRuntime).id, id) << c.step;
    EXPECT_EQ(RunningDigest(), "sha256:aaaa") << c.step;
  }
}

TEST_F(DeployerTest, FailedMigrationsCostNoDowntimeAndKeepTheirLogs) {
  UseMigrations();
  engine_.AddImage(kMigrationsRepo, "sha-aaaaaaa", {"sha256:m-aaaa", false, 0, 0});
  engine_.AddImage(kMigrationsRepo, "sha-bbbbbbb", {"sha256:m-bbbb", false, 0, 3});
  DeployOk("sha-aaaaaaa");
  ActionOutcome o = Present(deployer_->Deploy("sha-bbbbbbb", "alice@example.com"));
  EXPECT_EQ(o.http_status, 502);
  const auto record = LastRecord();
  EXPECT_EQ(record["step"], "migrations");
  EXPECT_EQ(record["reason"], "the migrations container exited with code 3");
  EXPECT_EQ(record["logs"][0], "log of dreichor-migrations-dev");
  EXPECT_EQ(RunningDigest(), "sha256:aaaa");
  EXPECT_FALSE(engine_.ByName().count("dreichor-migrations-dev")) << "the one-shot is removed";
}

TEST_F(DeployerTest, MigrationsRunWithTheSameTagBeforeTheCutover) {
  UseMigrations();
  engine_.AddImage(kMigrationsRepo, "sha-aaaaaaa", {"sha256:m-aaaa", false, 0, 0});
  DeployOk("sha-aaaaaaa");
  const auto& calls = engine_.calls();
  EXPECT_NE(std::find(calls.begin(), calls.end(), "create dreichor-migrations-dev"), calls.end());
  EXPECT_EQ(RunningDigest(), "sha256:aaaa");
}

TEST_F(DeployerTest, MigrationsRunAsTheMigrationRoleAndTheRuntimeNeverSeesIt) {
  UseMigrations();
  engine_.AddImage(kMigrationsRepo, "sha-aaaaaaa", {"sha256:m-aaaa", false, 0, 0});
  DeployOk("sha-aaaaaaa");
  std::vector<std::string> migrations_env, runtime_env;
  for (const auto& [id, spec] : engine_.Specs()) {
    (spec.name == "dreichor-migrations-dev" ? migrations_env : runtime_env) = spec.env;
  }
  EXPECT_EQ(migrations_env, std::vector<std::string>{std::string("DATABASE_URL=") + kMigratorUrl});
  for (const std::string& v : runtime_env) {
    EXPECT_EQ(v.find("migrator"), std::string::npos) << v;
    EXPECT_EQ(v.find("mig-secret"), std::string::npos) << v;
  }
}

TEST_F(DeployerTest, AMigrationsUrlOfAnotherRoleOrEnvironmentIsRefusedBeforeAnythingRuns) {
  const std::vector<std::string> wrong_urls = {
      kRuntimeUrl, "postgres://dreichor_prod_migrator:x@h/dreichor_prod",
      "postgres://dreichor_dev_migrator:x@h/dreichor_prod", "postgres://postgres:x@h/dreichor_dev"};
  for (const std::string& url : wrong_urls) {
    SCOPED_TRACE(url);
    UseMigrations(url);
    engine_.AddImage(kMigrationsRepo, "sha-aaaaaaa", {"sha256:m-aaaa", false, 0, 0});
    ActionOutcome o = Present(deployer_->Deploy("sha-aaaaaaa", "alice@example.com"));
    EXPECT_EQ(o.http_status, 502);
    const auto record = LastRecord();
    EXPECT_EQ(record["step"], "migrations");
    EXPECT_NE(record["reason"].get<std::string>().find("DATABASE_URL names"), std::string::npos)
        << record["reason"];
    EXPECT_EQ(record["reason"].get<std::string>().find(":x@"), std::string::npos)
        << "the password is not recorded";
    EXPECT_FALSE(engine_.ByName().count("dreichor-migrations-dev"));
    EXPECT_FALSE(engine_.ByName().count(kRuntime));
  }
}

TEST_F(DeployerTest, TheRuntimeContainerIsUnprivilegedAndLimitedAsConfigured) {
  DeployOk("sha-aaaaaaa");
  const ContainerState rt = engine_.ByName().at(kRuntime);
  const ContainerSpec& spec = engine_.SpecOf(rt.id);
  EXPECT_TRUE(spec.unprivileged);
  EXPECT_EQ(spec.user, "10001:10001");
  EXPECT_EQ(spec.limits, config_.runtime_limits);
  EXPECT_TRUE(spec.read_only_root);

  // The same digest and env file under other limits is a real deploy, not a no-op.
  DeployOk("sha-aaaaaaa");
  const std::string same_id = engine_.ByName().at(kRuntime).id;
  EXPECT_EQ(same_id, rt.id) << "unchanged: a no-op";
  config_.runtime_limits.pids = 256;
  Reopen();
  DeployOk("sha-aaaaaaa");
  const ContainerState after = engine_.ByName().at(kRuntime);
  EXPECT_NE(after.id, same_id);
  EXPECT_EQ(after.limits.pids, 256);
}

TEST_F(DeployerTest, FailuresAfterTheOldStoppedLeaveNothingRunningAndRollbackRestoresIt) {
  for (const std::string step : {"create", "start", "readiness", "exited"}) {
    SCOPED_TRACE(step);
    DeployOk("sha-aaaaaaa");
    FakeImage bad{"sha256:cccc-" + step};
    if (step == "readiness") bad.ready_after_checks = 0;
    if (step == "exited") bad.exit_at_start = 14;
    const std::string tag = "sha-cccccc" + std::to_string(step.size());
    engine_.AddImage(kRepo, tag, bad);
    if (step == "create" || step == "start") engine_.FailNext(step, "engine said no");

    ActionOutcome o = Present(deployer_->Deploy(tag, "alice@example.com"));
    EXPECT_NE(o.http_status, 200);
    const auto record = LastRecord();
    EXPECT_EQ(record["outcome"], "failed");
    EXPECT_EQ(record["step"], step == "exited" ? "readiness" : step);
    EXPECT_EQ(record["old_stopped"], true);
    EXPECT_EQ(record["left_running"], "nothing");
    EXPECT_TRUE(engine_.Running().empty()) << "nothing is started automatically";
    const auto containers = engine_.ByName();
    EXPECT_FALSE(containers.count(kRuntime)) << "the new container is removed";
    ASSERT_TRUE(containers.count(kPrevious)) << "the previous container is kept";
    EXPECT_FALSE(containers.at(kPrevious).running);
    if (step == "readiness") {
      EXPECT_NE(record["reason"].get<std::string>().find("not ready within 10.0s"),
                std::string::npos)
          << record["reason"];
      EXPECT_EQ(record["logs"][0], "log of dreichor-runtime-dev");
    }
    if (step == "exited") {
      EXPECT_EQ(record["reason"], "the container exited with code 14 before it was ready");
    }

    ActionOutcome back = Present(deployer_->Rollback("bob@example.com"));
    ASSERT_EQ(back.http_status, 200) << back.body.dump();
    EXPECT_EQ(back.body["record"]["digest"], "sha256:aaaa");
    EXPECT_EQ(RunningDigest(), "sha256:aaaa");
    EXPECT_EQ(engine_.ByName().size(), 1u);
  }
}

TEST_F(DeployerTest, ImageWithoutHealthcheckFailsReadiness) {
  engine_.AddImage(kRepo, "sha-ddddddd", {"sha256:dddd", false});
  ActionOutcome o = Present(deployer_->Deploy("sha-ddddddd", "alice@example.com"));
  EXPECT_EQ(o.http_status, 503);
  EXPECT_EQ(LastRecord()["reason"], "the image declares no HEALTHCHECK; readiness cannot be known");
  EXPECT_TRUE(engine_.ByName().empty());
}

TEST_F(DeployerTest, StopOfTheOldContainerFailingAbortsTheDeploy) {
  DeployOk("sha-aaaaaaa");
  engine_.FailNext("stop", "timeout talking to the engine");
  ActionOutcome o = Present(deployer_->Deploy("sha-bbbbbbb", "alice@example.com"));
  EXPECT_EQ(o.http_status, 502);
  EXPECT_EQ(LastRecord()["step"], "stop-old");
  EXPECT_FALSE(engine_.ByName().count(kPrevious)) << "nothing was renamed or created";
}

TEST_F(DeployerTest, RenameFailingAfterTheStopLeavesNothingRunningAndRollbackRecovers) {
  DeployOk("sha-aaaaaaa");
  engine_.FailNext("rename", "name in use");
  ActionOutcome o = Present(deployer_->Deploy("sha-bbbbbbb", "alice@example.com"));
  EXPECT_EQ(o.http_status, 502);
  EXPECT_EQ(LastRecord()["step"], "rename-old");
  EXPECT_EQ(LastRecord()["left_running"], "nothing");
  EXPECT_TRUE(engine_.Running().empty());
  ASSERT_EQ(Present(deployer_->Rollback("bob@example.com")).http_status, 200);
  EXPECT_EQ(RunningDigest(), "sha256:aaaa");
}

TEST_F(DeployerTest, RollbackGoesToThePreviousDigestAndSurvivesARestart) {
  EXPECT_EQ(Present(deployer_->Rollback("bob@example.com")).http_status, 409);
  DeployOk("sha-aaaaaaa");
  EXPECT_EQ(Present(deployer_->Rollback("bob@example.com")).http_status, 409)
      << "one deployment: nothing earlier";
  DeployOk("sha-bbbbbbb");
  Reopen();  // the target comes from the history
  ActionOutcome o = Present(deployer_->Rollback("bob@example.com"));
  ASSERT_EQ(o.http_status, 200) << o.body.dump();
  EXPECT_EQ(RunningDigest(), "sha256:aaaa");
  EXPECT_EQ(LastRecord()["action"], "rollback");
  EXPECT_EQ(LastRecord()["operator"], "bob@example.com");
}

TEST_F(DeployerTest, RollbackToAnImageThatIsGoneEverywhereLeavesTheRuntimeRunning) {
  DeployOk("sha-aaaaaaa");
  DeployOk("sha-bbbbbbb");
  engine_.Forget(kRepo, "sha-aaaaaaa");
  ActionOutcome o = Present(deployer_->Rollback("bob@example.com"));
  EXPECT_EQ(o.http_status, 502);
  EXPECT_EQ(LastRecord()["step"], "pull");
  EXPECT_EQ(LastRecord()["left_running"], "unchanged");
  EXPECT_EQ(RunningDigest(), "sha256:bbbb");
}

TEST_F(DeployerTest, RollbackUsesTheLocalImageWhenTheRegistryIsDown) {
  DeployOk("sha-aaaaaaa");
  DeployOk("sha-bbbbbbb");
  engine_.FailNext("pull", "registry unreachable");
  ASSERT_EQ(Present(deployer_->Rollback("bob@example.com")).http_status, 200);
  EXPECT_EQ(RunningDigest(), "sha256:aaaa");
}

TEST_F(DeployerTest, StopAndStartAreRecorded) {
  EXPECT_EQ(Present(deployer_->Stop("alice@example.com")).http_status, 409);
  EXPECT_EQ(Present(deployer_->Start("alice@example.com")).http_status, 409);
  DeployOk("sha-aaaaaaa");
  EXPECT_EQ(Present(deployer_->Stop("alice@example.com")).http_status, 200);
  EXPECT_TRUE(engine_.Running().empty());
  EXPECT_EQ(LastRecord()["exit_code"], 0);
  EXPECT_EQ(Present(deployer_->Stop("alice@example.com")).http_status, 409);
  EXPECT_EQ(Present(deployer_->Start("alice@example.com")).http_status, 200);
  EXPECT_EQ(RunningDigest(), "sha256:aaaa");
  EXPECT_EQ(Outcomes().back(), "start:succeeded");
}

TEST_F(DeployerTest, AStartWaitsForTheEngineToLetGoOfThePortThenGivesUp) {
  DeployOk("sha-aaaaaaa");
  const std::string busy = "cannot listen on the TCP port: bind: address already in use";
  engine_.FailNext("start", busy, 3);  // released after three tries
  ASSERT_EQ(Present(deployer_->Deploy("sha-bbbbbbb", "alice@example.com")).http_status, 200);
  EXPECT_EQ(RunningDigest(), "sha256:bbbb");

  ASSERT_EQ(Present(deployer_->Stop("alice@example.com")).http_status, 200);
  engine_.FailNext("start", busy, 1000);  // held for good: the deadline ends it
  const ActionOutcome o = Present(deployer_->Start("alice@example.com"));
  EXPECT_EQ(o.http_status, 503) << "nothing runs";
  EXPECT_EQ(LastRecord()["step"], "start");
  EXPECT_NE(LastRecord()["reason"].get<std::string>().find("address already in use"),
            std::string::npos);
  EXPECT_GE(LastRecord()["duration_ms"].get<int64_t>(), 10'000);
  EXPECT_LE(LastRecord()["duration_ms"].get<int64_t>(), 11'000);

  engine_.FailNext("start", "no such image", 1000);  // any other failure is not retried
  EXPECT_EQ(Present(deployer_->Start("alice@example.com")).http_status, 503);
  EXPECT_EQ(LastRecord()["reason"], "no such image");
  EXPECT_LE(LastRecord()["duration_ms"].get<int64_t>(), 1'000);
}

TEST_F(DeployerTest, ContainersOfAnotherEnvironmentAreNeverTouched) {
  engine_.AddForeign(kRuntime, {{kEnvLabel, "prod"}}, true);
  ActionOutcome o = Present(deployer_->Deploy("sha-aaaaaaa", "alice@example.com"));
  EXPECT_EQ(o.http_status, 502);
  EXPECT_NE(LastRecord()["reason"].get<std::string>().find("is not labelled dreichor.env=dev"),
            std::string::npos);
  EXPECT_EQ(Present(deployer_->Stop("alice@example.com")).http_status, 502);
  EXPECT_TRUE(engine_.ByName().at(kRuntime).running) << "the foreign container still runs";
  for (const std::string& call : engine_.calls()) {
    EXPECT_TRUE(call.rfind("inspect", 0) == 0 || call.rfind("pull", 0) == 0 ||
                call == "network dreichor-dev")
        << call;
  }
}

TEST_F(DeployerTest, TheRuntimeAndMigrationsJoinOnlyTheEnvironmentsOwnNetwork) {
  UseMigrations(kMigratorUrl);
  engine_.AddImage(kMigrationsRepo, "sha-aaaaaaa", {"sha256:m-aaaa", false, 0, 0});
  DeployOk("sha-aaaaaaa");
  const auto& network = engine_.networks().at("dreichor-dev");
  EXPECT_EQ(network.subnets, std::vector<std::string>{"10.89.1.0/24"});
  EXPECT_EQ(network.labels.at(kEnvLabel), "dev");
  for (const auto& [id, spec] : engine_.Specs()) {
    EXPECT_EQ(spec.network, "dreichor-dev") << spec.name;
    EXPECT_TRUE(spec.unprivileged) << spec.name;
  }
  EXPECT_EQ(engine_.Specs().size(), 2u) << "the migrations and the runtime";
}

TEST_F(DeployerTest, ANetworkOfTheSameNameThatIsNotThisEnvironmentsIsRefused) {
  DeployOk("sha-aaaaaaa");
  const std::string running = engine_.ByName().at(kRuntime).id;
  struct Case {
    deploy::NetworkState network;
    std::string complaint;
  };
  for (const Case& c : std::vector<Case>{
           {{"dreichor-dev", {"10.89.1.0/24"}, {{kEnvLabel, "prod"}}, false},
            "is not labelled dreichor.env=dev"},
           {{"dreichor-dev", {"10.89.1.0/24"}, {}, false}, "is not labelled"},
           {{"dreichor-dev", {"10.89.2.0/24"}, {{kEnvLabel, "dev"}}, false},
            "has subnet 10.89.2.0/24, not the configured 10.89.1.0/24"},
           {{"dreichor-dev", {"10.89.1.0/24", "10.89.9.0/24"}, {{kEnvLabel, "dev"}}, false},
            "has subnet 10.89.1.0/24, 10.89.9.0/24"},
           {{"dreichor-dev", {"10.89.1.0/24"}, {{kEnvLabel, "dev"}}, true}, "is internal"}}) {
    SCOPED_TRACE(c.complaint);
    engine_.AddNetwork(c.network);
    const ActionOutcome o = Present(deployer_->Deploy("sha-bbbbbbb", "alice@example.com"));
    EXPECT_EQ(o.http_status, 502);
    EXPECT_EQ(LastRecord()["step"], "network");
    EXPECT_NE(LastRecord()["reason"].get<std::string>().find(c.complaint), std::string::npos)
        << LastRecord()["reason"];
    EXPECT_EQ(LastRecord()["left_running"], "unchanged");
    EXPECT_EQ(engine_.ByName().at(kRuntime).id, running);
    EXPECT_TRUE(engine_.ByName().at(kRuntime).running);
  }
  engine_.FailNext("network", "engine said no");
  EXPECT_EQ(Present(deployer_->Deploy("sha-bbbbbbb", "alice@example.com")).http_status, 502);
  EXPECT_EQ(LastRecord()["reason"], "engine said no");
}

TEST_F(DeployerTest, StatusReportsContainerDeploymentAndRollbackTarget) {
  DeployOk("sha-aaaaaaa");
  DeployOk("sha-bbbbbbb");
  auto status = deployer_->CurrentStatus();
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  ASSERT_TRUE(status.value().container.has_value());
  EXPECT_EQ(status.value().container->state.labels.at(kDigestLabel), "sha256:bbbb");
  EXPECT_TRUE(status.value().container->ready);
  ASSERT_TRUE(status.value().current.has_value());
  EXPECT_EQ(status.value().current->tag, "sha-bbbbbbb");
  ASSERT_TRUE(status.value().rollback_target.has_value());
  EXPECT_EQ(status.value().rollback_target->digest, "sha256:aaaa");
  const nlohmann::json s = StatusJson("dev", status.value(), std::nullopt);
  EXPECT_EQ(s["container"]["digest"], "sha256:bbbb");
  EXPECT_EQ(s["rollback_target"]["digest"], "sha256:aaaa");
  auto entries = deployer_->Deployments();
  ASSERT_TRUE(entries.ok());
  const nlohmann::json d = DeploymentsJson(entries.value(), 2);
  EXPECT_EQ(d["total"], 4);
  EXPECT_EQ(d["entries"].size(), 2u);
  EXPECT_EQ(d["entries"][0]["outcome"], "succeeded") << "newest first";
}

}  // namespace
}  // namespace dreichor::deploy

namespace dreichor::deploy {
namespace {

// The receiving side of a promotion, as staging: the source's digest, pulled by its tag, or
// nothing.
class PromotionTest : public DeployerTest {
 protected:
  PromotionTest() {
    config_.env = "staging";
    WriteRuntimeEnv("staging", "");
    engine_.AddImage(kRepo, "v1.0.0", {kDigest});
    engine_.AddImage(kRepo, "latest", {kDigest});
    Reopen();
  }
  std::string StagingDigest() {
    auto c = engine_.ByName();
    const auto it = c.find("dreichor-runtime-staging");
    return it == c.end() || !it->second.running ? "" : it->second.labels.at(kDigestLabel);
  }
  static inline const std::string kDigest = "sha256:" + std::string(64, 'c');
  const PromotionSource source_{"dev", 4, "v1.0.0", kDigest};
};

TEST_F(PromotionTest, DeploysExactlyTheSourcesDigestAndRecordsWhereItCameFrom) {
  const ActionOutcome o = Present(deployer_->Promote(source_, "alice@example.com"));
  ASSERT_EQ(o.http_status, 200) << o.body.dump();
  EXPECT_EQ(o.body["record"]["action"], "promote");
  EXPECT_EQ(o.body["record"]["digest"], kDigest);
  EXPECT_EQ(o.body["record"]["peer_env"], "dev");
  EXPECT_EQ(o.body["record"]["peer_deployment"], 4);
  EXPECT_EQ(StagingDigest(), kDigest);
  EXPECT_EQ(Outcomes(), (std::vector<std::string>{"promote:started", "promote:succeeded"}));
  Reopen();
  auto status = deployer_->CurrentStatus();
  ASSERT_TRUE(status.ok());
  ASSERT_TRUE(status.value().current.has_value()) << "a promotion is a deployment of its own";
  EXPECT_EQ(status.value().current->digest, kDigest);
}

TEST_F(PromotionTest, ATagThatNowNamesAnotherDigestTouchesNothing) {
  DeployOk("sha-aaaaaaa");
  engine_.AddImage(kRepo, "v1.0.0", {"sha256:" + std::string(64, 'd')});  // moved since
  const ActionOutcome o = Present(deployer_->Promote(source_, "alice@example.com"));
  EXPECT_EQ(o.http_status, 502) << o.body.dump();
  EXPECT_EQ(o.body["record"]["step"], "pull");
  EXPECT_NE(o.body["record"]["reason"].get<std::string>().find("which runs in dev"),
            std::string::npos);
  EXPECT_EQ(o.body["record"]["left_running"], "unchanged");
  EXPECT_EQ(StagingDigest(), "sha256:aaaa");
}

TEST_F(PromotionTest, OnlyFromThePreviousEnvironmentAndOnlyTagsThisOneAccepts) {
  PromotionSource sideways = source_;
  sideways.env = "prod";
  ActionOutcome o = Present(deployer_->Promote(sideways, "alice@example.com"));
  EXPECT_EQ(o.http_status, 409) << o.body.dump();
  EXPECT_EQ(o.body["error"]["code"], "nothing_to_promote");
  PromotionSource no_digest = source_;
  no_digest.digest = "sha256:c";
  EXPECT_EQ(Present(deployer_->Promote(no_digest, "alice@example.com")).http_status, 409);
  EXPECT_TRUE(Outcomes().empty()) << "a source that is not dev's leaves no record";

  PromotionSource moving = source_;
  moving.tag = "latest";
  o = Present(deployer_->Promote(moving, "alice@example.com"));
  EXPECT_EQ(o.http_status, 400) << "staging has prod's tag rules: " << o.body.dump();
  EXPECT_EQ(Outcomes(), (std::vector<std::string>{"promote:refused"}));
  EXPECT_EQ(StagingDigest(), "");

  config_.env = "dev";
  WriteRuntimeEnv("dev", "");
  Reopen();
  o = Present(deployer_->Promote(source_, "alice@example.com"));
  EXPECT_EQ(o.body["error"]["code"], "no_promotion_source") << o.body.dump();
}

TEST_F(DeployerTest, TheSourceRecordsOnlyAPromotionOfWhatItRan) {
  DeployOk("sha-aaaaaaa");
  const uint64_t deployment = LastRecord()["deployment"].get<uint64_t>();
  auto offered = deployer_->Promotable();
  ASSERT_TRUE(offered.ok()) << offered.status().message();
  EXPECT_EQ(offered.value().id, deployment);
  EXPECT_EQ(Present(deployer_->RecordPromoted(deployment, "sha256:bbbb", "staging", 7, "agent"))
                .http_status,
            409)
      << "not the digest of that deployment";
  EXPECT_EQ(Present(deployer_->RecordPromoted(deployment + 9, "sha256:aaaa", "staging", 7, "a"))
                .http_status,
            409);
  const ActionOutcome o =
      Present(deployer_->RecordPromoted(deployment, "sha256:aaaa", "staging", 7, "alice"));
  ASSERT_EQ(o.http_status, 200) << o.body.dump();
  EXPECT_EQ(o.body["record"]["action"], "promoted");
  EXPECT_EQ(o.body["record"]["peer_env"], "staging");
  EXPECT_EQ(o.body["record"]["peer_deployment"], 7);
  ASSERT_TRUE(deployer_->Stop("alice").record.has_value());
  EXPECT_FALSE(deployer_->Promotable().ok()) << "a stopped runtime offers nothing";
}

}  // namespace
}  // namespace dreichor::deploy
