// Fuzz target: the container engine's answers to the deploy agent (deploy/engine/docker_engine.h).
//
// The engine is outside the agent's trust: a compromised or buggy engine may answer anything.
// The input scripts the answers to the handshake and to one call of each kind, in order: answers
// are separated by NUL bytes, each is three status digits then the body; when the script runs
// out, the engine "goes away" (a transport error). Promises checked: nothing crashes or throws (an
// exception would end the agent); each call either fails with a message or returns what the answer
// held.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "deploy/engine/docker_engine.h"

using namespace dreichor;
using namespace dreichor::deploy;

namespace {

void ExpectMessage(const Status& s) {
  if (!s.ok() && s.message().empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view script(reinterpret_cast<const char*>(data), size);
  EngineTransport scripted = [&script](const http::HttpCall&) -> Result<http::HttpReply> {
    if (script.empty()) return Status::IoError("engine went away");
    const size_t end = std::min(script.find('\0'), script.size());
    std::string_view answer = script.substr(0, end);
    script.remove_prefix(std::min(end + 1, script.size()));
    http::HttpReply reply;
    reply.status = 500;
    if (answer.size() >= 3 && std::isdigit(static_cast<unsigned char>(answer[0])) &&
        std::isdigit(static_cast<unsigned char>(answer[1])) &&
        std::isdigit(static_cast<unsigned char>(answer[2]))) {
      reply.status = (answer[0] - '0') * 100 + (answer[1] - '0') * 10 + (answer[2] - '0');
      answer.remove_prefix(3);
    }
    reply.body = std::string(answer);
    return reply;
  };
  auto engine = DockerEngine::Connect("/fuzz.sock", scripted);
  if (!engine.ok()) {
    ExpectMessage(engine.status());
    return 0;
  }
  DockerEngine& e = *engine.value();
  ExpectMessage(e.Pull("registry.local/dreichor", "sha-1").status());
  ExpectMessage(e.HasImage("registry.local/dreichor:sha-1").status());
  ExpectMessage(e.List({{"dreichor.env", "dev"}}).status());
  ExpectMessage(e.Inspect("dreichor-dev-runtime").status());
  ContainerSpec spec;
  spec.name = "dreichor-dev-runtime";
  spec.image = "registry.local/dreichor@sha256:00";
  ExpectMessage(e.Create(spec).status());
  ExpectMessage(e.Start("c1"));
  ExpectMessage(e.Stop("c1", std::chrono::seconds(1)));
  ExpectMessage(e.Rename("c1", "c2"));
  ExpectMessage(e.Exec("c1", {"true"}, std::chrono::milliseconds(100)).status());
  ExpectMessage(e.Logs("c1", 30).status());
  ExpectMessage(e.Remove("c1"));
  ExpectMessage(
      e.EnsureNetwork({"dreichor-dev", "10.89.1.0/24", {{"dreichor.env", "dev"}}}).status());
  return 0;
}
