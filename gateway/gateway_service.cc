#include "gateway/gateway_service.h"

#include <unistd.h>

#include "gateway/authenticator.h"
#include "gateway/exit_codes.h"
#include "gateway/gateway_config.h"
#include "gateway/gateway_handler.h"
#include "gateway/rate_limiter.h"
#include "gateway/runtime_link.h"
#include "gateway/session_hub.h"
#include "gateway/tls_front.h"
#include "http/server.h"
#include "marketdata/follower.h"
#include "marketdata/leader_link.h"
#include "service/signal_watcher.h"

namespace dreichor::gateway {

namespace {

constexpr size_t kHttpThreads = 2;
constexpr std::chrono::seconds kDrain{2};
constexpr size_t kReplayCapacity = 1 << 20;
constexpr size_t kTrackedCallers = 100'000;

void AddMetrics(http::MetricsRegistry* r, const marketdata::Follower& follower,
                const marketdata::LeaderLink& link, const RuntimeLink& runtime,
                const SessionHub& sessions, const Authenticator& auth) {
  r->AddGaugeFunction("dreichor_gateway_applied_sequence",
                      "The last record of the runtime's stream this gateway applied.",
                      [&] { return static_cast<double>(follower.applied()); });
  r->AddGaugeFunction("dreichor_gateway_stream_connected",
                      "1 while subscribed to the runtime's record stream.",
                      [&] { return link.connected() ? 1.0 : 0.0; });
  r->AddGaugeFunction("dreichor_gateway_runtime_connections",
                      "Forwarding connections to the runtime that are open.",
                      [&] { return static_cast<double>(runtime.connected_lanes()); });
  r->AddCounterFunction("dreichor_gateway_forwarded_total",
                        "Requests forwarded to the runtime and answered by it.",
                        [&] { return static_cast<double>(runtime.forwarded()); });
  r->AddCounterFunction("dreichor_gateway_forward_failures_total",
                        "Requests whose forwarding failed (outcome unknown to the gateway).",
                        [&] { return static_cast<double>(runtime.failed()); });
  r->AddGaugeFunction("dreichor_gateway_sessions", "Open order-entry sessions.",
                      [&] { return static_cast<double>(sessions.stats().open.load()); });
  r->AddGaugeFunction("dreichor_gateway_sessions_logged_on", "Sessions that have logged on.",
                      [&] { return static_cast<double>(sessions.stats().logged_on.load()); });
  r->AddCounterFunction("dreichor_gateway_session_commands_total",
                        "Commands sent on sessions and forwarded.",
                        [&] { return static_cast<double>(sessions.stats().commands.load()); });
  r->AddCounterFunction("dreichor_gateway_session_refusals_total",
                        "Session messages refused (error messages sent).",
                        [&] { return static_cast<double>(sessions.stats().refused.load()); });
  r->AddCounterFunction("dreichor_gateway_private_messages_total",
                        "Private order and fill messages sent to sessions.", [&] {
                          return static_cast<double>(sessions.stats().private_messages.load());
                        });
  r->AddGaugeFunction("dreichor_gateway_replay_memory",
                      "Signatures and nonces remembered against replay.",
                      [&] { return static_cast<double>(auth.replay().size()); });
}

}  // namespace

int RunGateway(const config::EnvMap& env) {
  auto loaded = LoadGatewayConfig(env);
  LogLevel level = LogLevel::kInfo;
  LogFields every_line = {{"component", "gateway"}};
  if (loaded.ok()) {
    level = ParseLogLevel(loaded.value().log_level).value_or(level);
    every_line["env"] = loaded.value().env;
  }
  Clock* clock = Clock::Real();
  JsonLog log(stdout, level, clock, std::move(every_line));
  service::SignalWatcher signals(&log);
  log.Info("starting", {{"pid", getpid()}});
  if (!loaded.ok()) {
    log.Error("configuration",
              {{"error", loaded.status().message()}, {"exit_code", kExitConfiguration}});
    return kExitConfiguration;
  }
  const GatewayConfig& config = loaded.value();

  std::unique_ptr<TlsFront> tls;
  if (!config.tls_cert_file.empty()) {
    auto made = TlsFront::Load(config.tls_cert_file, config.tls_key_file);
    if (!made.ok()) {
      log.Error("tls", {{"error", made.status().message()}, {"exit_code", kExitTls}});
      return kExitTls;
    }
    tls = std::move(made).value();
  }

  http::MetricsRegistry registry;
  RuntimeLink runtime(
      RuntimeLinkOptions{config.runtime, config.runtime_connections, config.trading_token});
  std::unique_ptr<SessionHub> sessions;
  marketdata::Follower follower(
      marketdata::FollowerStart{std::make_unique<engine::Engine>(), {}, false},
      [&sessions](const stream::StreamItem& item, const engine::Engine&,
                  const std::vector<engine::Event>& events) { sessions->OnApplied(item, events); });
  Authenticator auth(&follower, clock, config.signature_window, kReplayCapacity);
  RateLimiter key_limits(config.key_limit, kTrackedCallers);
  RateLimiter address_limits(config.address_limit, kTrackedCallers);
  Refusals refusals(&registry, &log, clock);
  sessions = std::make_unique<SessionHub>(&auth, &key_limits, &runtime, &refusals, clock,
                                          SessionOptions{.max_sessions = config.max_connections,
                                                         .logon_deadline = config.logon_deadline});
  marketdata::LeaderLinkOptions link_options;
  link_options.leader = config.runtime;
  marketdata::LeaderLink link(&follower, link_options, clock, &log);
  AddMetrics(&registry, follower, link, runtime, *sessions, auth);
  Readiness readiness = [&] {
    return marketdata::NotReadyReason(follower, link, clock, config.max_lag);
  };

  GatewayHandler handler(GatewayParts{
      .state = &follower,
      .auth = &auth,
      .key_limits = &key_limits,
      .address_limits = &address_limits,
      .link = &runtime,
      .sessions = sessions.get(),
      .refusals = &refusals,
      .clock = clock,
      .readiness = readiness,
      .websocket = http::WebSocketOptions{.max_queued_bytes = config.session_queue_bytes,
                                          .json_array_batches = true,
                                          .max_message_bytes = config.max_body_bytes}});
  GatewayInternalHandler internal(&registry, readiness, [&] { return follower.applied(); });

  http::ServerOptions public_options;
  public_options.address = tls ? "127.0.0.1" : config.listen.host;
  public_options.port = tls ? 0 : config.listen.port;
  public_options.max_connections = config.max_connections;
  public_options.max_body_bytes = config.max_body_bytes;
  public_options.threads = kHttpThreads;
  public_options.peer_address_header = kPeerAddressHeader;
  auto server = http::Server::Start(public_options, &handler);
  http::ServerOptions internal_options;
  internal_options.address = config.internal_listen.host;
  internal_options.port = config.internal_listen.port;
  internal_options.max_connections = 64;
  auto internal_server = http::Server::Start(internal_options, &internal);
  if (!server.ok() || !internal_server.ok()) {
    const Status& s = server.ok() ? internal_server.status() : server.status();
    log.Error("listen", {{"error", s.ToString()}, {"exit_code", kExitListen}});
    return kExitListen;
  }
  std::string public_address = server.value()->address();
  if (tls) {
    if (Status s = tls->Start(config.listen, server.value().get()); !s.ok()) {
      log.Error("listen", {{"error", s.ToString()}, {"exit_code", kExitListen}});
      return kExitListen;
    }
    public_address = tls->address();
  }
  log.Info("listening",
           {{"address", public_address},
            {"tls", tls != nullptr},
            {"internal_address", internal_server.value()->address()},
            {"runtime", config.runtime.host + ":" + std::to_string(config.runtime.port)},
            {"trading_token", config.trading_token.empty() ? "none" : "<redacted>"}});

  runtime.Start();
  std::mutex fatal_mu;
  Status fatal;
  link.Start([&](const Status& why) {
    {
      std::lock_guard<std::mutex> guard(fatal_mu);
      fatal = why;
    }
    signals.StopFromWithin("follow failed");
  });
  signals.SetDeadline(std::chrono::seconds(10));
  signals.SetServing();
  const std::string reason = signals.WaitForStop();
  log.Info("shutdown", {{"step", "begin"}, {"reason", reason}});
  if (tls) tls->Stop();
  sessions->CloseAll();
  server.value()->Drain(std::chrono::steady_clock::now() + kDrain);
  server.value()->Stop();
  link.Stop();
  runtime.Stop();
  internal_server.value()->Stop();
  int code = kExitOk;
  {
    std::lock_guard<std::mutex> guard(fatal_mu);
    if (!fatal.ok()) code = follower.diverged() ? kExitDiverged : kExitLeaderBehind;
  }
  log.Info("stopped", {{"exit_code", code}, {"applied_sequence", follower.applied()}});
  sessions.reset();
  signals.Done();
  return code;
}

}  // namespace dreichor::gateway
