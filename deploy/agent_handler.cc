#include "deploy/agent_handler.h"

#include "deploy/agent_answers.h"
#include "deploy/agent_errors.h"
#include "http/bearer.h"
#include "http/json_fields.h"
#include "http/reply.h"
#include "util/parse_number.h"
#include "util/trace_context.h"

namespace dreichor::deploy {

namespace {

using http::ErrorReply;
using http::JsonReply;
using http::Method;
using http::Request;
using http::Respond;
using http::RouteParams;
using nlohmann::ordered_json;

// The value of ?limit=N, or `fallback`; nullopt when malformed.
std::optional<size_t> LimitParam(std::string_view query, size_t fallback) {
  if (query.empty()) return fallback;
  if (query.rfind("limit=", 0) != 0) return std::nullopt;
  const auto n = ParseDecimal(query.substr(6));
  if (!n || *n == 0 || *n > kMaxDeploymentsListed) return std::nullopt;
  return static_cast<size_t>(*n);
}

// Actions other than deploy take no body (an empty one, or {}).
bool EmptyBody(const Request& request) { return request.body().empty() || request.body() == "{}"; }

constexpr std::string_view kPromotionPrefix = "/v1/promotion/";

}  // namespace

AgentHandler::AgentHandler(std::string env, Deployer* deployer, AccessVerifier* verifier,
                           Clock* clock, JsonLog* log, const ObservedEngine* engine)
    : env_(std::move(env)),
      deployer_(deployer),
      verifier_(verifier),
      clock_(clock),
      log_(log),
      metrics_(&lock_, verifier, clock, engine) {
  AddRoutes();
}

AgentHandler::~AgentHandler() { Drain(); }

void AgentHandler::Drain() {
  draining_ = true;
  std::list<Worker> workers;
  {
    std::lock_guard<std::mutex> lock(workers_mu_);
    workers.swap(workers_);
  }
  for (Worker& w : workers) w.thread.join();
}

void AgentHandler::RunWorker(std::function<void()> work) {
  std::lock_guard<std::mutex> lock(workers_mu_);
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  auto done = std::make_shared<std::atomic<bool>>(false);
  // The worker goes on with the request's trace (http/traced_handler.h): its log lines and the
  // history records it writes carry the trace id.
  workers_.push_back({std::thread([work = std::move(work), done, trace = CurrentTrace()] {
                        std::optional<TraceScope> scope;
                        if (trace) scope.emplace(*trace);
                        work();
                        done->store(true);
                      }),
                      done});
}

void AgentHandler::RunAction(const std::string& action, const std::string& identity,
                             std::function<ActionResult()> run, Respond respond) {
  ActionLock::Holder holder{action, identity, clock_->NowUnixNanos()}, current;
  if (!lock_.TryAcquire(holder, &current)) {
    metrics_.OnBusy(action);
    return respond(JsonReply(
        kBusy.status, ordered_json{{"error",
                                    {{"code", kBusy.code},
                                     {"message", "another action is running: " + current.action +
                                                     " by " + current.identity},
                                     {"holder",
                                      {{"action", current.action},
                                       {"operator", current.identity},
                                       {"since", FormatUtc(current.since_ns)}}}}}}));
  }
  log_->Info("action", {{"action", action}, {"operator", identity}});
  RunWorker([this, action, run = std::move(run), respond] {
    const ActionResult result = run();
    metrics_.OnAction(action, result);
    lock_.Release();
    respond(ActionAnswer(result));
  });
}

void AgentHandler::AddRoutes() {
  router_.Add(Method::get, "/v1/status", [this](const Request&, const RouteParams&, Respond r) {
    RunWorker([this, r] {
      auto status = deployer_->CurrentStatus();
      if (!status.ok()) return r(ErrorReply(kEngineError, status.status().message()));
      r(JsonReply(200, StatusJson(env_, status.value(), lock_.holder())));
    });
  });
  router_.Add(Method::get, "/v1/deployments",
              [this](const Request&, const RouteParams& p, Respond r) {
                const auto limit = LimitParam(p.query(), 100);
                if (!limit)
                  return r(ErrorReply(http::ApiError::BadField("limit", "must be 1 to 1000")));
                auto entries = deployer_->Deployments();
                if (!entries.ok()) {
                  return r(ErrorReply(kHistoryFailed, entries.status().message()));
                }
                r(JsonReply(200, DeploymentsJson(entries.value(), *limit)));
              });
  Deployer* const deployer = deployer_;
  router_.Add(Method::post, "/v1/deploy",
              [this, deployer](const Request& q, const RouteParams& p, Respond r) {
                nlohmann::json body;
                if (auto e = http::ParseObject(q.body(), &body)) return r(ErrorReply(*e));
                std::string tag;
                http::FieldReader fields(body);
                fields.String("tag", &tag, http::Need::kRequired, 128);
                if (auto e = fields.Finish()) return r(ErrorReply(*e));
                const std::string who = p.identity();
                RunAction(
                    "deploy", who, [deployer, tag, who] { return deployer->Deploy(tag, who); }, r);
              });
  router_.Add(
      Method::post, "/v1/promote", [this](const Request& q, const RouteParams& p, Respond r) {
        if (!EmptyBody(q)) return r(ErrorReply(http::kInvalidField, "promote takes no body"));
        if (upstream_ == nullptr) {
          return r(ErrorReply(kNoPromotionSource,
                              env_ + " is the first environment: nothing is promoted into it"));
        }
        const std::string who = p.identity();
        RunAction(
            "promote", who, [this, who] { return PromoteFromSource(who); }, r);
      });
  AddPromotionRoutes();
  AddActionRoute("/v1/rollback", "rollback", &Deployer::Rollback);
  AddActionRoute("/v1/stop", "stop", &Deployer::Stop);
  AddActionRoute("/v1/start", "start", &Deployer::Start);
}

void AgentHandler::EnablePromotion(const PromotionLink* upstream, std::string downstream_token) {
  upstream_ = upstream;
  downstream_token_ = std::move(downstream_token);
}

ActionResult AgentHandler::PromoteFromSource(const std::string& identity) {
  auto source = upstream_->Source();
  if (!source.ok()) {
    const bool refused = source.status().code() == StatusCode::kFailedPrecondition;
    return ActionResult{refused ? Refusal::kNotPromotable : Refusal::kSourceUnavailable,
                        source.status().message(), std::nullopt, std::nullopt};
  }
  ActionResult result = deployer_->Promote(source.value(), identity);
  if (result.refusal != Refusal::kNone || !result.record) return result;
  const HistoryRecord& r = *result.record;
  if (r.outcome != Outcome::kSucceeded && r.outcome != Outcome::kNoop) return result;
  const Status reported = upstream_->Report({.env = env_,
                                             .deployment = r.deployment.value_or(0),
                                             .source_deployment = source.value().deployment,
                                             .digest = r.digest.value_or(""),
                                             .identity = identity});
  result.source_record = reported.ok() ? "recorded" : "not recorded: " + reported.message();
  if (!reported.ok()) {
    log_->Error("promotion not recorded by the source", {{"error", reported.message()}});
  }
  return result;
}

void AgentHandler::AddPromotionRoutes() {
  peer_router_.Add(
      Method::get, "/v1/promotion/source", [this](const Request&, const RouteParams&, Respond r) {
        RunWorker([this, r] {
          auto offer = deployer_->Promotable();
          if (!offer.ok()) {
            const bool engine = offer.status().code() != StatusCode::kFailedPrecondition;
            return r(
                ErrorReply(engine ? kEngineError : kNothingToPromote, offer.status().message()));
          }
          http::Response reply =
              JsonReply(200, ordered_json::parse(PromotionSourceJson(env_, offer.value())));
          r(std::move(reply));
        });
      });
  peer_router_.Add(
      Method::post, "/v1/promotion/record",
      [this](const Request& q, const RouteParams&, Respond r) {
        auto report = ParsePromotionReport(q.body());
        if (!report.ok()) {
          return r(ErrorReply(http::kInvalidField, report.status().message()));
        }
        const PromotionReport& p = report.value();
        if (p.env != PromotedTo(env_)) {
          return r(ErrorReply(http::kInvalidField, "env: " + env_ + " promotes into " +
                                                       PromotedTo(env_) + " only, not " + p.env));
        }
        RunWorker([this, p, r] {
          const ActionResult result = deployer_->RecordPromoted(p.source_deployment, p.digest,
                                                                p.env, p.deployment, p.identity);
          r(ActionAnswer(result));
        });
      });
}

bool AgentHandler::AuthenticatePeer(const Request& request, Respond& respond) {
  if (http::HasBearerToken(request, downstream_token_)) return true;
  const std::string_view target(request.target().data(), request.target().size());
  const char* reason = downstream_token_.empty()
                           ? "nothing is promoted out of this environment"
                           : "promotion routes need exactly one header Authorization: Bearer "
                             "<the promotion token of this link>";
  metrics_.OnAccessRefused(401);
  log_->Warn("request refused", {{"method", std::string(request.method_string())},
                                 {"path", std::string(target.substr(0, target.find('?')))},
                                 {"status", 401},
                                 {"reason", reason}});
  http::Response reply = ErrorReply(kUnauthenticated, reason);
  reply.set(boost::beast::http::field::www_authenticate, "Bearer");
  respond(std::move(reply));
  return false;
}

void AgentHandler::AddActionRoute(const char* path, const char* action, DeployerAction run) {
  Deployer* const deployer = deployer_;
  const std::string name = action;
  router_.Add(Method::post, path,
              [this, deployer, name, run](const Request& q, const RouteParams& p, Respond r) {
                if (!EmptyBody(q)) {
                  return r(ErrorReply(http::kInvalidField, "this action takes no body"));
                }
                const std::string who = p.identity();
                RunAction(
                    name, who, [deployer, run, who] { return (deployer->*run)(who); }, r);
              });
}

std::optional<std::string> AgentHandler::Authenticate(const Request& request, Respond& respond) {
  // A second copy of the header could carry another identity's token: refuse, whatever they are.
  AccessDecision access;
  if (request.count(kAccessHeader) > 1) {
    access.http_status = 401;
    access.reason = std::string(kAccessHeader) + " appears more than once";
  } else {
    const auto header = request.find(kAccessHeader);
    access = verifier_->Verify(
        header == request.end() ? std::string_view()
                                : std::string_view(header->value().data(), header->value().size()));
  }
  if (access.ok()) return access.identity;
  metrics_.OnAccessRefused(access.http_status);
  const std::string_view target(request.target().data(), request.target().size());
  log_->Warn("request refused", {{"method", std::string(request.method_string())},
                                 {"path", std::string(target.substr(0, target.find('?')))},
                                 {"status", access.http_status},
                                 {"reason", access.reason},
                                 {"identity", access.identity}});
  respond(ErrorReply(access.http_status == 401 ? kUnauthenticated : kForbidden, access.reason));
  return std::nullopt;
}

void AgentHandler::Handle(Request&& request, Respond respond) {
  const std::string_view target(request.target().data(), request.target().size());
  if (target.substr(0, target.find('?')) == "/health/live") {
    if (request.method() != Method::get) {
      return respond(ErrorReply(http::kMethodNotAllowed, "/health/live accepts GET only"));
    }
    return respond(JsonReply(200, ordered_json{{"live", true}}));
  }
  if (target.substr(0, target.find('?')) == "/metrics") {
    if (request.method() != Method::get) {
      return respond(ErrorReply(http::kMethodNotAllowed, "/metrics accepts GET only"));
    }
    return respond(http::MetricsReply(*metrics_.registry()));
  }
  if (draining_) return respond(ErrorReply(kAgentShuttingDown, "the agent is shutting down"));
  if (target.substr(0, kPromotionPrefix.size()) == kPromotionPrefix) {
    if (!AuthenticatePeer(request, respond)) return;
    return peer_router_.Dispatch(request, std::move(respond), "agent:" + PromotedTo(env_));
  }
  const std::optional<std::string> who = Authenticate(request, respond);
  if (!who) return;
  router_.Dispatch(request, std::move(respond), *who);
}

}  // namespace dreichor::deploy
