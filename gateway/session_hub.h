// SessionHub: the order-entry WebSocket sessions, GET /v1/session (docs/gateway.md, "Sessions").
//
// A client logs on once with a signed logon:
//   {"op":"logon","key_id":7,"timestamp":1764979200000,"nonce":"...","signature":"<base64>"}
// (the signature covers timestamp || "GET" || "/v1/session" || nonce, as Authenticator says),
// then sends commands, each with the next client sequence number (1, 2, 3, ...):
//   {"op":"place"|"cancel"|"cancel_all"|"amend","seq":N,"order":{...the REST body...}}
// and receives, on the same connection,
//   {"type":"answer","seq":N,"status":200,"body":{...the runtime's answer, unchanged...}}
//   {"type":"error","seq":N,"code":"rate_limited","message":"...","retry_after_ms":12}
// and, when the key may read, its account's private stream, in audit-log order:
//   {"type":"order","stream_seq":K,"sequence":S,"event":{...order event...}}
//   {"type":"fill","stream_seq":K,"sequence":S,"fill":{...this account's side of a trade...}}
// stream_seq counts the session's private messages from 1, so a client sees any gap.
//
// Every refusal class of the REST side applies here too, per message. A failed logon, or a
// command before logon, closes the session (4001); a revoked key's sessions are closed (4003) as
// soon as the revocation's record is applied. Commands of one session reach the runtime in
// sequence order (one runtime connection per key).
//
// Thread safety: OnApplied runs on the follower's apply thread; Accept and the sessions' messages
// on I/O threads; answers arrive on RuntimeLink's threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gateway/authenticator.h"
#include "gateway/rate_limiter.h"
#include "gateway/refusals.h"
#include "gateway/runtime_link.h"
#include "http/websocket.h"
#include "stream/stream_parse.h"

namespace dreichor::gateway {

inline constexpr std::string_view kSessionPath = "/v1/session";
inline constexpr uint16_t kCloseLogonRefused = 4001;
inline constexpr uint16_t kCloseKeyRevoked = 4003;

struct SessionStats {
  std::atomic<int64_t> open{0};
  std::atomic<int64_t> logged_on{0};
  std::atomic<uint64_t> commands{0};
  std::atomic<uint64_t> refused{0};
  std::atomic<uint64_t> private_messages{0};
};

struct SessionOptions {
  size_t max_in_flight = 4096;  // commands sent to the runtime and not yet answered, per session
  size_t max_sessions = 4096;
  // A session not logged on this long after its handshake is closed (4001), so that idle
  // connections cannot hold the session limit.
  std::chrono::milliseconds logon_deadline{10'000};
};

class SessionHub {
 public:
  // `refusals` may be null.
  SessionHub(Authenticator* auth, RateLimiter* key_limits, RuntimeLink* link, Refusals* refusals,
             Clock* clock, SessionOptions options);
  ~SessionHub();

  // Takes the connection of a WebSocket handshake and serves it.
  void Accept(http::Request& request, boost::beast::tcp_stream& stream,
              const http::WebSocketOptions& options);
  // Follower::OnApplied: the private stream, and revocations.
  void OnApplied(const stream::StreamItem& item, const std::vector<engine::Event>& events);
  // Closes every session (1001) and stops the logon deadline's sweeper. Idempotent.
  void CloseAll();
  // Closes the sessions that did not log on within the deadline (the sweeper calls it every
  // second; tests call it directly).
  void CloseLateLogons();

  const SessionStats& stats() const { return stats_; }

 private:
  struct Session;
  using SessionPtr = std::shared_ptr<Session>;

  void OnMessage(const SessionPtr& session, std::string_view text);
  void Logon(const SessionPtr& session, const nlohmann::json& message);
  void Command(const SessionPtr& session, const std::string& op, const nlohmann::json& message);
  void Error(const SessionPtr& session, uint64_t seq, const http::ApiError& error,
             int64_t retry_after_ms = 0);
  void Forget(Session* session);
  // Sends one private message to every session of `account` that may read (mu_ held).
  void PrivateLocked(engine::AccountId account, std::string_view type, std::string_view key,
                     uint64_t sequence, const std::string& body);

  Authenticator* auth_;
  RateLimiter* key_limits_;
  RuntimeLink* link_;
  Refusals* refusals_;
  Clock* clock_;
  const SessionOptions options_;
  SessionStats stats_;

  std::mutex mu_;
  std::map<Session*, SessionPtr> sessions_;                  // GUARDED_BY(mu_)
  std::map<engine::AccountId, std::set<Session*>> readers_;  // GUARDED_BY(mu_)
  std::map<uint64_t, std::set<Session*>> by_key_;            // GUARDED_BY(mu_)
  bool closed_ = false;                                      // GUARDED_BY(mu_)
  std::condition_variable sweep_;
  std::thread sweeper_;
};

}  // namespace dreichor::gateway
