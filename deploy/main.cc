// dreichor-deploy-agent: one per environment, under systemd (infra/deploy/).
//
//   dreichor-deploy-agent [serve]      run, configured only by DREICHOR_AGENT_* variables
//   dreichor-deploy-agent env-schema   print infra/deploy/AGENT_ENV_SCHEMA.md
//
// Serving: check the configuration, open the history, connect to the container engine, load
// the Access signing keys (a failure is logged; they are fetched again on demand), bind the
// loopback address, then serve until SIGTERM or SIGINT, which lets a running action finish.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>

#include "config/env_config.h"
#include "deploy/agent_config.h"
#include "deploy/agent_handler.h"
#include "deploy/engine/docker_engine.h"
#include "deploy/engine/observed_engine.h"
#include "deploy/exit_codes.h"
#include "deploy/history.h"
#include "http/otlp_trace_exporter.h"
#include "http/server.h"
#include "http/traced_handler.h"

namespace {

using namespace dreichor;
using namespace dreichor::deploy;

int Serve() {
  // Signals are taken by sigwait below; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const config::EnvMap env = config::ProcessEnvironment(environ);
  auto loaded = LoadAgentConfig(env);
  const std::string level_name =
      env.count("DREICHOR_AGENT_LOG_LEVEL") ? env.at("DREICHOR_AGENT_LOG_LEVEL") : "info";
  Clock* clock = Clock::Real();
  Env* files = Env::Default();
  LogFields every_line = {{"component", "deploy-agent"}};
  if (loaded.ok()) every_line["env"] = loaded.value().env;
  JsonLog log(stdout, ParseLogLevel(level_name).value_or(LogLevel::kInfo), clock,
              std::move(every_line));
  if (!loaded.ok()) {
    log.Error("configuration refused", {{"problems", loaded.status().message()}});
    return kExitConfiguration;
  }
  const AgentConfig& config = loaded.value();
  log.Info("configuration", {{"config", nlohmann::json::parse(DescribeConfig(config))}});

  auto history = History::Open(files, config.history_dir(), clock);
  if (!history.ok()) {
    log.Error("history cannot be opened", {{"error", history.status().message()}});
    return kExitHistory;
  }
  auto engine = DockerEngine::Connect(config.engine_socket);
  if (!engine.ok()) {
    log.Error("container engine unavailable", {{"error", engine.status().message()}});
    return kExitEngine;
  }
  log.Info("container engine",
           {{"server", engine.value()->server()}, {"api_version", engine.value()->api_version()}});

  AccessVerifier verifier(
      {config.access_team_domain, config.access_audience, config.access_allowed},
      MakeKeySource(files, config.access_keys), [clock] { return clock->NowUnixSeconds(); });
  if (Status s = verifier.Refresh(); !s.ok()) {
    log.Warn("access signing keys not loaded yet", {{"error", s.message()}});
  }
  ObservedEngine observed_engine(engine.value().get());
  Deployer deployer(config, &observed_engine, history.value().get(), files, clock, &log);
  if (Status s = deployer.Load(); !s.ok()) {
    log.Error("history cannot be read", {{"error", s.message()}});
    return kExitHistory;
  }
  AgentHandler handler(config.env, &deployer, &verifier, clock, &log, &observed_engine);
  std::unique_ptr<PromotionLink> upstream;
  if (!config.promote_from_url.empty()) {
    upstream = std::make_unique<PromotionLink>(config.promote_from_url, config.promote_from_token);
  }
  handler.EnablePromotion(upstream.get(), config.promote_to_token);
  std::unique_ptr<http::OtlpTraceExporter> exporter;
  if (!config.otlp_traces_url.empty()) {
    http::OtlpExporterOptions options;
    options.url = config.otlp_traces_url;
    options.service_name = "dreichor-deploy-agent";
    options.env = config.env;
    exporter = std::make_unique<http::OtlpTraceExporter>(options, handler.metrics_registry());
  }
  http::TracedHandler traced(&handler, RandomSource::System(), exporter.get());
  http::ServerOptions options;
  options.address = config.listen.host;
  options.port = config.listen.port;
  options.max_body_bytes = 4096;
  options.max_connections = 64;
  options.threads = 2;
  auto server = http::Server::Start(options, &traced);
  if (!server.ok()) {
    log.Error("cannot listen", {{"error", server.status().message()}});
    return kExitListen;
  }
  log.Info("ready", {{"address", server.value()->address()}, {"env", config.env}});

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log.Info("stopping", {{"signal", strsignal(signal_number)}});
  handler.Drain();
  server.value()->Stop();
  log.Info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return dreichor::config::ServiceMain(
      argc, argv, dreichor::deploy::AgentSchema(), dreichor::deploy::AgentSchemaHeading(),
      [](const dreichor::config::EnvMap& m) {
        return dreichor::deploy::LoadAgentConfig(m).status();
      },
      Serve);
}
