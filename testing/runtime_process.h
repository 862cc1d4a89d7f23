// RuntimeProcess: runs the real dreichor-runtime binary for contract tests, with exactly the
// environment given, its stdout and stderr captured to a file of JSON lines.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/env_config.h"
#include "testing/checkpoint_key.h"
#include "testing/trading_token.h"

namespace dreichor::testing {

class RuntimeProcess {
 public:
  using Clock = std::chrono::steady_clock;

  // With `file_size_limit_bytes` > 0 the process may not grow any file beyond that size
  // (RLIMIT_FSIZE, with SIGXFSZ ignored): a write past it fails with EFBIG, as on a full disk.
  RuntimeProcess(const std::string& binary, const config::EnvMap& env, std::string log_path,
                 std::vector<std::string> args = {}, uint64_t file_size_limit_bytes = 0)
      : log_path_(std::move(log_path)) {
    std::vector<std::string> vars;
    for (const auto& [k, v] : env) vars.push_back(k + "=" + v);
    fflush(nullptr);  // the child's freopen would write our buffered output a second time
    pid_ = fork();
    if (pid_ == 0) {
      FILE* out = freopen(log_path_.c_str(), "w", stdout);
      if (out == nullptr) _exit(127);
      dup2(fileno(stdout), STDERR_FILENO);
      if (file_size_limit_bytes > 0) {
        const rlimit limit{file_size_limit_bytes, file_size_limit_bytes};
        if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(126);
        signal(SIGXFSZ, SIG_IGN);
      }
      std::vector<char*> envp;
      for (std::string& v : vars) envp.push_back(v.data());
      envp.push_back(nullptr);
      std::vector<char*> argv = {const_cast<char*>(binary.c_str())};
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execve(binary.c_str(), argv.data(), envp.data());
      _exit(127);
    }
  }
  ~RuntimeProcess() {
    if (!exited_) {
      kill(pid_, SIGKILL);
      Wait(std::chrono::seconds(30));
    }
  }

  pid_t pid() const { return pid_; }
  void Signal(int sig) { kill(pid_, sig); }

  // The exit code (or 128 + signal), or nullopt if still running after `timeout`.
  std::optional<int> Wait(std::chrono::milliseconds timeout) {
    if (exited_) return exit_code_;
    const Clock::time_point end = Clock::now() + timeout;
    for (;;) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return exit_code_;
      }
      if (Clock::now() >= end) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  // Every complete JSON line written so far.
  std::vector<nlohmann::json> Lines() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(log_path_);
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // a line still being written
      out.push_back(nlohmann::json::parse(line, nullptr, false));
    }
    return out;
  }
  std::string Text() const {
    std::ifstream in(log_path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // The first line matching `match`, waiting up to `timeout` (nullopt: not seen, or exited).
  std::optional<nlohmann::json> WaitForLine(const std::function<bool(const nlohmann::json&)>& match,
                                            std::chrono::milliseconds timeout) {
    const Clock::time_point end = Clock::now() + timeout;
    for (;;) {
      for (const auto& j : Lines()) {
        if (j.is_object() && match(j)) return j;
      }
      if (Clock::now() >= end || Wait(std::chrono::milliseconds(0)).has_value()) {
        for (const auto& j : Lines()) {
          if (j.is_object() && match(j)) return j;
        }
        return std::nullopt;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  static std::function<bool(const nlohmann::json&)> Phase(const std::string& phase,
                                                          const std::string& outcome = "") {
    return [=](const nlohmann::json& j) {
      return j.value("msg", "") == "phase" && j.value("phase", "") == phase &&
             (outcome.empty() || j.value("outcome", "") == outcome);
    };
  }
  // The port the health endpoints opened on, or 0.
  uint16_t WaitForPort(std::chrono::milliseconds timeout) {
    auto line = WaitForLine(
        [](const nlohmann::json& j) { return j.value("msg", "") == "health endpoints open"; },
        timeout);
    if (!line) return 0;
    const std::string address = (*line)["address"];
    return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
  }

 private:
  std::string log_path_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = 0;
};

// The environment of a runtime run as a local process by a test: the file backend under `dir`,
// listening on `listen`, every other setting at a small, valid value.
inline config::EnvMap LocalRuntimeEnv(const std::string& env, const std::string& listen,
                                      const std::string& dir, const std::string& admin_token) {
  config::EnvMap vars = {{"DREICHOR_ENV", env},
                         {"DREICHOR_LISTEN", listen},
                         {"DREICHOR_AUDIT_BACKEND", "file"},
                         {"DREICHOR_AUDIT_DIR", dir + "/audit-events"},
                         {"DREICHOR_AUDIT_SEGMENT_BYTES", "67108864"},
                         {"DREICHOR_AUDIT_SCRUB_BYTES_PER_SECOND", "8388608"},
                         {"DREICHOR_SNAPSHOT_DIR", dir + "/snapshots"},
                         {"DREICHOR_SNAPSHOT_EVERY", "5000"},
                         {"DREICHOR_SNAPSHOT_RETAIN", "2"},
                         {"DREICHOR_ADMIN_TOKEN", admin_token},
                         {"DREICHOR_CHECKPOINT_KEY", NewCheckpointKey(env)},
                         {"DREICHOR_SHUTDOWN_DEADLINE", "20s"},
                         {"DREICHOR_MAX_BODY_BYTES", "65536"},
                         {"DREICHOR_MAX_CONNECTIONS", "64"},
                         {"DREICHOR_LOG_LEVEL", "info"},
                         {"DREICHOR_OTLP_TRACES_URL", "none"}};
  if (env != "dev") vars["DREICHOR_TRADING_TOKEN"] = kTestTradingToken;
  return vars;
}

// The environment of a market-data follower run as a local process by a test: following the
// runtime at `leader` (host:port), listening on `listen`, its snapshots under `dir`.
inline config::EnvMap LocalMarketDataEnv(const std::string& env, const std::string& listen,
                                         const std::string& leader, const std::string& dir) {
  return {{"DREICHOR_ENV", env},
          {"DREICHOR_LISTEN", listen},
          {"DREICHOR_LEADER_URL", "http://" + leader},
          {"DREICHOR_SNAPSHOT_DIR", dir + "/snapshots"},
          {"DREICHOR_SNAPSHOT_EVERY", "1000"},
          {"DREICHOR_MAX_LAG", "5s"},
          {"DREICHOR_MAX_CONNECTIONS", "2048"},
          {"DREICHOR_SUBSCRIBER_QUEUE_BYTES", "16777216"},
          {"DREICHOR_LOG_LEVEL", "info"}};
}

// The environment of a gateway run as a local process by a test: in front of the runtime at
// `runtime` (host:port) whose trading token is `trading_token`, public and internal sides on
// free loopback ports, limits a test can reach (50 requests a second per key, burst 100; 200 per
// address, burst 400), plain HTTP.
inline config::EnvMap LocalGatewayEnv(const std::string& env, const std::string& runtime,
                                      const std::string& trading_token) {
  return {{"DREICHOR_ENV", env},
          {"DREICHOR_LISTEN", "127.0.0.1:0"},
          {"DREICHOR_INTERNAL_LISTEN", "127.0.0.1:0"},
          {"DREICHOR_RUNTIME_URL", "http://" + runtime},
          {"DREICHOR_TRADING_TOKEN", trading_token},
          {"DREICHOR_RUNTIME_CONNECTIONS", "2"},
          {"DREICHOR_SIGNATURE_WINDOW", "5s"},
          {"DREICHOR_KEY_RATE", "50"},
          {"DREICHOR_KEY_BURST", "100"},
          {"DREICHOR_ADDRESS_RATE", "200"},
          {"DREICHOR_ADDRESS_BURST", "400"},
          {"DREICHOR_MAX_LAG", "5s"},
          {"DREICHOR_MAX_CONNECTIONS", "256"},
          {"DREICHOR_MAX_BODY_BYTES", "16384"},
          {"DREICHOR_SESSION_QUEUE_BYTES", "1048576"},
          {"DREICHOR_LOGON_DEADLINE", "1s"},
          {"DREICHOR_TLS", "off"},
          {"DREICHOR_LOG_LEVEL", "info"}};
}

}  // namespace dreichor::testing
