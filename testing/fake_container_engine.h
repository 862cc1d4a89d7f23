// FakeEngine: an in-memory ContainerEngine for unit tests of the deploy steps. Images are
// registered by the test with their behaviour (does the healthcheck pass, after how many checks;
// does the process exit at start); any operation can be made to fail once; every call is
// recorded in order.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "deploy/engine/container_engine.h"

namespace dreichor::testing {

using deploy::ContainerEngine;
using deploy::ContainerSpec;
using deploy::ContainerState;
using deploy::ExecResult;
using deploy::Labels;
using deploy::NetworkSpec;
using deploy::NetworkState;
using deploy::PulledImage;

struct FakeImage {
  std::string digest;
  bool has_healthcheck = true;
  int ready_after_checks = 1;  // the n-th healthcheck passes; 0: never
  int exit_at_start = -1;      // >= 0: the process exits with this code right after start
};

class FakeEngine final : public ContainerEngine {
 public:
  void AddImage(const std::string& repository, const std::string& tag, FakeImage image) {
    images_[repository + ":" + tag] = image;
    by_digest_[repository + "@" + image.digest] = image;
  }
  // The next `times` calls of `operation` ("pull", "network", "create", "start", "stop", "rename",
  // "remove", "exec", "inspect", "list", "logs") fails with `message`.
  void FailNext(const std::string& operation, const std::string& message, int times = 1) {
    failures_[operation] = {message, times};
  }
  // A container this agent did not create (e.g. another environment's).
  std::string AddForeign(const std::string& name, const Labels& labels, bool running) {
    ContainerState c;
    c.id = "foreign-" + std::to_string(++next_id_);
    c.name = name;
    c.labels = labels;
    c.running = running;
    c.status = running ? "running" : "exited";
    containers_[c.id] = {c, {}, 0};
    return c.id;
  }

  const std::vector<std::string>& calls() const { return calls_; }
  // Containers by name, for assertions.
  std::map<std::string, ContainerState> ByName() const {
    std::map<std::string, ContainerState> out;
    for (const auto& [id, c] : containers_) out[c.state.name] = c.state;
    return out;
  }
  std::vector<std::string> Running() const {
    std::vector<std::string> out;
    for (const auto& [id, c] : containers_) {
      if (c.state.running) out.push_back(c.state.name);
    }
    return out;
  }
  std::vector<std::string> ExecCommands() const { return exec_commands_; }

  Result<PulledImage> Pull(const std::string& repository, const std::string& tag) override {
    if (Status s = Call("pull", repository + ":" + tag); !s.ok()) return s;
    auto it = images_.find(repository + ":" + tag);
    if (it == images_.end()) return Status::NotFound("manifest unknown: " + repository + ":" + tag);
    return PulledImage{repository + ":" + tag, it->second.digest, "id-" + it->second.digest};
  }
  Result<bool> HasImage(const std::string& reference) override {
    if (Status s = Call("image", reference); !s.ok()) return s;
    return by_digest_.count(reference) > 0 && !forgotten_.count(reference);
  }
  // The local copy of repository@digest is gone (pruned), and the registry no longer has the tag.
  void Forget(const std::string& repository, const std::string& tag) {
    auto it = images_.find(repository + ":" + tag);
    forgotten_.insert(repository + "@" + it->second.digest);
    images_.erase(it);
  }
  // A network made by someone else (another environment's agent, an operator).
  void AddNetwork(const NetworkState& network) { networks_[network.name] = network; }
  const std::map<std::string, NetworkState>& networks() const { return networks_; }
  Result<NetworkState> EnsureNetwork(const NetworkSpec& spec) override {
    if (Status s = Call("network", spec.name); !s.ok()) return s;
    auto it = networks_.find(spec.name);
    if (it == networks_.end()) {
      it = networks_.emplace(spec.name, NetworkState{spec.name, {spec.subnet}, spec.labels, false})
               .first;
    }
    return it->second;
  }
  Result<std::vector<ContainerState>> List(const Labels& labels) override {
    if (Status s = Call("list", ""); !s.ok()) return s;
    std::vector<ContainerState> out;
    for (const auto& [id, c] : containers_) {
      bool all = true;
      for (const auto& [k, v] : labels) {
        auto l = c.state.labels.find(k);
        all = all && l != c.state.labels.end() && l->second == v;
      }
      if (all) out.push_back(c.state);
    }
    return out;
  }
  Result<std::optional<ContainerState>> Inspect(const std::string& name_or_id) override {
    if (Status s = Call("inspect", name_or_id); !s.ok()) return s;
    Container* c = Find(name_or_id);
    if (c == nullptr) return std::optional<ContainerState>();
    return std::optional<ContainerState>(c->state);
  }
  Result<std::string> Create(const ContainerSpec& spec) override {
    if (Status s = Call("create", spec.name); !s.ok()) return s;
    if (Find(spec.name) != nullptr) return Status::FailedPrecondition("name in use: " + spec.name);
    auto image = by_digest_.find(spec.image);
    if (image == by_digest_.end() || forgotten_.count(spec.image))
      return Status::NotFound("no such image: " + spec.image);
    Container c;
    c.state.id = "c" + std::to_string(++next_id_);
    c.state.name = spec.name;
    c.state.image = spec.image;
    c.state.status = "created";
    c.state.labels = spec.labels;
    c.state.mounts = spec.mounts;
    c.state.read_only_root = spec.read_only_root;
    if (spec.unprivileged) {
      c.state.cap_drop = {"ALL"};
      c.state.security_opt = {"no-new-privileges"};
    }
    c.state.limits = spec.limits;
    c.state.user = spec.user;
    if (!spec.network.empty()) c.state.networks = {spec.network};
    if (image->second.has_healthcheck) c.state.healthcheck = {"CMD", "/bin/ready"};
    c.image = image->second;
    specs_[c.state.id] = spec;
    containers_[c.state.id] = c;
    return c.state.id;
  }
  Status Start(const std::string& id) override {
    if (Status s = Call("start", id); !s.ok()) return s;
    Container* c = Find(id);
    if (c == nullptr) return Status::NotFound("no such container");
    if (c->image.exit_at_start >= 0) {
      c->state.running = false;
      c->state.status = "exited";
      c->state.exit_code = c->image.exit_at_start;
    } else {
      c->state.running = true;
      c->state.status = "running";
    }
    c->checks = 0;
    return Status::Ok();
  }
  Status Stop(const std::string& id, std::chrono::seconds) override {
    if (Status s = Call("stop", id); !s.ok()) return s;
    Container* c = Find(id);
    if (c == nullptr) return Status::NotFound("no such container");
    if (c->state.running) c->state.exit_code = 0;
    c->state.running = false;
    c->state.status = "exited";
    return Status::Ok();
  }
  Status Remove(const std::string& id) override {
    if (Status s = Call("remove", id); !s.ok()) return s;
    Container* c = Find(id);
    if (c != nullptr) containers_.erase(c->state.id);
    return Status::Ok();
  }
  Status Rename(const std::string& id, const std::string& new_name) override {
    if (Status s = Call("rename", id + "->" + new_name); !s.ok()) return s;
    if (Find(new_name) != nullptr) return Status::FailedPrecondition("name in use: " + new_name);
    Container* c = Find(id);
    if (c == nullptr) return Status::NotFound("no such container");
    c->state.name = new_name;
    return Status::Ok();
  }
  Result<ExecResult> Exec(const std::string& id, const std::vector<std::string>& cmd,
                          std::chrono::milliseconds) override {
    if (Status s = Call("exec", id); !s.ok()) return s;
    Container* c = Find(id);
    if (c == nullptr || !c->state.running) return Status::FailedPrecondition("not running");
    std::string joined;
    for (const std::string& a : cmd) joined += (joined.empty() ? "" : " ") + a;
    exec_commands_.push_back(joined);
    ++c->checks;
    const bool ready = c->image.ready_after_checks > 0 && c->checks >= c->image.ready_after_checks;
    return ExecResult{ready ? 0 : 1, ready ? "ready\n" : "not ready: 503\n"};
  }
  Result<std::vector<std::string>> Logs(const std::string& id, int) override {
    if (Status s = Call("logs", id); !s.ok()) return s;
    Container* c = Find(id);
    if (c == nullptr) return Status::NotFound("no such container");
    return std::vector<std::string>{"log of " + c->state.name, "last line"};
  }
  const ContainerSpec& SpecOf(const std::string& id) { return specs_.at(id); }
  // Every spec created, by container id, removed containers' too.
  const std::map<std::string, ContainerSpec>& Specs() const { return specs_; }

 private:
  struct Container {
    ContainerState state;
    FakeImage image;
    int checks = 0;
  };
  Status Call(const std::string& op, const std::string& arg) {
    calls_.push_back(op + " " + arg);
    auto f = failures_.find(op);
    if (f == failures_.end()) return Status::Ok();
    std::string message = f->second.first;
    if (--f->second.second == 0) failures_.erase(f);
    return Status::IoError(message);
  }
  Container* Find(const std::string& name_or_id) {
    for (auto& [id, c] : containers_) {
      if (id == name_or_id || c.state.name == name_or_id) return &c;
    }
    return nullptr;
  }

  std::map<std::string, FakeImage> images_, by_digest_;
  std::set<std::string> forgotten_;
  std::map<std::string, Container> containers_;
  std::map<std::string, ContainerSpec> specs_;
  std::map<std::string, std::pair<std::string, int>> failures_;
  std::map<std::string, NetworkState> networks_;  // message, times left
  std::vector<std::string> calls_, exec_commands_;
  int next_id_ = 0;
};

}  // namespace dreichor::testing
