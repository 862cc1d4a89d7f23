// DockerEngine: ContainerEngine over the Docker Engine API on a unix socket (libcurl). Works the
// same against Docker and against Podman's Docker-compatible API service.
//
//   auto engine = DockerEngine::Connect("/run/docker.sock");  // pings, negotiates the version
//   engine.value()->api_version();                            // e.g. "1.41"
//
// Version negotiation: GET /_ping and /version; the server's API version must be at least
// kMinApiVersion, and requests use the lower of the server's and kMaxApiVersion.
//
// Every answer is outside input: whatever the engine sends (wrong types, missing fields,
// truncated JSON, huge numbers), a call returns an error naming the field, and never throws.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "deploy/engine/container_engine.h"
#include "http/curl_client.h"

namespace dreichor::deploy {

inline constexpr int kMinApiMinor = 41;  // API 1.41 (Docker 20.10, Podman 3+)
inline constexpr int kMaxApiMinor = 43;

// Performs one HTTP exchange with the engine (http::CurlPerform over the socket, or a test's
// script).
using EngineTransport = std::function<Result<http::HttpReply>(const http::HttpCall&)>;

class DockerEngine final : public ContainerEngine {
 public:
  static Result<std::unique_ptr<DockerEngine>> Connect(const std::string& socket_path);
  // The same over any transport; `socket_path` only names the engine in messages.
  static Result<std::unique_ptr<DockerEngine>> Connect(const std::string& socket_path,
                                                       EngineTransport transport);

  const std::string& api_version() const { return api_version_; }
  // The server's name and version, e.g. "Podman Engine 4.3.1".
  const std::string& server() const { return server_; }

  Result<PulledImage> Pull(const std::string& repository, const std::string& tag) override;
  Result<bool> HasImage(const std::string& reference) override;
  Result<NetworkState> EnsureNetwork(const NetworkSpec& spec) override;
  Result<std::vector<ContainerState>> List(const Labels& labels) override;
  Result<std::optional<ContainerState>> Inspect(const std::string& name_or_id) override;
  Result<std::string> Create(const ContainerSpec& spec) override;
  Status Start(const std::string& id) override;
  Status Stop(const std::string& id, std::chrono::seconds timeout) override;
  Status Remove(const std::string& id) override;
  Status Rename(const std::string& id, const std::string& new_name) override;
  Result<ExecResult> Exec(const std::string& id, const std::vector<std::string>& cmd,
                          std::chrono::milliseconds timeout) override;
  Result<std::vector<std::string>> Logs(const std::string& id, int lines) override;

 private:
  DockerEngine(std::string socket, EngineTransport transport)
      : socket_(std::move(socket)), transport_(std::move(transport)) {}
  // A versioned API call; `path` starts with '/'.
  Result<http::HttpReply> Call(
      const std::string& method, const std::string& path, const std::string& body = "",
      std::chrono::milliseconds timeout = std::chrono::milliseconds(30'000),
      size_t max_reply = 4 << 20);
  Result<http::HttpReply> CallUnversioned(const std::string& path);

  const std::string socket_;
  const EngineTransport transport_;
  std::string api_version_;
  std::string server_;
};

// Splits the engine's multiplexed stdout/stderr stream (8-byte frame headers) into its payload;
// input that is not multiplexed is returned as it is.
std::string Demultiplex(std::string_view stream);

// The first error in a pull's progress stream (JSON objects, one per line), or "" if none.
std::string PullStreamError(std::string_view stream);
// The "Digest: sha256:..." a pull stream reports (Docker does, Podman does not), or "".
std::string PullStreamDigest(std::string_view stream);

}  // namespace dreichor::deploy
