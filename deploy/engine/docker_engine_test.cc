#include "deploy/engine/docker_engine.h"

#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace dreichor::deploy {
namespace {

std::string Frame(uint8_t stream, const std::string& payload) {
  std::string f(8, '\0');
  f[0] = static_cast<char>(stream);
  const uint32_t n = static_cast<uint32_t>(payload.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  return f + payload;
}

TEST(DockerEngineTest, DemultiplexJoinsStdoutAndStderrFrames) {
  EXPECT_EQ(Demultiplex(Frame(1, "ready\n") + Frame(2, "warning\n")), "ready\nwarning\n");
  EXPECT_EQ(Demultiplex("plain text from a TTY\n"), "plain text from a TTY\n");
  EXPECT_EQ(Demultiplex(""), "");
  const std::string cut = Frame(1, "whole\n") + Frame(1, "partial").substr(0, 10);
  EXPECT_EQ(Demultiplex(cut), "whole\n") << "a torn last frame is dropped";
}

TEST(DockerEngineTest, ErrorsInsideAPullStreamAreFound) {
  const std::string docker =
      "{\"status\":\"Pulling from dreichor/runtime\",\"id\":\"sha-1\"}\r\n"
      "{\"errorDetail\":{\"message\":\"manifest unknown\"},\"error\":\"manifest unknown\"}\r\n";
  EXPECT_EQ(PullStreamError(docker), "\"manifest unknown\"");
  // Podman writes objects back to back; a brace inside a string does not confuse the split.
  const std::string podman = "{\"status\":\"Trying {x}\"}{\"error\":\"connection refused\"}";
  EXPECT_EQ(PullStreamError(podman), "connection refused");
  EXPECT_EQ(PullStreamError("{\"status\":\"Download complete\"}\n"), "");
}

TEST(DockerEngineTest, DigestIsTakenFromDockersPullStream) {
  const std::string stream =
      "{\"status\":\"Pull complete\"}\r\n"
      "{\"status\":\"Digest: sha256:0123abcd\"}\r\n"
      "{\"status\":\"Status: Downloaded newer image for r/x:sha-1\"}\r\n";
  EXPECT_EQ(PullStreamDigest(stream), "sha256:0123abcd");
  EXPECT_EQ(PullStreamDigest("{\"status\":\"Writing manifest\"}"), "");
}

TEST(DockerEngineTest, ConnectingToNoEngineNamesTheSocket) {
  TempDir dir;
  auto engine = DockerEngine::Connect(dir.path() + "/missing.sock");
  ASSERT_FALSE(engine.ok());
  EXPECT_NE(engine.status().message().find("missing.sock"), std::string::npos)
      << engine.status().message();
}

}  // namespace
}  // namespace dreichor::deploy
