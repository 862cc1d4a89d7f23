#include "deploy/engine/observed_engine.h"

namespace dreichor::deploy {

std::string_view EngineCallName(EngineCall call) {
  static constexpr std::array<std::string_view, kEngineCallCount> kNames = {
      "pull",  "has_image", "list",   "inspect", "ensure_network", "create",
      "start", "stop",      "remove", "rename",  "exec",           "logs"};
  return kNames[static_cast<size_t>(call)];
}

Result<PulledImage> ObservedEngine::Pull(const std::string& repository, const std::string& tag) {
  return Observe(EngineCall::kPull, inner_->Pull(repository, tag));
}

Result<bool> ObservedEngine::HasImage(const std::string& reference) {
  return Observe(EngineCall::kHasImage, inner_->HasImage(reference));
}

Result<std::vector<ContainerState>> ObservedEngine::List(const Labels& labels) {
  return Observe(EngineCall::kList, inner_->List(labels));
}

Result<std::optional<ContainerState>> ObservedEngine::Inspect(const std::string& name_or_id) {
  return Observe(EngineCall::kInspect, inner_->Inspect(name_or_id));
}

Result<NetworkState> ObservedEngine::EnsureNetwork(const NetworkSpec& spec) {
  return Observe(EngineCall::kEnsureNetwork, inner_->EnsureNetwork(spec));
}

Result<std::string> ObservedEngine::Create(const ContainerSpec& spec) {
  return Observe(EngineCall::kCreate, inner_->Create(spec));
}

Status ObservedEngine::Start(const std::string& id) {
  return Observe(EngineCall::kStart, inner_->Start(id));
}

Status ObservedEngine::Stop(const std::string& id, std::chrono::seconds timeout) {
  return Observe(EngineCall::kStop, inner_->Stop(id, timeout));
}

Status ObservedEngine::Remove(const std::string& id) {
  return Observe(EngineCall::kRemove, inner_->Remove(id));
}

Status ObservedEngine::Rename(const std::string& id, const std::string& new_name) {
  return Observe(EngineCall::kRename, inner_->Rename(id, new_name));
}

Result<ExecResult> ObservedEngine::Exec(const std::string& id, const std::vector<std::string>& cmd,
                                        std::chrono::milliseconds timeout) {
  return Observe(EngineCall::kExec, inner_->Exec(id, cmd, timeout));
}

Result<std::vector<std::string>> ObservedEngine::Logs(const std::string& id, int lines) {
  return Observe(EngineCall::kLogs, inner_->Logs(id, lines));
}

}  // namespace dreichor::deploy
