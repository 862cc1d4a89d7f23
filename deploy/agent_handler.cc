#include "deploy/agent_handler.h"

#include <charconv>

#include "api/json_fields.h"
#include "util/json_text.h"

namespace dreichor::deploy {

namespace {

namespace http = boost::beast::http;
using nlohmann::ordered_json;

api::Response Json(int status, const ordered_json& body) {
  api::Response res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = JsonText(body);
  res.prepare_payload();
  return res;
}

api::Response Error(int status, const std::string& code, const std::string& message) {
  return Json(status, {{"error", {{"code", code}, {"message", message}}}});
}

// The value of ?limit=N, or `fallback`; nullopt when malformed.
std::optional<size_t> LimitParam(std::string_view query, size_t fallback) {
  if (query.empty()) return fallback;
  if (query.rfind("limit=", 0) != 0) return std::nullopt;
  size_t n = 0;
  const std::string_view digits = query.substr(6);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || n == 0 ||
      n > kMaxDeploymentsListed) {
    return std::nullopt;
  }
  return n;
}

}  // namespace

AgentHandler::AgentHandler(Deployer* deployer, AccessVerifier* verifier, Clock* clock, JsonLog* log)
    : deployer_(deployer), verifier_(verifier), clock_(clock), log_(log) {}

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
  workers_.push_back({std::thread([work = std::move(work), done] {
                        work();
                        done->store(true);
                      }),
                      done});
}

void AgentHandler::RunAction(const std::string& action, const std::string& identity,
                             std::function<ActionOutcome()> run, api::Respond respond) {
  ActionLock::Holder holder{action, identity, clock_->NowUnixNanos()}, current;
  if (!lock_.TryAcquire(holder, &current)) {
    respond(Json(
        409,
        {{"error",
          {{"code", "busy"},
           {"message", "another action is running: " + current.action + " by " + current.identity},
           {"holder",
            {{"action", current.action},
             {"operator", current.identity},
             {"since", FormatUtc(current.since_ns)}}}}}}));
    return;
  }
  log_->Info("action", {{"action", action}, {"operator", identity}});
  RunWorker([this, run = std::move(run), respond] {
    ActionOutcome outcome = run();
    lock_.Release();
    respond(Json(outcome.http_status, outcome.body));
  });
}

void AgentHandler::Handle(api::Request&& request, api::Respond respond) {
  const std::string_view target(request.target().data(), request.target().size());
  const size_t q = target.find('?');
  const std::string path(target.substr(0, q));
  const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  const http::verb method = request.method();

  if (path == "/health/live") {
    if (method != http::verb::get) return respond(Error(405, "method_not_allowed", "use GET"));
    return respond(Json(200, {{"live", true}}));
  }
  if (draining_) return respond(Error(503, "shutting_down", "the agent is shutting down"));

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
  if (!access.ok()) {
    log_->Warn("request refused", {{"method", std::string(request.method_string())},
                                   {"path", path},
                                   {"status", access.http_status},
                                   {"reason", access.reason},
                                   {"identity", access.identity}});
    return respond(Error(access.http_status,
                         access.http_status == 401 ? "unauthenticated" : "forbidden",
                         access.reason));
  }
  const std::string& who = access.identity;

  if (path == "/v1/status" || path == "/v1/deployments") {
    if (method != http::verb::get) return respond(Error(405, "method_not_allowed", "use GET"));
    if (path == "/v1/status") {
      return RunWorker([this, respond] {
        ActionOutcome o = deployer_->CurrentStatus();
        if (o.http_status == 200) {
          const auto holder = lock_.holder();
          o.body["action_in_progress"] = holder
                                             ? ordered_json{{"action", holder->action},
                                                            {"operator", holder->identity},
                                                            {"since", FormatUtc(holder->since_ns)}}
                                             : ordered_json();
        }
        respond(Json(o.http_status, o.body));
      });
    }
    const auto limit = LimitParam(query, 100);
    if (!limit) {
      return respond(Error(400, "invalid_field", "limit: must be 1 to 1000"));
    }
    ActionOutcome o = deployer_->Deployments(*limit);
    return respond(Json(o.http_status, o.body));
  }

  if (path == "/v1/deploy" || path == "/v1/rollback" || path == "/v1/stop" || path == "/v1/start") {
    if (method != http::verb::post) return respond(Error(405, "method_not_allowed", "use POST"));
    if (path == "/v1/deploy") {
      nlohmann::json body;
      if (auto e = api::ParseObject(request.body(), &body)) {
        return respond(Error(e->status, e->code, e->message));
      }
      std::string tag;
      api::FieldReader fields(body);
      fields.String("tag", &tag, api::Need::kRequired, 128);
      if (auto e = fields.Finish()) return respond(Error(e->status, e->code, e->message));
      return RunAction(
          "deploy", who, [this, tag, who] { return deployer_->Deploy(tag, who); }, respond);
    }
    if (!request.body().empty() && request.body() != "{}") {
      return respond(Error(400, "invalid_field", "this action takes no body"));
    }
    if (path == "/v1/rollback") {
      return RunAction(
          "rollback", who, [this, who] { return deployer_->Rollback(who); }, respond);
    }
    if (path == "/v1/stop") {
      return RunAction(
          "stop", who, [this, who] { return deployer_->Stop(who); }, respond);
    }
    return RunAction(
        "start", who, [this, who] { return deployer_->Start(who); }, respond);
  }
  respond(Error(404, "not_found", "no route " + path));
}

}  // namespace dreichor::deploy
