// The record stream from the outside: a real sequencer and file log, the hub behind a real HTTP
// server, subscribers as WebSocket clients. Every record once, in order, chain-linked, with the
// outcome the sequencer answered; catch-up from the log joins the live tail with no gap or
// duplicate while commands keep coming; heartbeats carry the state hash after their record; a
// subscriber that does not read is closed and the others are unaffected; bad requests are refused.
#include "stream/record_hub.h"

#include <gtest/gtest.h>

#include <future>
#include <map>

#include "audit/file_log.h"
#include "http/reply.h"
#include "http/server.h"
#include "http/websocket_client.h"
#include "stream/stream_endpoint.h"
#include "stream/stream_parse.h"
#include "testing/commands.h"
#include "testing/temp_dir.h"
#include "util/json_log.h"

namespace dreichor::stream {
namespace {

using namespace std::chrono_literals;

class StreamOnly final : public http::Handler {
 public:
  StreamOnly(RecordHub* hub, http::WebSocketOptions options) : hub_(hub), options_(options) {}
  void Handle(http::Request&&, http::Respond respond) override {
    respond(http::ErrorReply(http::kNotFound, "stream only"));
  }
  std::optional<http::Response> Upgrade(http::Request& request,
                                        boost::beast::tcp_stream& stream) override {
    return UpgradeToStream(hub_, request, stream, options_);
  }

 private:
  RecordHub* hub_;
  http::WebSocketOptions options_;
};

// What a subscriber saw: records by sequence (checked to arrive in order, each once, chained)
// and the heartbeats checked against an engine fed the same records.
struct Received {
  uint64_t next = 0;  // expected next sequence
  audit::Digest chain{};
  engine::Engine engine;
  std::map<uint64_t, StreamItem> records;
  size_t heartbeats_checked = 0;
  bool started = false;
  bool from_genesis = false;  // `engine` holds the whole state (else only what came after)
};

class RecordHubTest : public ::testing::Test {
 protected:
  void Start(RecordHubOptions hub_options = {}, http::WebSocketOptions ws = {},
             uint64_t snapshot_every = 0) {
    audit::RecoveryReport report;
    auto log = audit::FileLog::Open(Env::Default(), dir_.Sub("audit"), {}, &report);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
    snapshots_ = std::make_unique<snapshot::SnapshotStore>(Env::Default(), dir_.Sub("snapshots"),
                                                           snapshot::SnapshotOptions{});
    ASSERT_TRUE(Env::Default()->CreateDirs(dir_.Sub("snapshots")).ok());
    hub_ = std::make_unique<RecordHub>(log_.get(), snapshots_.get(), 0, log_->genesis(),
                                       "urn:dreichor:audit:test", Clock::Real(), &json_log_,
                                       hub_options);
    runtime::SequencerOptions options;
    options.committed = hub_.get();
    options.snapshot_every = snapshot_every;
    options.snapshots = snapshots_.get();
    sequencer_ = std::make_unique<runtime::Sequencer>(
        Clock::Real(), log_.get(), std::make_unique<engine::Engine>(), 0, options);
    hub_->Start(sequencer_.get());
    handler_ = std::make_unique<StreamOnly>(hub_.get(), ws);
    auto server = http::Server::Start(http::ServerOptions{.address = "127.0.0.1"}, handler_.get());
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  void TearDown() override {
    if (sequencer_) sequencer_->Stop();
    if (hub_) hub_->Stop();
    server_.reset();
  }

  // Submits commands for sequences first..last in groups, and waits for every answer.
  void Submit(uint64_t first, uint64_t last) {
    for (uint64_t n = first; n <= last; n += 500) {
      std::vector<std::pair<engine::Command, runtime::CommandCallback>> group;
      std::vector<std::future<void>> done;
      for (uint64_t k = n; k <= std::min(last, n + 499); ++k) {
        auto p = std::make_shared<std::promise<void>>();
        done.push_back(p->get_future());
        group.emplace_back(runtime::CommandForSequence(k),
                           [this, p](const runtime::CommandResult& r) {
                             std::lock_guard<std::mutex> lock(mu_);
                             answers_[r.sequence] = r;
                             p->set_value();
                           });
      }
      sequencer_->SubmitTogether(std::move(group));
      for (auto& f : done) f.wait();
    }
  }

  std::unique_ptr<http::WebSocketClient> Subscribe(const std::string& target) {
    auto c = http::WebSocketClient::Connect("127.0.0.1", server_->port(), target, 5s);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  // Reads until `until` was received; checks order, chain, outcome and heartbeats on the way.
  void ReadUntil(http::WebSocketClient& client, Received& got, uint64_t until) {
    while (got.next <= until) {
      auto message = client.Read(20s);
      ASSERT_TRUE(message.ok()) << message.status().ToString() << " waiting for " << got.next;
      auto items = ParseStreamBatch(message.value());
      ASSERT_TRUE(items.ok()) << items.status().ToString();
      for (StreamItem& item : items.value()) {
        if (item.kind == StreamItem::Kind::kStart) {
          EXPECT_EQ(item.start.from, got.next) << "the start names the first sequence sent";
          EXPECT_EQ(item.start.genesis, log_->genesis());
          got.started = true;
          got.from_genesis = item.start.from == 1;
          continue;
        }
        ASSERT_TRUE(got.started) << "the start comes first";
        if (item.kind == StreamItem::Kind::kHeartbeat) {
          ASSERT_EQ(item.heartbeat.last_sequence, got.next - 1) << "a heartbeat follows its record";
          EXPECT_GE(item.heartbeat.head_sequence, item.heartbeat.last_sequence);
          EXPECT_EQ(item.heartbeat.chain, got.chain);
          if (got.from_genesis) {
            EXPECT_EQ(item.heartbeat.state_hash, got.engine.StateHash());
            got.heartbeats_checked++;
          }
          continue;
        }
        ASSERT_EQ(item.record.sequence, got.next) << "no gap, no duplicate";
        if (got.chain != audit::Digest{}) {  // unknown when started mid-log
          ASSERT_EQ(audit::ChainHash(got.chain, item.record), item.record.chain);
        }
        got.chain = item.record.chain;
        got.engine.Apply(item.command, item.record.timestamp_ns);
        got.next++;
        got.records.emplace(item.record.sequence, std::move(item));
      }
    }
  }

  // Every record received has the outcome the sequencer answered for it.
  void ExpectOutcomesAsAnswered(const Received& got) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [sequence, item] : got.records) {
      const runtime::CommandResult& answer = answers_.at(sequence);
      ASSERT_EQ(item.accepted, answer.outcome.accepted) << sequence;
      ASSERT_EQ(item.order_id, answer.outcome.order_id) << sequence;
      ASSERT_EQ(item.record.event_id, answer.event_id) << sequence;
      ASSERT_EQ(item.record.timestamp_ns, answer.timestamp_ns) << sequence;
    }
  }

  TempDir dir_;
  JsonLog json_log_{stderr, LogLevel::kError, Clock::Real()};
  std::unique_ptr<audit::FileLog> log_;
  std::unique_ptr<snapshot::SnapshotStore> snapshots_;
  std::unique_ptr<RecordHub> hub_;
  std::unique_ptr<runtime::Sequencer> sequencer_;
  std::unique_ptr<StreamOnly> handler_;
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::map<uint64_t, runtime::CommandResult> answers_;
};

TEST_F(RecordHubTest, LiveSubscriberGetsEveryRecordOnceInOrderWithItsOutcome) {
  Start();
  auto client = Subscribe("/v1/stream");
  ASSERT_TRUE(client);
  // The subscription is live once the hub counts it.
  for (int i = 0; i < 5000 && hub_->stats().live.load() == 0; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(hub_->stats().live.load(), 1);
  Submit(1, 3000);
  Received got;
  got.next = 1;
  got.chain = log_->genesis();
  ReadUntil(*client, got, 3000);
  EXPECT_EQ(got.records.size(), 3000u);
  ExpectOutcomesAsAnswered(got);
  EXPECT_EQ(got.engine.StateHash(),
            sequencer_->Read([](const engine::Engine& e) { return e.StateHash(); }));
}

TEST_F(RecordHubTest, CatchUpFromTheLogJoinsTheLiveTailWithNoGapWhileCommandsArrive) {
  Start({}, {}, /*snapshot_every=*/1000);
  Submit(1, 4000);
  auto writer = std::async(std::launch::async, [this] { Submit(4001, 12000); });
  auto client = Subscribe("/v1/stream?from=1");
  ASSERT_TRUE(client);
  Received got;
  got.next = 1;
  got.chain = log_->genesis();
  ReadUntil(*client, got, 12000);
  writer.get();
  EXPECT_EQ(got.records.size(), 12000u);
  ExpectOutcomesAsAnswered(got);

  // From the middle (a snapshot lies before it): the engine starts there.
  auto middle = Subscribe("/v1/stream?from=2500");
  ASSERT_TRUE(middle);
  Received from_middle;
  from_middle.next = 2500;
  ReadUntil(*middle, from_middle, 12000);
  EXPECT_EQ(from_middle.records.begin()->first, 2500u);
  EXPECT_EQ(from_middle.records.size(), 12000u - 2500u + 1);
  ExpectOutcomesAsAnswered(from_middle);
}

TEST_F(RecordHubTest, HeartbeatsFollowTheirRecordWithTheStateHash) {
  RecordHubOptions options;
  options.heartbeat_every = 5ms;
  Start(options);
  auto client = Subscribe("/v1/stream?from=1");
  ASSERT_TRUE(client);
  Received got;
  got.next = 1;
  got.chain = log_->genesis();
  for (uint64_t n = 1; n <= 400; n += 20) {
    Submit(n, n + 19);
    ReadUntil(*client, got, n + 19);
  }
  // Idle: heartbeats keep coming for the last record.
  while (got.heartbeats_checked < 3) {
    auto message = client->Read(20s);
    ASSERT_TRUE(message.ok()) << message.status().ToString();
    auto items = ParseStreamBatch(message.value());
    ASSERT_TRUE(items.ok());
    for (const StreamItem& item : items.value()) {
      ASSERT_EQ(item.kind, StreamItem::Kind::kHeartbeat);
      EXPECT_EQ(item.heartbeat.last_sequence, 400u);
      EXPECT_EQ(item.heartbeat.head_sequence, 400u) << "idle: nothing newer was committed";
      EXPECT_EQ(item.heartbeat.state_hash, got.engine.StateHash());
      got.heartbeats_checked++;
    }
  }
  EXPECT_GT(hub_->stats().heartbeats.load(), 2u);
}

TEST_F(RecordHubTest, SubscriberThatDoesNotReadIsClosedAndTheOthersAreUnaffected) {
  http::WebSocketOptions ws;
  ws.max_queued_bytes = 4 << 20;  // four of the hub's largest messages
  Start({}, ws);
  auto slow = Subscribe("/v1/stream");
  auto fast = Subscribe("/v1/stream");
  ASSERT_TRUE(slow && fast);
  for (int i = 0; i < 5000 && hub_->stats().live.load() < 2; ++i) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(hub_->stats().live.load(), 2);
  Received got;
  got.next = 1;
  got.chain = log_->genesis();
  // The fast one reads what each group of commands wrote; the slow one reads nothing.
  for (uint64_t n = 1; n <= 60000; n += 500) {
    Submit(n, n + 499);
    ReadUntil(*fast, got, n + 499);
  }
  EXPECT_EQ(got.records.size(), 60000u);
  EXPECT_EQ(hub_->stats().dropped_slow.load(), 1u);
  EXPECT_EQ(hub_->stats().live.load(), 1);
  // What the slow one finds at the end of what it was sent: the close, with the reason.
  Status ended;
  for (int i = 0; i < 100000 && ended.ok(); ++i) {
    auto message = slow->Read(20s);
    if (!message.ok()) ended = message.status();
  }
  EXPECT_NE(ended.message().find("4008"), std::string::npos) << ended.ToString();
  EXPECT_NE(ended.message().find("too slow"), std::string::npos) << ended.ToString();
}

TEST_F(RecordHubTest, RefusesAFromBeyondTheNextRecordAndMalformedQueries) {
  Start();
  Submit(1, 10);
  for (const char* target : {"/v1/stream?from=12", "/v1/stream?from=0", "/v1/stream?from=x",
                             "/v1/stream?since=1", "/v1/stream?from=1&from=2"}) {
    auto c = http::WebSocketClient::Connect("127.0.0.1", server_->port(), target, 5s);
    ASSERT_FALSE(c.ok()) << target;
    EXPECT_NE(c.status().message().find("HTTP 400"), std::string::npos) << c.status().ToString();
    EXPECT_NE(c.status().message().find("from"), std::string::npos) << c.status().ToString();
  }
  // The next record itself is accepted.
  EXPECT_TRUE(Subscribe("/v1/stream?from=11"));
}

TEST_F(RecordHubTest, SubscribersBeyondTheLimitAreClosedWithTryAgainLater) {
  RecordHubOptions options;
  options.max_subscribers = 1;
  Start(options);
  auto first = Subscribe("/v1/stream");
  ASSERT_TRUE(first);
  for (int i = 0; i < 5000 && hub_->stats().live.load() == 0; ++i) std::this_thread::sleep_for(1ms);
  auto second = Subscribe("/v1/stream");
  ASSERT_TRUE(second);
  auto refused = second->Read(10s);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("1013"), std::string::npos)
      << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("limit"), std::string::npos);
}

}  // namespace
}  // namespace dreichor::stream
