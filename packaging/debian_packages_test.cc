// The Debian packages as an operator gets them: installed with dpkg into a clean Debian container
// (a minbase bookworm, nothing of this build tree in it), their dependencies from the Debian
// mirror, then every program run for its version and schema, the users and directories the
// maintainer script made checked, and a purge that keeps the records.
//
// Needs root, Podman and mmdebstrap (scripts/setup.sh) and the Debian mirror; where containers
// cannot run it skips, saying why in one line, except under CI=true, where it fails.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/version.h"
#include "testing/container_host.h"

namespace dreichor::packaging {
namespace {

namespace fs = std::filesystem;
using testing::TestContainerHost;

constexpr char kImage[] = "localhost/dreichor/packages-installed:test";

std::string ReadRepoFile(const std::string& path) {
  std::ifstream in(std::string(DREICHOR_SOURCE_DIR) + "/" + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class DebianPackagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    host_ = TestContainerHost::Start(&why, {"/usr/bin/mmdebstrap"});
    if (!host_) {
      if (TestContainerHost::Required()) FAIL() << "containers cannot run: " << why;
      GTEST_SKIP() << "containers cannot run on this machine: " << why;
    }
    ASSERT_EQ(host_->ImportDebianBase(), "");
  }

  // `sh -c script` in a new container of `image`; returns its exit code, output in *out. The
  // script may not hold a single quote (TestContainerHost::Podman quotes each argument so).
  int Run(const std::string& script, std::string* out, const std::string& image = kImage) {
    return host_->Podman({"run", "--rm", image, "sh", "-c", script}, out);
  }

  std::unique_ptr<TestContainerHost> host_;
};

TEST_F(DebianPackagesTest, InstallRunAndPurgeInACleanDebianContainer) {
  const std::string context = host_->dir() + "/packages";
  fs::create_directories(context);
  std::vector<std::string> debs;
  for (const auto& entry : fs::directory_iterator(std::string(DREICHOR_BINARY_DIR) + "/packages")) {
    if (entry.path().extension() == ".deb") {
      fs::copy_file(entry.path(), context + "/" + entry.path().filename().string());
      debs.push_back(entry.path().filename().string());
    }
  }
  ASSERT_EQ(debs.size(), 3u) << "cpack makes dreichor-deploy-agent, -tools and -services";
  // dpkg -i fails on the dependencies a minbase system lacks and leaves the packages unconfigured;
  // apt-get -f then installs exactly those dependencies and configures the packages.
  std::ofstream(context + "/Containerfile")
      << "FROM docker.io/library/debian:bookworm-slim\n"
         "COPY *.deb /tmp/packages/\n"
         "RUN apt-get update \\\n"
         " && (dpkg -i /tmp/packages/*.deb || "
         "DEBIAN_FRONTEND=noninteractive apt-get install -y -f --no-install-recommends) \\\n"
         " && rm -rf /var/lib/apt/lists/* /tmp/packages\n";
  std::string out;
  ASSERT_EQ(host_->Podman({"build", "--format", "docker", "-t", kImage, context}, &out), 0) << out;

  {
    SCOPED_TRACE("installed and configured");
    ASSERT_EQ(
        Run("dpkg-query -W -f=\"\\${Package} \\${Version} \\${Status}\\n\" \"dreichor-*\"", &out),
        0)
        << out;
    const std::string version = std::string(config::kVersion) + "-1";
    for (const char* package : {"dreichor-deploy-agent", "dreichor-services", "dreichor-tools"}) {
      EXPECT_NE(out.find(std::string(package) + " " + version + " install ok installed"),
                std::string::npos)
          << out;
    }
  }
  {
    SCOPED_TRACE("every program runs and says its version");
    for (const char* program :
         {"dreichor-deploy-agent", "dreichor-engine-gate", "dreichor", "dreichor-runtime",
          "dreichor-gateway", "dreichor-marketdata", "dreichor-migrate"}) {
      ASSERT_EQ(Run(std::string(program) + " --version", &out), 0) << program << ": " << out;
      EXPECT_EQ(out, std::string(program) + " " + config::kVersion + "\n");
    }
  }
  {
    SCOPED_TRACE("each service's schema is the committed document");
    for (const auto& [program, doc] : std::vector<std::pair<std::string, std::string>>{
             {"dreichor-deploy-agent", "infra/deploy/AGENT_ENV_SCHEMA.md"},
             {"dreichor-engine-gate", "infra/deploy/GATE_ENV_SCHEMA.md"},
             {"dreichor-runtime", "infra/env/ENV_SCHEMA.md"},
             {"dreichor-gateway", "infra/env/GATEWAY_ENV_SCHEMA.md"},
             {"dreichor-marketdata", "infra/env/MARKETDATA_ENV_SCHEMA.md"}}) {
      ASSERT_EQ(Run(program + " env-schema", &out), 0) << program << ": " << out;
      EXPECT_EQ(out, ReadRepoFile(doc)) << program;
    }
  }
  {
    SCOPED_TRACE("users, directories and units of every environment; no secret, nothing in /opt");
    ASSERT_EQ(Run("for e in dev staging prod; do"
                  " echo user: $(id -un dreichor-deploy-$e); id -Gn dreichor-gate-$e;"
                  " stat -c \"%n %U %G %a\" /opt/dreichor/$e/deploy-agent/history"
                  " /opt/dreichor/$e/deploy-agent /opt/dreichor/$e/volumes/audit-events"
                  " /opt/dreichor/$e/volumes/snapshots; done;"
                  " ls /usr/lib/systemd/system | grep dreichor;"
                  " dpkg -L dreichor-deploy-agent dreichor-tools dreichor-services"
                  " | grep . | grep -v ^/usr | grep -vx /. | sed \"s/^/outside-usr: /\";"
                  " dpkg -L dreichor-deploy-agent dreichor-tools dreichor-services"
                  " | grep -E \"[.]env$|secret|[.]key$\" | sed \"s/^/secret-like: /\"; true",
                  &out),
              0)
        << out;
    for (const std::string e : {"dev", "staging", "prod"}) {
      EXPECT_NE(out.find("user: dreichor-deploy-" + e + "\n"), std::string::npos) << out;
      EXPECT_NE(out.find("dreichor-gate-" + e + " dreichor-deploy-" + e), std::string::npos)
          << "the gate is in the agent's group: " << out;
      EXPECT_NE(out.find("/opt/dreichor/" + e + "/deploy-agent/history dreichor-deploy-" + e +
                         " dreichor-deploy-" + e + " 700"),
                std::string::npos)
          << out;
      EXPECT_NE(out.find("/opt/dreichor/" + e + "/deploy-agent root dreichor-deploy-" + e + " 750"),
                std::string::npos)
          << out;
      EXPECT_NE(out.find("/opt/dreichor/" + e + "/volumes/audit-events UNKNOWN UNKNOWN 750"),
                std::string::npos)
          << "owned by the runtime image's uid 10001, no host user: " << out;
    }
    for (const char* unit : {"dreichor-deploy-agent@.service", "dreichor-engine-gate@.service",
                             "dreichor-audit-ship@.service", "dreichor-audit-verify@.timer"}) {
      EXPECT_NE(out.find(unit), std::string::npos) << out;
    }
    EXPECT_EQ(out.find("outside-usr: "), std::string::npos) << out;
    EXPECT_EQ(out.find("secret-like: "), std::string::npos) << out;
  }
  {
    SCOPED_TRACE("an env file is checked by the service's own loader");
    ASSERT_EQ(Run("echo DREICHOR_AGENT_ENV=qa > /tmp/agent.env;"
                  " dreichor-deploy-agent env check /tmp/agent.env; echo rc=$?",
                  &out),
              0);
    EXPECT_NE(out.find("DREICHOR_AGENT_ENV: must be one of: dev, staging, prod"), std::string::npos)
        << out;
    EXPECT_NE(out.find("rc=1"), std::string::npos) << out;
  }
  {
    SCOPED_TRACE("a purge removes the programs and keeps the records");
    ASSERT_EQ(Run("echo record > /opt/dreichor/prod/deploy-agent/history/000001.log;"
                  " dpkg --purge dreichor-deploy-agent dreichor-tools dreichor-services >/dev/null;"
                  " command -v dreichor-deploy-agent || echo programs-gone;"
                  " cat /opt/dreichor/prod/deploy-agent/history/000001.log; id -un "
                  "dreichor-deploy-prod",
                  &out),
              0)
        << out;
    EXPECT_NE(out.find("programs-gone"), std::string::npos) << out;
    EXPECT_NE(out.find("record\ndreichor-deploy-prod"), std::string::npos) << out;
  }
}

}  // namespace
}  // namespace dreichor::packaging
