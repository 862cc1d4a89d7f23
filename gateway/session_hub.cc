#include "gateway/session_hub.h"

#include <optional>

#include "command_json/command_json.h"
#include "engine/names.h"
#include "gateway/gateway_errors.h"
#include "http/json_fields.h"
#include "http/json_writer.h"

namespace dreichor::gateway {

using http::ApiError;
using nlohmann::json;

struct SessionHub::Session {
  std::shared_ptr<http::WebSocketConnection> connection;
  std::optional<Caller> caller;  // set once, at logon, on the connection's strand
  uint64_t next_seq = 1;         // the connection's strand only
  uint64_t stream_seq = 0;       // under SessionHub::mu_
  std::atomic<size_t> in_flight{0};
  int64_t accepted_ns = 0;  // when the handshake completed
  std::atomic<bool> logged_on{false};

  void Send(std::string text) {
    connection->Send(std::make_shared<const std::string>(std::move(text)));
  }
};

namespace {

constexpr size_t kMinNonce = 16;
constexpr size_t kMaxNonce = 64;

const char* CommandPath(const std::string& op) {
  if (op == "place") return "/v1/orders";
  if (op == "cancel") return "/v1/orders/cancel";
  if (op == "cancel_all") return "/v1/orders/cancel-all";
  if (op == "amend") return "/v1/orders/amend";
  return nullptr;
}

bool IsNonceChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// The positive integer `name` of `m` as decimal text, or "" when it is not one.
std::string IntegerText(const json& m, const char* name) {
  auto it = m.find(name);
  if (it == m.end() || !it->is_number_unsigned()) return "";
  return std::to_string(it->get<uint64_t>());
}

// This account's side of a trade: never the other party's account or order.
std::string FillBody(const engine::Event& trade, engine::AccountId account) {
  const bool taker = trade.account == account;
  http::JsonWriter w;
  w.BeginObject();
  w.Key("trade_id");
  w.Uint(trade.trade_id);
  w.Key("market");
  w.Uint(trade.market);
  w.Key("order_id");
  w.Uint(taker ? trade.order_id : trade.maker_order_id);
  w.Key("side");
  const engine::Side side =
      taker ? trade.side
            : (trade.side == engine::Side::kBuy ? engine::Side::kSell : engine::Side::kBuy);
  w.String(engine::SideName(side));
  w.Key("role");
  w.String(taker ? "taker" : "maker");
  w.Key("price");
  w.Int(trade.price);
  w.Key("quantity");
  w.Int(trade.quantity);
  w.Key("fee");
  w.Int(taker ? trade.fee : trade.maker_fee);
  w.EndObject();
  return w.Take();
}

}  // namespace

SessionHub::SessionHub(Authenticator* auth, RateLimiter* key_limits, RuntimeLink* link,
                       Refusals* refusals, Clock* clock, SessionOptions options)
    : auth_(auth),
      key_limits_(key_limits),
      link_(link),
      refusals_(refusals),
      clock_(clock),
      options_(options) {
  sweeper_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!closed_) {
      sweep_.wait_for(lock, std::chrono::seconds(1));
      if (closed_) break;
      lock.unlock();
      CloseLateLogons();
      lock.lock();
    }
  });
}

SessionHub::~SessionHub() {
  CloseAll();
  if (sweeper_.joinable()) sweeper_.join();
}

void SessionHub::CloseLateLogons() {
  const int64_t deadline_ns =
      clock_->NowUnixNanos() -
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.logon_deadline).count();
  std::vector<SessionPtr> late;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [raw, s] : sessions_) {
      if (!s->logged_on.load() && s->accepted_ns < deadline_ns) late.push_back(s);
    }
  }
  for (const SessionPtr& s : late) {
    Error(s, 0, ApiError::Of(kLogonRequired, "no logon within the deadline"));
    s->connection->Close(kCloseLogonRefused, "logon deadline passed");
  }
}

void SessionHub::Accept(http::Request& request, boost::beast::tcp_stream& stream,
                        const http::WebSocketOptions& options) {
  auto session = std::make_shared<Session>();
  session->accepted_ns = clock_->NowUnixNanos();
  session->connection = http::WebSocketConnection::Create(std::move(stream), options);
  Session* raw = session.get();
  bool over = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    over = closed_ || sessions_.size() >= options_.max_sessions;
    if (!over) sessions_[raw] = session;
    stats_.open = static_cast<int64_t>(sessions_.size());
  }
  std::weak_ptr<Session> weak = session;
  session->connection->Start(
      std::move(request),
      [this, weak](std::string_view text) {
        if (auto s = weak.lock()) OnMessage(s, text);
      },
      [this, raw] { Forget(raw); });
  if (over) {
    session->connection->Close(http::kCloseTryAgainLater, "the session limit is reached");
  }
}

void SessionHub::Forget(Session* session) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  if (const std::optional<Caller>& caller = it->second->caller) {
    readers_[caller->account].erase(session);
    if (readers_[caller->account].empty()) readers_.erase(caller->account);
    by_key_[caller->key_id].erase(session);
    if (by_key_[caller->key_id].empty()) by_key_.erase(caller->key_id);
    --stats_.logged_on;
  }
  sessions_.erase(it);
  stats_.open = static_cast<int64_t>(sessions_.size());
}

void SessionHub::CloseAll() {
  std::vector<SessionPtr> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    for (auto& [raw, s] : sessions_) all.push_back(s);
  }
  sweep_.notify_all();
  for (auto& s : all) s->connection->Close(http::kCloseGoingAway, "the gateway is shutting down");
}

void SessionHub::Error(const SessionPtr& session, uint64_t seq, const ApiError& error,
                       int64_t retry_after_ms) {
  ++stats_.refused;
  if (refusals_ != nullptr) {
    // The key once logged on (the strand's: Error runs there, or after the session ended).
    const std::string key_id =
        session->logged_on.load() ? std::to_string(session->caller->key_id) : std::string();
    refusals_->Record(error, "session", key_id, session->connection->peer());
  }
  nlohmann::ordered_json j{{"type", "error"}};
  if (seq != 0) j["seq"] = seq;
  j["code"] = error.code;
  j["message"] = error.message;
  if (!error.field.empty()) j["field"] = error.field;
  if (retry_after_ms > 0) j["retry_after_ms"] = retry_after_ms;
  session->Send(j.dump());
}

void SessionHub::OnMessage(const SessionPtr& session, std::string_view text) {
  json message;
  if (auto e = http::ParseObject(text, &message)) return Error(session, 0, *e);
  auto op = message.find("op");
  if (op == message.end() || !op->is_string()) {
    return Error(session, 0, ApiError::Of(kUnknownOp, "every message needs \"op\" (a string)"));
  }
  const std::string name = op->get<std::string>();
  if (name == "logon") return Logon(session, message);
  if (CommandPath(name) == nullptr) {
    return Error(session, 0,
                 ApiError::Of(kUnknownOp,
                              "op must be one of logon, place, cancel, cancel_all, "
                              "amend; not " +
                                  name));
  }
  if (!session->caller) {
    Error(session, 0, ApiError::Of(kLogonRequired, "log on first"));
    return session->connection->Close(kCloseLogonRefused, "log on first");
  }
  Command(session, name, message);
}

void SessionHub::Logon(const SessionPtr& session, const json& message) {
  auto refuse = [&](const ApiError& error) {
    Error(session, 0, error);
    session->connection->Close(kCloseLogonRefused, error.code);
  };
  if (session->caller) {
    return Error(session, 0, ApiError::Of(kUnknownOp, "this session is already logged on"));
  }
  const std::string key_id = IntegerText(message, "key_id");
  const std::string timestamp = IntegerText(message, "timestamp");
  auto nonce = message.find("nonce");
  auto signature = message.find("signature");
  if (key_id.empty() || timestamp.empty() || nonce == message.end() || !nonce->is_string() ||
      signature == message.end() || !signature->is_string() || message.size() != 5) {
    return refuse(ApiError::Of(kMissingSignature,
                               "a logon has exactly op, key_id and timestamp (integers), nonce "
                               "and signature (strings)"));
  }
  const std::string nonce_text = nonce->get<std::string>();
  if (nonce_text.size() < kMinNonce || nonce_text.size() > kMaxNonce ||
      !std::all_of(nonce_text.begin(), nonce_text.end(), IsNonceChar)) {
    return refuse(ApiError::BadField("nonce", "must be 16 to 64 of [A-Za-z0-9_-]"));
  }
  const std::string signature_text = signature->get<std::string>();
  SignedRequest signed_logon{key_id, timestamp, signature_text,
                             SigningPayload(timestamp, "GET", kSessionPath, nonce_text),
                             "logon " + nonce_text};
  AuthResult auth = auth_->Check(signed_logon);
  if (!auth.caller) return refuse(auth.error);
  session->caller = auth.caller;
  session->logged_on = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sessions_.contains(session.get())) {
      by_key_[auth.caller->key_id].insert(session.get());
      if (auth.caller->Can(engine::kPermissionRead)) {
        readers_[auth.caller->account].insert(session.get());
      }
      ++stats_.logged_on;
    }
  }
  nlohmann::ordered_json j{{"type", "logon"},
                           {"key_id", auth.caller->key_id},
                           {"account", auth.caller->account},
                           {"permissions", engine::PermissionsName(auth.caller->permissions)}};
  session->Send(j.dump());
}

void SessionHub::Command(const SessionPtr& session, const std::string& op, const json& message) {
  const Caller& caller = *session->caller;
  auto seq_field = message.find("seq");
  if (seq_field == message.end() || !seq_field->is_number_unsigned()) {
    return Error(session, 0, ApiError::BadField("seq", "must be the next client sequence number"));
  }
  const uint64_t seq = seq_field->get<uint64_t>();
  if (seq != session->next_seq) {
    return Error(session, seq,
                 ApiError::Of(kSequenceOutOfOrder,
                              "expected seq " + std::to_string(session->next_seq) + ", got " +
                                  std::to_string(seq) + "; nothing was sent"));
  }
  ++session->next_seq;
  auto order = message.find("order");
  if (order == message.end() || !order->is_object() || message.size() != 3) {
    return Error(session, seq,
                 ApiError::BadField("order",
                                    "a command has exactly op, seq and order (an "
                                    "object: the REST body)"));
  }
  if (!auth_->StillValid(caller.key_id)) {
    Error(session, seq, ApiError::Of(kApiKeyRevoked, "the API key is revoked"));
    return session->connection->Close(kCloseKeyRevoked, "api key revoked");
  }
  if (!caller.Can(engine::kPermissionTrade)) {
    return Error(session, seq,
                 ApiError::Of(kPermissionDenied, "this API key may not trade (read only)"));
  }
  if (const int64_t wait = key_limits_->Take(std::to_string(caller.key_id), clock_->NowUnixNanos());
      wait > 0) {
    return Error(session, seq, ApiError::Of(kRateLimited, "the API key's rate limit is reached"),
                 wait);
  }
  auto account = order->find("account");
  if (account == order->end() || !account->is_number_unsigned() ||
      account->get<uint64_t>() != caller.account) {
    return Error(session, seq,
                 ApiError::Of(kAccountMismatch, "order.account must be this key's account " +
                                                    std::to_string(caller.account)));
  }
  if (session->in_flight.load() >= options_.max_in_flight) {
    return Error(session, seq,
                 ApiError::Of(kTooManyInFlight, std::to_string(options_.max_in_flight) +
                                                    " commands are awaiting answers"));
  }
  ++session->in_flight;
  ++stats_.commands;
  std::weak_ptr<Session> weak = session;
  const bool queued = link_->Send(
      caller.key_id, boost::beast::http::verb::post, CommandPath(op), order->dump(), "",
      [this, weak, seq](Result<RuntimeAnswer> answer) {
        SessionPtr s = weak.lock();
        if (s == nullptr) return;
        --s->in_flight;
        if (!answer.ok()) {
          return Error(s, seq, ApiError::Of(kRuntimeUnavailable, answer.status().message()));
        }
        http::JsonWriter w;
        w.BeginObject();
        w.Key("type");
        w.String("answer");
        w.Key("seq");
        w.Uint(seq);
        w.Key("status");
        w.Uint(answer.value().status);
        w.Key("body");
        w.Json(answer.value().body);
        w.EndObject();
        s->Send(w.Take());
      });
  if (!queued) {
    --session->in_flight;
    Error(session, seq, ApiError::Of(kGatewayBusy, "the gateway's queue to the runtime is full"));
  }
}

void SessionHub::PrivateLocked(engine::AccountId account, std::string_view type,
                               std::string_view key, uint64_t sequence, const std::string& body) {
  auto it = readers_.find(account);
  if (it == readers_.end()) return;
  for (Session* s : it->second) {
    http::JsonWriter w;
    w.BeginObject();
    w.Key("type");
    w.String(type);
    w.Key("stream_seq");
    w.Uint(++s->stream_seq);
    w.Key("sequence");
    w.Uint(sequence);
    w.Key(key);
    w.Json(body);
    w.EndObject();
    s->Send(w.Take());
    ++stats_.private_messages;
  }
}

void SessionHub::OnApplied(const stream::StreamItem& item,
                           const std::vector<engine::Event>& events) {
  if (item.kind != stream::StreamItem::Kind::kRecord) return;
  if (const auto* revoke = std::get_if<engine::RevokeApiKey>(&item.command);
      revoke != nullptr && item.accepted) {
    std::vector<SessionPtr> revoked;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = by_key_.find(revoke->key_id); it != by_key_.end()) {
        for (Session* s : it->second) revoked.push_back(sessions_.at(s));
      }
    }
    for (const SessionPtr& s : revoked) s->connection->Close(kCloseKeyRevoked, "api key revoked");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (readers_.empty()) return;
  const uint64_t sequence = item.record.sequence;
  for (const engine::Event& e : events) {
    if (e.type == engine::EventType::kBookChanged) continue;
    if (e.type == engine::EventType::kTrade) {
      if (readers_.contains(e.account)) {
        PrivateLocked(e.account, "fill", "fill", sequence, FillBody(e, e.account));
      }
      if (e.maker_account != e.account && readers_.contains(e.maker_account)) {
        PrivateLocked(e.maker_account, "fill", "fill", sequence, FillBody(e, e.maker_account));
      }
      continue;
    }
    if (!readers_.contains(e.account)) continue;
    http::JsonWriter w;
    command_json::WriteEvent(e, &w);
    PrivateLocked(e.account, "order", "event", sequence, w.Take());
  }
}

}  // namespace dreichor::gateway
