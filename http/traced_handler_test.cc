// TracedHandler over a real server: the trace a caller sends is continued, a missing or invalid
// one replaced by a new trace, and the answer names the span, even when it is sent from another
// thread.
#include "http/traced_handler.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "http/reply.h"
#include "testing/http_client.h"

namespace dreichor::http {
namespace {

// Notes the trace it ran under and answers from a thread of its own.
class AnswerLater final : public Handler {
 public:
  void Handle(Request&& request, Respond respond) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      thread_trace_ = CurrentTrace();
      request_trace_ = RequestTrace(request);
    }
    std::thread([respond = std::move(respond)] {
      respond(JsonReply(200, nlohmann::ordered_json{{"ok", true}}));
    }).detach();
  }
  std::optional<TraceContext> thread_trace() {
    std::lock_guard<std::mutex> lock(mu_);
    return thread_trace_;
  }
  std::optional<TraceContext> request_trace() {
    std::lock_guard<std::mutex> lock(mu_);
    return request_trace_;
  }

 private:
  std::mutex mu_;
  std::optional<TraceContext> thread_trace_, request_trace_;
};

class TracedHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.address = "127.0.0.1";
    server_ = std::move(Server::Start(options, &traced_)).value();
  }
  void TearDown() override { server_->Stop(); }
  // The span the answer names, after checking the inner handler ran under it.
  TraceContext Ask(std::vector<std::pair<std::string, std::string>> headers) {
    testing::TestHttpClient client("127.0.0.1", server_->port());
    const testing::TestResponse r = client.Send("GET", "/", "", headers);
    EXPECT_EQ(r.status, 200);
    const auto answered = ParseTraceparent(
        r.headers.count("traceparent") != 0 ? r.headers.at("traceparent") : std::string());
    EXPECT_TRUE(answered.has_value()) << "no valid traceparent in the answer";
    if (!answered) return {};
    EXPECT_EQ(inner_.thread_trace(), answered) << "the handler ran under the answered span";
    EXPECT_EQ(inner_.request_trace(), answered) << "the request was handed on with that span";
    return *answered;
  }

  SeededRandom random_{20261205};
  AnswerLater inner_;
  TracedHandler traced_{&inner_, &random_};
  std::unique_ptr<Server> server_;
};

constexpr char kCallers[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST_F(TracedHandlerTest, AValidTraceparentIsContinuedWithANewSpan) {
  const TraceContext caller = *ParseTraceparent(kCallers);
  const TraceContext span = Ask({{"traceparent", kCallers}});
  EXPECT_EQ(span.trace_id, caller.trace_id);
  EXPECT_NE(span.span_id, caller.span_id);
  EXPECT_EQ(span.flags, caller.flags);
}

TEST_F(TracedHandlerTest, AMissingInvalidOrRepeatedTraceparentStartsANewTrace) {
  const TraceContext caller = *ParseTraceparent(kCallers);
  const TraceContext none = Ask({});
  const TraceContext invalid = Ask({{"traceparent", "00-not-a-trace-01"}});
  const TraceContext repeated = Ask({{"traceparent", kCallers}, {"traceparent", kCallers}});
  for (const TraceContext& span : {none, invalid, repeated}) {
    EXPECT_NE(span.trace_id, caller.trace_id);
  }
  EXPECT_NE(none.trace_id, invalid.trace_id);
}

}  // namespace
}  // namespace dreichor::http
