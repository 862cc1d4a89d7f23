// ObservedEngine: a ContainerEngine that forwards every call to another and counts the calls the
// engine failed (transport errors, refusals, unexpected answers), per call, for the agent's
// dreichor_agent_engine_errors_total{call}. An answer the caller treats as normal (a missing
// container from Inspect, a command exiting non-zero in Exec) is not an error.
//
//   ObservedEngine observed(docker.get());
//   Deployer deployer(config, &observed, ...);
//   observed.errors(EngineCall::kPull);
#pragma once

#include <array>
#include <atomic>
#include <string_view>

#include "deploy/engine/container_engine.h"

namespace dreichor::deploy {

enum class EngineCall : uint8_t {
  kPull,
  kHasImage,
  kList,
  kInspect,
  kEnsureNetwork,
  kCreate,
  kStart,
  kStop,
  kRemove,
  kRename,
  kExec,
  kLogs,
};
inline constexpr size_t kEngineCallCount = 12;

// The `call` label's value: "pull", "has_image", ..., "logs".
std::string_view EngineCallName(EngineCall call);

class ObservedEngine final : public ContainerEngine {
 public:
  explicit ObservedEngine(ContainerEngine* inner) : inner_(inner) {}

  uint64_t errors(EngineCall call) const { return errors_[Index(call)].load(); }

  Result<PulledImage> Pull(const std::string& repository, const std::string& tag) override;
  Result<bool> HasImage(const std::string& reference) override;
  Result<std::vector<ContainerState>> List(const Labels& labels) override;
  Result<std::optional<ContainerState>> Inspect(const std::string& name_or_id) override;
  Result<NetworkState> EnsureNetwork(const NetworkSpec& spec) override;
  Result<std::string> Create(const ContainerSpec& spec) override;
  Status Start(const std::string& id) override;
  Status Stop(const std::string& id, std::chrono::seconds timeout) override;
  Status Remove(const std::string& id) override;
  Status Rename(const std::string& id, const std::string& new_name) override;
  Result<ExecResult> Exec(const std::string& id, const std::vector<std::string>& cmd,
                          std::chrono::milliseconds timeout) override;
  Result<std::vector<std::string>> Logs(const std::string& id, int lines) override;

 private:
  static size_t Index(EngineCall call) { return static_cast<size_t>(call); }
  // Counts `outcome` against `call` when it is an error; returns it unchanged.
  template <typename T>
  T Observe(EngineCall call, T outcome) {
    if (!outcome.ok()) errors_[Index(call)].fetch_add(1, std::memory_order_relaxed);
    return outcome;
  }

  ContainerEngine* const inner_;
  std::array<std::atomic<uint64_t>, kEngineCallCount> errors_{};
};

}  // namespace dreichor::deploy
