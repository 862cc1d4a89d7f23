// EngineGate's server, in process, over real unix sockets, with no engine behind it: what it
// answers to refused, malformed, oversized, slow and surplus requests, and the socket it serves.
#include "deploy/gate/gate_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "testing/fake_clock.h"
#include "testing/temp_dir.h"

namespace dreichor::deploy {
namespace {

int Connect(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` (if any) and reads until the gate closes the connection.
std::string Exchange(int fd, const std::string& request) {
  if (!request.empty()) {
    EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
  }
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) answer.append(buffer, n);
  ::close(fd);
  return answer;
}

class GateServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.listen_socket = dir_.path() + "/gate.sock";
    options_.engine_socket = dir_.path() + "/no-engine.sock";
    options_.scope = {"dev", "/opt/dreichor/dev"};
    options_.max_connections = 2;
    // Long enough that connections held open by a test outlive a busy machine's scheduling.
    options_.read_timeout = std::chrono::milliseconds(3'000);
    auto gate = EngineGate::Start(options_, &log_);
    ASSERT_TRUE(gate.ok()) << gate.status().ToString();
    gate_ = std::move(gate).value();
  }
  std::string Ask(const std::string& request) {
    const int fd = Connect(options_.listen_socket);
    EXPECT_GE(fd, 0);
    return fd < 0 ? "" : Exchange(fd, request);
  }

  TempDir dir_;
  testing::FakeClock clock_;
  JsonLog log_{fopen("/dev/null", "w"), LogLevel::kDebug, &clock_};
  GateOptions options_;
  std::unique_ptr<EngineGate> gate_;
};

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

TEST_F(GateServerTest, ARefusedRequestGets403InTheEnginesErrorShape) {
  const std::string a = Ask("GET /v1.41/info HTTP/1.1\r\nHost: engine\r\n\r\n");
  EXPECT_EQ(a.rfind("HTTP/1.1 403 ", 0), 0u) << a;
  EXPECT_CONTAINS(a, R"({"message":"engine gate: the gate allows no GET info)");
  EXPECT_CONTAINS(a, "Connection: close");
}

TEST_F(GateServerTest, AnAllowedRequestWithNoEngineBehindIs502) {
  const std::string a = Ask("GET /_ping HTTP/1.1\r\nHost: engine\r\n\r\n");
  EXPECT_EQ(a.rfind("HTTP/1.1 502 ", 0), 0u) << a;
  EXPECT_CONTAINS(a, "engine gate: the engine did not answer");
  // A container call must ask the engine whose container it is: unanswerable, so refused.
  const std::string b = Ask("POST /v1.41/containers/x/start HTTP/1.1\r\nHost: e\r\n\r\n");
  EXPECT_EQ(b.rfind("HTTP/1.1 403 ", 0), 0u) << b;
  EXPECT_CONTAINS(b, "cannot inspect container x");
}

TEST_F(GateServerTest, MalformedOversizedAndSlowRequestsAre400) {
  EXPECT_EQ(Ask("NOT HTTP AT ALL\r\n\r\n").rfind("HTTP/1.1 400 ", 0), 0u);
  const std::string big_header =
      "GET /_ping HTTP/1.1\r\nX-Pad: " + std::string(20 << 10, 'a') + "\r\n\r\n";
  EXPECT_EQ(Ask(big_header).rfind("HTTP/1.1 400 ", 0), 0u);
  const std::string big_body = "POST /v1.41/networks/create HTTP/1.1\r\nContent-Length: " +
                               std::to_string(kMaxGateBodyBytes + 1) + "\r\n\r\n";
  EXPECT_EQ(Ask(big_body).rfind("HTTP/1.1 400 ", 0), 0u);
  const std::string slow = Ask("GET /_ping HTTP/1.1\r\nHost:");  // and then nothing
  EXPECT_EQ(slow.rfind("HTTP/1.1 400 ", 0), 0u) << slow;
  EXPECT_CONTAINS(slow, "no whole request in time");
}

TEST_F(GateServerTest, ConnectionsBeyondTheLimitAre503) {
  const int first = Connect(options_.listen_socket), second = Connect(options_.listen_socket);
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  for (int i = 0; i < 200 && gate_->open_connections() < 2; ++i) {  // both accepted, reading
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(gate_->open_connections(), 2u);
  const std::string third = Ask("");
  EXPECT_EQ(third.rfind("HTTP/1.1 503 ", 0), 0u) << third;
  Exchange(first, "GET /_ping HTTP/1.1\r\n\r\n");
  Exchange(second, "GET /_ping HTTP/1.1\r\n\r\n");
}

TEST_F(GateServerTest, TheSocketIsForItsGroupOnlyAndGoesAwayOnStop) {
  struct stat s {};
  ASSERT_EQ(::stat(options_.listen_socket.c_str(), &s), 0);
  EXPECT_TRUE(S_ISSOCK(s.st_mode));
  EXPECT_EQ(s.st_mode & 0777, 0660u);
  gate_->Stop();
  EXPECT_NE(::stat(options_.listen_socket.c_str(), &s), 0);
  EXPECT_LT(Connect(options_.listen_socket), 0);
}

}  // namespace
}  // namespace dreichor::deploy
