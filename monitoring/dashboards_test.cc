// The Grafana dashboards cannot silently show nothing, nor an alert silently never fire: every
// Prometheus query of every panel (and of the dashboards' variables) parses (promtool; the
// rules' own in scripts/lint.sh), and every metric a panel or a rule reads is exported by a
// real process started here (the runtime with a market that has traded, the deploy agent, the
// CLI's verification and copy textfiles as node_exporter serves them, node_exporter itself) or is a
// recording rule of alert-rules.yml. Loki queries are checked in scripts/check_monitoring.py.
//
// The deploy agent is given a minimal engine socket that answers only its start-up handshake
// (/_ping and /version): the names on /metrics do not depend on the engine, and the agent's
// work against a real engine is tested in deploy/agent_integration_test.cc.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "http/curl_client.h"
#include "monitoring/promql_names.h"
#include "testing/agent.h"
#include "testing/http_client.h"
#include "testing/runtime_process.h"
#include "testing/temp_dir.h"
#include "testing/test_ports.h"

namespace dreichor::monitoring {
namespace {

using nlohmann::json;
using testing::RuntimeProcess;
constexpr char kToken[] = "dashboards-test-admin-token-0123456789ab";
const std::string kSource = DREICHOR_SOURCE_DIR "/infra/monitoring";

std::string Read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Query {
  std::string where;  // dashboard and panel, for messages
  std::string expr;   // with Grafana's variables substituted
};

std::string Substitute(std::string expr) {
  for (const auto& [variable, value] :
       std::vector<std::pair<std::string, std::string>>{{"$__rate_interval", "1m"},
                                                        {"$__interval", "1m"},
                                                        {"$__range", "1h"},
                                                        {"$env", "prod"}}) {
    for (size_t at; (at = expr.find(variable)) != std::string::npos;) {
      expr.replace(at, variable.size(), value);
    }
  }
  return expr;
}

void CollectPanels(const json& panels, const std::string& dashboard, std::vector<Query>* out) {
  for (const json& panel : panels) {
    if (panel.contains("panels")) CollectPanels(panel["panels"], dashboard, out);
    for (const json& target : panel.value("targets", json::array())) {
      const json source = target.value("datasource", panel.value("datasource", json::object()));
      if (source.value("type", "") != "prometheus") continue;
      out->push_back(
          {dashboard + " / " + panel.value("title", "?"), Substitute(target.value("expr", ""))});
    }
  }
}

// Every Prometheus query of both dashboards; a variable's label_values(metric, label) counts as
// the query `metric`.
std::vector<Query> DashboardQueries() {
  std::vector<Query> queries;
  for (const char* name : {"dreichor-overview.json", "matching-engine-dashboard.json"}) {
    const json dashboard = json::parse(Read(kSource + "/grafana/dashboards/" + name));
    CollectPanels(dashboard["panels"], name, &queries);
    for (const json& variable : dashboard["templating"]["list"]) {
      const std::string q = variable["query"].is_object() ? variable["query"].value("query", "")
                                                          : variable["query"].get<std::string>();
      std::smatch m;
      if (std::regex_match(q, m, std::regex(R"(label_values\((\w+), *\w+\))"))) {
        queries.push_back({std::string(name) + " / variable " + variable.value("name", ""), m[1]});
      }
    }
  }
  return queries;
}

// Every expression of alert-rules.yml (alerts and recording rules), read through PyYAML.
std::vector<Query> RuleQueries(const std::string& scratch) {
  const std::string command =
      "python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), "
      "sys.stdout)' " +
      kSource + "/prometheus/alert-rules.yml > " + scratch;
  EXPECT_EQ(std::system(command.c_str()), 0);
  std::vector<Query> queries;
  const json rules = json::parse(Read(scratch), nullptr, false);
  for (const json& group : rules.value("groups", json::array())) {
    for (const json& rule : group["rules"]) {
      queries.push_back({"alert-rules.yml / " + rule.value("alert", rule.value("record", "?")),
                         rule["expr"].get<std::string>()});
    }
  }
  return queries;
}

// Sample names in a Prometheus text exposition.
std::set<std::string> Exported(const std::string& text) {
  std::set<std::string> names;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    names.insert(line.substr(0, line.find_first_of("{ ")));
  }
  return names;
}

// Answers a deploy agent's start-up handshake on a unix socket; 404 to anything else.
class HandshakeEngine {
 public:
  explicit HandshakeEngine(const std::string& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    thread_ = std::thread([this] { Serve(); });
  }
  ~HandshakeEngine() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }

 private:
  void Serve() {
    for (int client; (client = ::accept(fd_, nullptr, nullptr)) >= 0;) {
      std::string request;
      char buffer[4096];
      for (ssize_t n; request.find("\r\n\r\n") == std::string::npos &&
                      (n = ::recv(client, buffer, sizeof buffer, 0)) > 0;) {
        request.append(buffer, static_cast<size_t>(n));
      }
      std::string status = "404 Not Found", body = R"({"message":"not in this test"})";
      if (request.starts_with("GET /_ping ")) {
        status = "200 OK";
        body = "OK";
      } else if (request.starts_with("GET /version ")) {
        status = "200 OK";
        body = R"({"ApiVersion":"1.41","Components":[{"Name":"Engine","Version":"test"}]})";
      }
      const std::string answer =
          "HTTP/1.1 " + status +
          "\r\nApi-Version: 1.41\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\nConnection: close\r\n\r\n" + body;
      ::send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
      ::close(client);
    }
  }
  int fd_ = -1;
  std::thread thread_;
};

class DashboardsTest : public ::testing::Test {
 protected:
  // The runtime's metrics after a market was created, funded, traded and refused a command.
  std::string RuntimeMetrics() {
    RuntimeProcess runtime(DREICHOR_RUNTIME_PATH,
                           testing::LocalRuntimeEnv("prod", "127.0.0.1:0", dir_.path(), kToken),
                           dir_.Sub("runtime.log"));
    const uint16_t port = runtime.WaitForPort(std::chrono::seconds(60));
    EXPECT_NE(port, 0) << runtime.Text();
    EXPECT_TRUE(
        runtime.WaitForLine(RuntimeProcess::Phase("ready", "ok"), std::chrono::seconds(60)));
    testing::TestHttpClient c("127.0.0.1", port);
    const std::vector<std::pair<std::string, std::string>> admin = {
        {"Authorization", std::string("Bearer ") + kToken}};
    EXPECT_EQ(c.Post("/v1/admin/markets", R"({"market":1,"symbol":"BTC-USD","base_asset":"BTC",
        "quote_asset":"USD","tick_size":1,"lot_size":1,"min_quantity":1,"max_quantity":1000,
        "maker_fee_bps":1,"taker_fee_bps":2})",
                     admin)
                  .status,
              200);
    for (const char* deposit : {R"({"account":1,"asset":"BTC","amount":100})",
                                R"({"account":2,"asset":"USD","amount":100000})"}) {
      EXPECT_EQ(c.Post("/v1/admin/deposits", deposit, admin).status, 200);
    }
    for (const char* order :
         {R"({"account":1,"market":1,"side":"sell","kind":"limit","price":100,"quantity":5})",
          R"({"account":2,"market":1,"side":"buy","kind":"limit","price":100,"quantity":2})",
          R"({"account":2,"market":7,"side":"buy","kind":"limit","price":100,"quantity":2})"}) {
      EXPECT_EQ(c.Post("/v1/orders", order,
                       {{"Authorization", std::string("Bearer ") + testing::kTestTradingToken}})
                    .status,
                200);
    }
    // The scheduled verification's textfile, beside the live runtime.
    std::filesystem::create_directories(dir_.Sub("textfiles"));
    const std::string verify = std::string(DREICHOR_CLI_PATH) + " audit verify " +
                               dir_.Sub("audit-events") + " --metrics-file " +
                               dir_.Sub("textfiles/dreichor-audit-verify-prod.prom") +
                               " --env prod > /dev/null";
    EXPECT_EQ(std::system(verify.c_str()), 0);
    const std::string ship =
        std::string(DREICHOR_CLI_PATH) + " audit ship " + dir_.Sub("audit-events") + " --to " +
        dir_.Sub("copy") + " --once --metrics-file " +
        dir_.Sub("textfiles/dreichor-audit-ship-prod.prom") + " --env prod > /dev/null";
    EXPECT_EQ(std::system(ship.c_str()), 0);
    return c.Get("/metrics").body;
  }

  std::string AgentMetrics() {
    const std::string base = dir_.Sub("dev");
    for (const char* volume : {"/volumes/audit-events", "/volumes/snapshots"}) {
      std::filesystem::create_directories(base + volume);
    }
    std::ofstream(base + "/runtime.env") << testing::RuntimeEnvText({});
    HandshakeEngine engine(dir_.Sub("engine.sock"));
    RuntimeProcess agent(DREICHOR_AGENT_PATH,
                         testing::LocalAgentEnv("dev", base, dir_.Sub("engine.sock"),
                                                dir_.Sub("no-jwks.json"), "dashboards-test"),
                         dir_.Sub("agent.log"));
    const uint16_t port = testing::WaitForAgentPort(agent);
    EXPECT_NE(port, 0) << agent.Text();
    const std::string metrics = testing::TestHttpClient("127.0.0.1", port).Get("/metrics").body;
    agent.Signal(SIGTERM);
    EXPECT_TRUE(agent.Wait(std::chrono::seconds(30)).has_value());
    return metrics;
  }

  // node_exporter's metrics, with the verification's textfile directory.
  std::string NodeMetrics() {
    const uint16_t port = FreeLoopbackPort();
    RuntimeProcess node("/usr/bin/prometheus-node-exporter", {}, dir_.Sub("node.log"),
                        {"--web.listen-address=127.0.0.1:" + std::to_string(port),
                         "--collector.textfile.directory=" + dir_.Sub("textfiles")});
    // Its answer is chunked: read with libcurl.
    http::HttpCall scrape;
    scrape.url = "http://127.0.0.1:" + std::to_string(port) + "/metrics";
    for (int i = 0; i < 200; ++i) {
      auto r = http::CurlPerform(scrape);
      if (r.ok() && r.value().status == 200) return r.value().body;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "node_exporter did not answer:\n" << node.Text();
    return "";
  }

  TempDir dir_;
};

TEST_F(DashboardsTest, EveryPanelQueryParses) {
  const std::vector<Query> queries = DashboardQueries();
  ASSERT_GT(queries.size(), 30u);
  std::ofstream rules(dir_.Sub("dashboard-queries.yml"));
  rules << "groups:\n  - name: dashboard-queries\n    rules:\n";
  for (size_t i = 0; i < queries.size(); ++i) {
    rules << "      - record: dashboard:query_" << i
          << "\n        expr: " << json(queries[i].expr).dump() << "\n";
  }
  rules.close();
  const std::string command = "promtool check rules " + dir_.Sub("dashboard-queries.yml") + " > " +
                              dir_.Sub("promtool.out") + " 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << Read(dir_.Sub("promtool.out"));
}

TEST_F(DashboardsTest, EveryMetricAPanelOrAnAlertReadsIsExportedOrRecorded) {
  std::set<std::string> known = {"up", "ALERTS"};  // Prometheus' own series
  for (const std::string& text : {RuntimeMetrics(), AgentMetrics(), NodeMetrics()}) {
    const std::set<std::string> names = Exported(text);
    known.insert(names.begin(), names.end());
  }
  ASSERT_TRUE(known.count("dreichor_trades_total")) << "the runtime exported no market series";
  ASSERT_TRUE(known.count("dreichor_agent_actions_total"));
  ASSERT_TRUE(known.count("dreichor_audit_verify_ok")) << "node_exporter served no textfile:\n"
                                                       << Read(dir_.Sub("node.log"));
  ASSERT_TRUE(known.count("node_filesystem_avail_bytes"));
  const std::string rules = Read(kSource + "/prometheus/alert-rules.yml");
  const std::regex record(R"(- record: (\S+))");
  for (auto it = std::sregex_iterator(rules.begin(), rules.end(), record);
       it != std::sregex_iterator(); ++it) {
    known.insert((*it)[1]);
  }
  std::vector<Query> queries = DashboardQueries();
  const std::vector<Query> rule_queries = RuleQueries(dir_.Sub("rules.json"));
  EXPECT_GT(rule_queries.size(), 30u);
  queries.insert(queries.end(), rule_queries.begin(), rule_queries.end());
  size_t checked = 0;
  for (const Query& q : queries) {
    const std::set<std::string> names = PromqlMetricNames(q.expr);
    EXPECT_FALSE(names.empty()) << q.where << ": " << q.expr;
    for (const std::string& name : names) {
      ++checked;
      EXPECT_TRUE(known.count(name))
          << q.where << " reads " << name << ", which nothing exports: " << q.expr;
    }
  }
  EXPECT_GT(checked, 80u);
}

}  // namespace
}  // namespace dreichor::monitoring
