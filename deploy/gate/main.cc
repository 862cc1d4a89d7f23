// dreichor-engine-gate: one per environment, under systemd (infra/deploy/), in front of the
// shared container engine (gate_server.h).
//
//   dreichor-engine-gate [serve]      run, configured only by DREICHOR_GATE_* variables
//   dreichor-engine-gate env-schema   print infra/deploy/GATE_ENV_SCHEMA.md
//
// Serving: check the configuration, check that the engine answers, serve the socket until
// SIGTERM or SIGINT, then let the requests in progress finish.
#include <grp.h>
#include <signal.h>

#include <cstring>
#include <iostream>

#include "config/env_config.h"
#include "deploy/exit_codes.h"
#include "deploy/gate/gate_config.h"
#include "deploy/gate/gate_server.h"
#include "http/curl_client.h"

namespace {

using namespace dreichor;
using namespace dreichor::deploy;

int Serve() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const config::EnvMap env = config::ProcessEnvironment(environ);
  auto loaded = LoadGateConfig(env);
  const std::string level_name =
      env.count("DREICHOR_GATE_LOG_LEVEL") ? env.at("DREICHOR_GATE_LOG_LEVEL") : "info";
  LogFields every_line = {{"component", "engine-gate"}};
  if (loaded.ok()) every_line["env"] = loaded.value().scope.env;
  JsonLog log(stdout, ParseLogLevel(level_name).value_or(LogLevel::kInfo), Clock::Real(),
              std::move(every_line));
  if (!loaded.ok()) {
    log.Error("configuration refused", {{"problems", loaded.status().message()}});
    return kExitConfiguration;
  }
  const GateConfig& config = loaded.value();
  const group* g = ::getgrnam(config.socket_group.c_str());
  if (g == nullptr) {
    log.Error("configuration refused",
              {{"problems", "DREICHOR_GATE_SOCKET_GROUP: no group " + config.socket_group}});
    return kExitConfiguration;
  }
  log.Info("configuration", {{"env", config.scope.env},
                             {"listen_socket", config.listen_socket},
                             {"socket_group", config.socket_group},
                             {"engine_socket", config.engine_socket},
                             {"base_dir", config.scope.base_dir}});
  dreichor::http::HttpCall ping_call;
  ping_call.url = "http://engine/_ping";
  ping_call.unix_socket = config.engine_socket;
  auto ping = dreichor::http::CurlPerform(ping_call);
  if (!ping.ok() || ping.value().status != 200) {
    log.Error("container engine unavailable",
              {{"error", ping.ok() ? "HTTP " + std::to_string(ping.value().status)
                                   : ping.status().message()}});
    return kExitEngine;
  }
  GateOptions options;
  options.listen_socket = config.listen_socket;
  options.socket_group = static_cast<int>(g->gr_gid);
  options.engine_socket = config.engine_socket;
  options.scope = config.scope;
  auto gate = EngineGate::Start(options, &log);
  if (!gate.ok()) {
    log.Error("cannot listen", {{"error", gate.status().message()}});
    return kExitListen;
  }
  log.Info("ready", {{"socket", config.listen_socket}, {"env", config.scope.env}});
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log.Info("stopping", {{"signal", strsignal(signal_number)}});
  gate.value()->Stop();
  log.Info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return dreichor::config::ServiceMain(
      argc, argv, dreichor::deploy::GateSchema(), dreichor::deploy::GateSchemaHeading(),
      [](const dreichor::config::EnvMap& m) {
        return dreichor::deploy::LoadGateConfig(m).status();
      },
      Serve);
}
