// ContainerEngine: the few Docker Engine API operations the deploy agent needs, as an interface
// so that the deploy steps can be tested against a fake (testing/fake_container_engine.h) and run
// against Docker or Podman (docker_engine.h).
//
// Containers are named or addressed by id; every call is bounded in time. Errors carry the
// engine's own message.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "util/status.h"

namespace dreichor::deploy {

using Labels = std::map<std::string, std::string>;

struct BindMount {
  std::string source;  // host path; must exist
  std::string target;  // path in the container
  bool operator==(const BindMount&) const = default;
  // For test failure messages.
  friend std::ostream& operator<<(std::ostream& out, const BindMount& m) {
    return out << m.source << " -> " << m.target;
  }
};

struct PortPublish {
  std::string host_ip;  // loopback only
  uint16_t host_port = 0;
  uint16_t container_port = 0;
};

// What a container may consume: 0 means no limit. Memory is also the limit of memory plus swap
// (no swap beyond it).
struct ContainerLimits {
  int64_t memory_bytes = 0;
  int64_t nano_cpus = 0;  // 1e9 = one CPU
  int64_t pids = 0;
  bool operator==(const ContainerLimits&) const = default;
  // "memory=...,nano_cpus=...,pids=...": a label value, and for messages.
  std::string ToString() const {
    return "memory=" + std::to_string(memory_bytes) + ",nano_cpus=" + std::to_string(nano_cpus) +
           ",pids=" + std::to_string(pids);
  }
};

struct ContainerSpec {
  std::string name;
  std::string image;             // "repo@sha256:..." (pinned) or an image id
  std::vector<std::string> env;  // KEY=VALUE
  std::vector<std::string> cmd;  // empty: the image's default
  Labels labels;
  std::vector<BindMount> mounts;
  std::optional<PortPublish> publish;
  bool read_only_root = false;  // the image's file system read-only; only the mounts writable
  // Every capability dropped and no-new-privileges: the process can gain no privilege, not even
  // through a set-uid file.
  bool unprivileged = false;
  std::string user;  // "uid:gid" the process runs as; empty: the image's USER
  ContainerLimits limits;
  std::string network;  // the only network the container joins; empty: the engine's default
};

// A bridge network of its own for one environment's containers, created isolated from every
// other network on the engine (Podman's `isolate` option; Docker isolates user-defined bridges
// from each other without it).
struct NetworkSpec {
  std::string name;
  std::string subnet;  // IPv4 CIDR
  Labels labels;
};

struct NetworkState {
  std::string name;
  std::vector<std::string> subnets;  // as the engine reports them (IPAM.Config[].Subnet)
  Labels labels;
  bool internal = false;
  // Not reported: whether the network is isolated. Podman (4.3) applies the `isolate` option it
  // was created with but shows no options in either API's inspection, so it cannot be read back;
  // the agent's integration test proves the isolation by trying to cross it.
};

struct ContainerState {
  std::string id;
  std::string name;      // without the leading '/'
  std::string image;     // the reference it was created from (Podman shows the resolved name)
  std::string image_id;  // the image's content address, "sha256:..."
  std::string status;    // "created", "running", "exited", ...
  bool running = false;
  int exit_code = 0;
  Labels labels;
  std::vector<BindMount> mounts;  // bind mounts only, ordered by target
  bool read_only_root = false;
  std::vector<std::string> cap_drop;      // HostConfig.CapDrop as the engine reports it
  std::vector<std::string> security_opt;  // HostConfig.SecurityOpt, e.g. "no-new-privileges"
  std::string user;                       // Config.User
  ContainerLimits limits;
  std::vector<std::string> networks;     // NetworkSettings.Networks' names, sorted
  std::vector<std::string> healthcheck;  // Config.Healthcheck.Test, e.g. {"CMD", "bin", "arg"}
  std::string health;                    // the engine's own health status, may be empty
};

struct PulledImage {
  std::string reference;  // "repo:tag"
  std::string digest;     // "sha256:..." of the registry's manifest
  std::string id;         // the image id (config digest)
};

struct ExecResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, truncated to a few KiB
};

class ContainerEngine {
 public:
  virtual ~ContainerEngine() = default;

  // Pulls repository:tag; an error anywhere in the pull (including inside a 200 progress stream)
  // is an error.
  virtual Result<PulledImage> Pull(const std::string& repository, const std::string& tag) = 0;
  // Whether the image `reference` ("repo:tag", "repo@sha256:...") is present locally.
  virtual Result<bool> HasImage(const std::string& reference) = 0;
  // Containers (running or not) carrying every one of `labels`.
  virtual Result<std::vector<ContainerState>> List(const Labels& labels) = 0;
  // nullopt when no such container exists.
  virtual Result<std::optional<ContainerState>> Inspect(const std::string& name_or_id) = 0;
  // Creates network `spec.name` unless one of that name exists; either way returns the network
  // the engine has under that name, for the caller to check.
  virtual Result<NetworkState> EnsureNetwork(const NetworkSpec& spec) = 0;
  // Returns the new container's id.
  virtual Result<std::string> Create(const ContainerSpec& spec) = 0;
  virtual Status Start(const std::string& id) = 0;
  // SIGTERM (the image's stop signal), then SIGKILL after `timeout`. Stopping a stopped
  // container succeeds.
  virtual Status Stop(const std::string& id, std::chrono::seconds timeout) = 0;
  virtual Status Remove(const std::string& id) = 0;  // forced; a missing container is not an error
  virtual Status Rename(const std::string& id, const std::string& new_name) = 0;
  // Runs `cmd` inside the running container and waits for it (at most `timeout`).
  virtual Result<ExecResult> Exec(const std::string& id, const std::vector<std::string>& cmd,
                                  std::chrono::milliseconds timeout) = 0;
  // The last `lines` lines of the container's output.
  virtual Result<std::vector<std::string>> Logs(const std::string& id, int lines) = 0;
};

}  // namespace dreichor::deploy
