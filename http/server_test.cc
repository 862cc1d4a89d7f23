// The server's ordering option: with reads_wait_for_earlier_requests a pipelined GET is handed to
// the handler only after the requests before it are answered; without it, at once.
#include "http/server.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>

#include "http/reply.h"
#include "testing/http_client.h"

namespace dreichor::http {
namespace {

// Holds POSTs unanswered until Release(); answers GETs at once, recording whether a POST was
// still held when the GET arrived.
class HoldingHandler final : public Handler {
 public:
  void Handle(Request&& request, Respond respond) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (request.method() == boost::beast::http::verb::post) {
      held_.emplace(std::move(respond));
      cv_.notify_all();
      return;
    }
    get_saw_held_post_ = held_.has_value();
    respond(JsonReply(200, nlohmann::json{{"held_post", held_.has_value()}}));
  }
  void WaitForPost() {
    std::unique_lock<std::mutex> lock(mu_);
    ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(60), [&] { return held_.has_value(); }));
  }
  void Release() {
    std::optional<Respond> r;
    {
      std::lock_guard<std::mutex> lock(mu_);
      r.swap(held_);
    }
    if (r) (*r)(JsonReply(200, nlohmann::json{{"post", true}}));
  }
  bool get_saw_held_post() {
    std::lock_guard<std::mutex> lock(mu_);
    return get_saw_held_post_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Respond> held_;
  bool get_saw_held_post_ = false;
};

std::string Pipelined() {
  return "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
         "GET /g HTTP/1.1\r\nHost: x\r\n\r\n";
}

TEST(ServerTest, WithOrderedReadsAGetWaitsForTheRequestsBeforeIt) {
  HoldingHandler handler;
  ServerOptions options;
  options.address = "127.0.0.1";
  options.reads_wait_for_earlier_requests = true;
  auto server = Server::Start(options, &handler);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  testing::TestHttpClient client("127.0.0.1", server.value()->port());
  std::thread send([&] {
    const testing::TestResponse post = client.Raw(Pipelined());
    EXPECT_EQ(post.status, 200);
    const testing::TestResponse get = client.ReadNext();
    EXPECT_EQ(get.status, 200);
    EXPECT_NE(get.body.find("\"held_post\":false"), std::string::npos) << get.body;
  });
  handler.WaitForPost();
  handler.Release();
  send.join();
  EXPECT_FALSE(handler.get_saw_held_post());
}

TEST(ServerTest, WithoutOrderedReadsAGetIsHandedOverAtOnce) {
  HoldingHandler handler;
  ServerOptions options;
  options.address = "127.0.0.1";
  auto server = Server::Start(options, &handler);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  testing::TestHttpClient client("127.0.0.1", server.value()->port());
  std::thread send([&] {
    const testing::TestResponse post = client.Raw(Pipelined());
    EXPECT_EQ(post.status, 200);
    const testing::TestResponse get = client.ReadNext();
    EXPECT_EQ(get.status, 200);
    EXPECT_NE(get.body.find("\"held_post\":true"), std::string::npos) << get.body;
  });
  handler.WaitForPost();
  // The GET is handled while the POST is still held; answers still go out in request order.
  for (int i = 0; i < 6000 && !handler.get_saw_held_post(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(handler.get_saw_held_post());
  handler.Release();
  send.join();
}

}  // namespace
}  // namespace dreichor::http
