// The alert path end to end, with the repository's own alert rules and Alertmanager routing, for
// two real faults. Prometheus scrapes a real runtime; the runtime is killed with SIGKILL,
// DreichorRuntimeDown (P0) fires after its `for`, Alertmanager routes it to the paging receiver
// (a webhook in this test); the runtime is started again and the receiver is told the alert is
// resolved. That runtime's disk then refuses a write (a file-size limit: EFBIG, as a full disk
// gives ENOSPC), DreichorAuditLogFailed (P0) pages, and a restart on a healthy disk resolves it.
// Prints the time from each fault to its page.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "http/reply.h"
#include "http/server.h"
#include "testing/http_client.h"
#include "testing/runtime_process.h"
#include "testing/temp_dir.h"
#include "testing/test_ports.h"

namespace dreichor {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using testing::RuntimeProcess;

// Alertmanager's webhook calls, kept in order.
class Receiver final : public http::Handler {
 public:
  void Handle(http::Request&& request, http::Respond respond) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(
          {std::string(request.target()), json::parse(request.body(), nullptr, false)});
    }
    respond(http::JsonReply(200, json::object()));
  }
  // The first call to `path` whose alerts include `alertname` with `status`.
  std::optional<json> Find(const std::string& path, const std::string& alertname,
                           const std::string& status) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [target, body] : calls_) {
      if (target != path || !body.is_object()) continue;
      for (const json& alert : body.value("alerts", json::array())) {
        if (alert["labels"].value("alertname", "") == alertname &&
            alert.value("status", "") == status) {
          return alert;
        }
      }
    }
    return std::nullopt;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, json>> calls_;
};

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Room for the first segment's header and a few hundred records, then EFBIG.
constexpr uint64_t kFileSizeLimit = 192 << 10;

class AlertingTest : public ::testing::Test {
 protected:
  config::EnvMap RuntimeEnv(uint16_t port) const {
    return testing::LocalRuntimeEnv("prod", "127.0.0.1:" + std::to_string(port), dir_.path(),
                                    "alerting-test-admin-token-0123456789ab");
  }
  // With `file_size_limit` > 0, no file of the runtime may grow beyond it (RuntimeProcess).
  std::unique_ptr<RuntimeProcess> StartRuntime(uint16_t port, uint64_t file_size_limit = 0) {
    config::EnvMap env = RuntimeEnv(port);
    env["DREICHOR_AUDIT_SEGMENT_BYTES"] = "1048576";
    auto p = std::make_unique<RuntimeProcess>(
        DREICHOR_RUNTIME_PATH, env, dir_.Sub("runtime-" + std::to_string(runs_++) + ".log"),
        std::vector<std::string>{}, file_size_limit);
    EXPECT_TRUE(p->WaitForLine(RuntimeProcess::Phase("ready", "ok"), std::chrono::seconds(60)))
        << p->Text();
    return p;
  }
  // Waits up to `limit` for `found` to hold, polling every 250 ms.
  static bool WaitFor(std::chrono::seconds limit, const std::function<bool()>& found) {
    const auto until = Clock::now() + limit;
    while (Clock::now() < until) {
      if (found()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return found();
  }

  TempDir dir_;
  int runs_ = 0;
};

TEST_F(AlertingTest, AKilledRuntimeAndAFailedAuditLogPageAndResolveWhenFixed) {
  Receiver receiver;
  http::ServerOptions options;
  options.address = "127.0.0.1";
  auto server = http::Server::Start(options, &receiver);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  const std::string receiver_url = "http://127.0.0.1:" + std::to_string(server.value()->port());

  // The repository's Alertmanager routing, its receivers pointed at this test.
  const std::string source = DREICHOR_SOURCE_DIR "/infra/monitoring";
  std::string routing = Read(source + "/alertmanager/alertmanager.yml");
  routing = std::regex_replace(routing, std::regex("http://127\\.0\\.0\\.1:9095"), receiver_url);
  std::ofstream(dir_.Sub("alertmanager.yml")) << routing;
  const uint16_t am_port = FreeLoopbackPort();
  RuntimeProcess alertmanager(
      "/usr/bin/prometheus-alertmanager", {}, dir_.Sub("alertmanager.log"),
      {"--config.file=" + dir_.Sub("alertmanager.yml"),
       "--storage.path=" + dir_.Sub("alertmanager-data"),
       "--web.listen-address=127.0.0.1:" + std::to_string(am_port), "--cluster.listen-address="});

  const uint16_t runtime_port = FreeLoopbackPort();
  auto runtime = StartRuntime(runtime_port);

  // Prometheus with the repository's rules, scraping and evaluating every second.
  std::ofstream(dir_.Sub("prometheus.yml"))
      << "global: {scrape_interval: 1s, scrape_timeout: 900ms, evaluation_interval: 1s}\n"
      << "rule_files: [\"" << source << "/prometheus/alert-rules.yml\"]\n"
      << "alerting: {alertmanagers: [{static_configs: [{targets: [\"127.0.0.1:" << am_port
      << "\"]}]}]}\n"
      << "scrape_configs:\n  - job_name: dreichor-runtime\n    static_configs:\n"
      << "      - targets: [\"127.0.0.1:" << runtime_port << "\"]\n        labels: {env: prod}\n";
  const uint16_t prom_port = FreeLoopbackPort();
  RuntimeProcess prometheus("/usr/bin/prometheus", {}, dir_.Sub("prometheus.log"),
                            {"--config.file=" + dir_.Sub("prometheus.yml"),
                             "--storage.tsdb.path=" + dir_.Sub("prometheus-data"),
                             "--web.listen-address=127.0.0.1:" + std::to_string(prom_port),
                             "--rules.alert.resend-delay=1s"});
  const auto runtime_up = [&] {
    testing::TestHttpClient client("127.0.0.1", prom_port, 2'000);
    const testing::TestResponse r =
        client.Get("/api/v1/query?query=up%7Bjob%3D%22dreichor-runtime%22%7D");
    const json j = json::parse(r.body, nullptr, false);
    if (r.status != 200 || !j.is_object() || j["data"]["result"].empty()) return std::string();
    return j["data"]["result"][0]["value"][1].get<std::string>();
  };
  ASSERT_TRUE(WaitFor(std::chrono::seconds(60), [&] { return runtime_up() == "1"; }))
      << "Prometheus never scraped the runtime:\n"
      << Read(dir_.Sub("prometheus.log"));

  const auto fault = Clock::now();
  runtime->Signal(SIGKILL);
  ASSERT_TRUE(
      WaitFor(std::chrono::seconds(180),
              [&] { return receiver.Find("/page", "DreichorRuntimeDown", "firing").has_value(); }))
      << "no page:\n"
      << Read(dir_.Sub("alertmanager.log"));
  const double paged = std::chrono::duration<double>(Clock::now() - fault).count();
  const json alert = *receiver.Find("/page", "DreichorRuntimeDown", "firing");
  EXPECT_EQ(alert["labels"]["priority"], "P0");
  EXPECT_EQ(alert["labels"]["env"], "prod");
  EXPECT_EQ(alert["annotations"]["runbook_url"], "docs/runbooks/DreichorRuntimeDown.md");
  EXPECT_FALSE(receiver.Find("/ticket", "DreichorRuntimeDown", "firing")) << "a P0 is a page";

  const auto back = Clock::now();
  runtime = StartRuntime(runtime_port, kFileSizeLimit);  // the second fault, not yet reached
  ASSERT_TRUE(WaitFor(
      std::chrono::seconds(180),
      [&] { return receiver.Find("/page", "DreichorRuntimeDown", "resolved").has_value(); }))
      << "never resolved:\n"
      << Read(dir_.Sub("alertmanager.log"));
  const double resolved = std::chrono::duration<double>(Clock::now() - back).count();

  // Commands until the disk refuses the audit log's write.
  testing::TestHttpClient client("127.0.0.1", runtime_port);
  const std::vector<std::pair<std::string, std::string>> admin = {
      {"Authorization", "Bearer alerting-test-admin-token-0123456789ab"}};
  int answered = 0;
  testing::TestResponse refused;
  while (answered < 20'000) {
    refused = client.Post("/v1/admin/deposits", R"({"account":1,"asset":"USD","amount":1})", admin);
    if (refused.status != 200) break;
    ++answered;
  }
  ASSERT_EQ(refused.status, 503) << "after " << answered << " commands: " << refused.body;
  const auto write_failed = Clock::now();
  ASSERT_TRUE(WaitFor(
      std::chrono::seconds(120),
      [&] { return receiver.Find("/page", "DreichorAuditLogFailed", "firing").has_value(); }))
      << "no page for the failed audit log:\n"
      << Read(dir_.Sub("alertmanager.log"));
  const double audit_paged = std::chrono::duration<double>(Clock::now() - write_failed).count();
  const json audit_alert = *receiver.Find("/page", "DreichorAuditLogFailed", "firing");
  EXPECT_EQ(audit_alert["labels"]["priority"], "P0");
  EXPECT_EQ(audit_alert["annotations"]["runbook_url"], "docs/runbooks/DreichorAuditLogFailed.md");

  // The operator's fix: a healthy disk and a restart.
  runtime->Signal(SIGTERM);
  ASSERT_TRUE(runtime->Wait(std::chrono::seconds(60)).has_value());
  const auto fixed = Clock::now();
  runtime = StartRuntime(runtime_port);
  ASSERT_TRUE(WaitFor(
      std::chrono::seconds(180),
      [&] { return receiver.Find("/page", "DreichorAuditLogFailed", "resolved").has_value(); }))
      << "the failed audit log never resolved:\n"
      << Read(dir_.Sub("alertmanager.log"));
  const double audit_resolved = std::chrono::duration<double>(Clock::now() - fixed).count();
  std::cout << "alerting: SIGKILL to page " << paged << " s (the rule's `for` is 60 s); restart to"
            << " resolved " << resolved << " s\n"
            << "alerting: failed audit write to page " << audit_paged << " s (after " << answered
            << " commands); restart to resolved " << audit_resolved << " s\n";
  server.value()->Stop();
}

}  // namespace
}  // namespace dreichor
