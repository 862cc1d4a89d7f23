// The stream's event format: a committed record round-trips to exactly the stored record, keeps
// the export's mapping, and hostile batches are refused with the field named.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/engine.h"
#include "stream/cloudevents.h"
#include "stream/stream_parse.h"
#include "testing/commands.h"

namespace dreichor::stream {
namespace {

audit::Record StoredRecord(uint64_t n, const audit::Digest& previous) {
  const audit::PendingRecord p = runtime::RecordForSequence(n);
  audit::Record r;
  r.sequence = p.sequence;
  r.timestamp_ns = p.timestamp_ns;
  r.event_id = p.event_id;
  r.type = p.type;
  r.payload = p.payload;
  r.chain = audit::ChainHash(previous, p);
  return r;
}

TEST(StreamMessageTest, CommittedRecordsRoundTripToTheStoredRecord) {
  engine::Engine engine;
  audit::Digest chain{};
  std::vector<std::string> events;
  std::vector<audit::Record> records;
  std::vector<engine::Outcome> outcomes;
  for (uint64_t n = 1; n <= 300; ++n) {
    audit::Record r = StoredRecord(n, chain);
    chain = r.chain;
    const engine::Outcome o = engine.Apply(runtime::CommandForSequence(n), r.timestamp_ns);
    events.push_back(CommittedEventJson(r, o, engine.events(), "urn:dreichor:audit:test"));
    records.push_back(r);
    outcomes.push_back(o);
  }
  std::vector<const std::string*> parts;
  for (const auto& e : events) parts.push_back(&e);
  auto items = ParseStreamBatch(JoinBatch(parts));
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items.value().size(), records.size());
  bool some_rejected = false;
  for (size_t i = 0; i < records.size(); ++i) {
    const StreamItem& item = items.value()[i];
    ASSERT_EQ(item.kind, StreamItem::Kind::kRecord);
    EXPECT_EQ(item.record.sequence, records[i].sequence);
    EXPECT_EQ(item.record.timestamp_ns, records[i].timestamp_ns);
    EXPECT_EQ(item.record.event_id, records[i].event_id);
    EXPECT_EQ(item.record.type, records[i].type);
    EXPECT_EQ(item.record.payload, records[i].payload);
    EXPECT_EQ(item.record.chain, records[i].chain);
    EXPECT_EQ(item.accepted, outcomes[i].accepted);
    EXPECT_EQ(item.order_id, outcomes[i].order_id);
    if (!outcomes[i].accepted) {
      some_rejected = true;
      EXPECT_EQ(item.reason_code, engine::ReasonCode(outcomes[i].reason));
    }
  }
  EXPECT_TRUE(some_rejected) << "the command mix should include rejections";
}

TEST(StreamMessageTest, KeepsTheExportMappingAndAddsOutcomeAndEvents) {
  engine::Engine engine;
  audit::Digest chain{};
  for (uint64_t n = 1; n <= 60; ++n) {
    const audit::Record r = StoredRecord(n, chain);
    chain = r.chain;
    const engine::Outcome o = engine.Apply(runtime::CommandForSequence(n), r.timestamp_ns);
    auto streamed = nlohmann::ordered_json::parse(
        CommittedEventJson(r, o, engine.events(), "urn:dreichor:audit:x"));
    const auto exported = nlohmann::ordered_json::parse(CloudEventLine(r, "urn:dreichor:audit:x"));
    EXPECT_EQ(streamed["data"]["events"].size(), engine.events().size());
    EXPECT_EQ(streamed["data"]["outcome"]["accepted"], o.accepted);
    for (const char* added : {"timestamp_ns", "payload_base64", "outcome", "events"}) {
      streamed["data"].erase(added);
    }
    EXPECT_EQ(streamed, exported) << "record " << n;
  }
}

TEST(StreamMessageTest, HeartbeatRoundTrips) {
  Heartbeat h;
  h.last_sequence = 42;
  h.head_sequence = 57;
  h.chain[0] = 0xab;
  h.state_hash[31] = 0x01;
  h.time_ns = 1'765'000'000'123'456'789;
  auto items = ParseStreamBatch("[" + HeartbeatJson(h, "urn:x") + "]");
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items.value().size(), 1u);
  const StreamItem& item = items.value()[0];
  ASSERT_EQ(item.kind, StreamItem::Kind::kHeartbeat);
  EXPECT_EQ(item.heartbeat.last_sequence, 42u);
  EXPECT_EQ(item.heartbeat.head_sequence, 57u);
  EXPECT_EQ(item.heartbeat.chain, h.chain);
  EXPECT_EQ(item.heartbeat.state_hash, h.state_hash);
  EXPECT_EQ(item.heartbeat.time_ns, h.time_ns);
}

TEST(StreamMessageTest, StartRoundTrips) {
  StreamStart start{17, {}};
  start.genesis[5] = 0x5a;
  auto items = ParseStreamBatch("[" + StartJson(start, 1'765'000'000'000'000'000, "urn:x") + "]");
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items.value()[0].kind, StreamItem::Kind::kStart);
  EXPECT_EQ(items.value()[0].start.from, 17u);
  EXPECT_EQ(items.value()[0].start.genesis, start.genesis);
}

// Each hostile batch is refused with a message naming what is wrong.
TEST(StreamMessageTest, RefusesMalformedBatchesNamingTheProblem) {
  engine::Engine engine;
  const audit::Record r = StoredRecord(1, audit::Digest{});
  const engine::Outcome o = engine.Apply(runtime::CommandForSequence(1), r.timestamp_ns);
  const auto good = nlohmann::json::parse(CommittedEventJson(r, o, engine.events(), "urn:x"));
  auto with = [&](auto change) {
    nlohmann::json e = good;
    change(e);
    return "[" + e.dump() + "]";
  };
  const std::pair<std::string, std::string> cases[] = {
      {"{", "not JSON"},
      {"{}", "not a CloudEvents batch"},
      {with([](auto& e) { e["specversion"] = "0.3"; }), "specversion"},
      {with([](auto& e) { e["type"] = "com.example.other"; }), "unknown event type"},
      {with([](auto& e) { e["type"] = "com.dreichor.command.deposit"; }), "does not match"},
      {with([](auto& e) { e["sequence"] = "42"; }), "sequence"},
      {with([](auto& e) { e["id"] = "not-an-id"; }), "id"},
      {with([](auto& e) { e["data"]["chain_hash"] = "zz"; }), "chain_hash"},
      {with([](auto& e) { e["data"]["payload_base64"] = "!!!!"; }), "payload_base64"},
      {with([](auto& e) { e["data"]["payload_base64"] = "AAAA"; }), "payload_base64"},
      {with([](auto& e) { e["data"].erase("timestamp_ns"); }), "timestamp_ns"},
      {with([](auto& e) { e["data"]["outcome"]["accepted"] = 1; }), "accepted"},
  };
  for (const auto& [text, needle] : cases) {
    auto parsed = ParseStreamBatch(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_NE(parsed.status().message().find(needle), std::string::npos)
        << parsed.status().message() << " should name " << needle;
  }
}

}  // namespace
}  // namespace dreichor::stream
