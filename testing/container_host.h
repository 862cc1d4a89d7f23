// TestContainerHost: a real container engine and a real registry for integration tests —
// Podman's Docker-compatible API service and Debian's docker-registry, both on loopback, with
// their storage, configuration and socket in one temporary directory that is removed afterwards.
//
// Podman runs with the two adjustments this kind of sandbox needs (runtime runc; lowered default
// ulimits), written to a containers.conf that CONTAINERS_CONF points at, and the registry is
// marked insecure (plain HTTP on loopback) in a registries.conf of its own.
//
//   std::string why;
//   auto host = TestContainerHost::Start(&why);   // nullptr (and why) when it cannot run here
//   host->Podman({"build", ...});                  // the podman CLI on the same storage
//   host->socket();                                // for DockerEngine::Connect
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "testing/temp_dir.h"
#include "testing/test_ports.h"

namespace dreichor::testing {

class TestContainerHost {
 public:
  // `also_needed`: further programs the test runs (mmdebstrap, docker-compose).
  static std::unique_ptr<TestContainerHost> Start(std::string* why_not,
                                                  std::vector<std::string> also_needed = {}) {
    for (const char* tool : {"/usr/bin/podman", "/usr/bin/docker-registry", "/usr/sbin/runc"}) {
      also_needed.push_back(tool);
    }
    for (const std::string& tool : also_needed) {
      if (access(tool.c_str(), X_OK) != 0) {
        *why_not = std::string(tool) + " is not installed";
        return nullptr;
      }
    }
    if (geteuid() != 0) {
      *why_not = "rootful Podman needs root";
      return nullptr;
    }
    std::unique_ptr<TestContainerHost> host(new TestContainerHost());
    if (!host->StartRegistry(why_not) || !host->StartPodman(why_not)) return nullptr;
    return host;
  }

  ~TestContainerHost() {
    if (podman_pid_ > 0) {
      Podman({"rm", "--all", "--force", "--time", "0"});
      Stop(podman_pid_);
      // conmon keeps finished exec sessions for minutes; nothing of this host may outlive it.
      std::system(("pkill -KILL -f -- '" + dir_.path() + "/storage' >/dev/null 2>&1").c_str());
      Podman({"system", "reset", "--force"});
    }
    if (registry_pid_ > 0) Stop(registry_pid_);
  }

  // Whether this run must run containers (CI=true): there a test that cannot start its host
  // fails instead of skipping.
  static bool Required() {
    const char* ci = getenv("CI");
    return ci != nullptr && std::string(ci) == "true";
  }

  const std::string& socket() const { return socket_; }
  // "127.0.0.1:<port>"
  const std::string& registry() const { return registry_; }
  const std::string& dir() const { return dir_.path(); }

  // The Debian base the Dockerfiles name (docker.io/library/debian:bookworm-slim, and :bookworm),
  // made once with mmdebstrap like Debian's official slim image, cached in $DREICHOR_E2E_CACHE
  // (default /var/cache/dreichor-e2e) across runs, and imported here. "" or what went wrong.
  std::string ImportDebianBase() const {
    const char* cache_env = getenv("DREICHOR_E2E_CACHE");
    const std::string cache = cache_env != nullptr ? cache_env : "/var/cache/dreichor-e2e";
    const std::string tar = cache + "/bookworm-slim.tar";
    if (!std::filesystem::exists(tar)) {
      std::filesystem::create_directories(cache);
      // A unique part file: two tests may make the base at once.
      const std::string part = tar + ".part." + std::to_string(getpid());
      // Minbase without documentation, manuals and locales (copyright files kept).
      const std::string cmd =
          "mmdebstrap --quiet --variant=minbase --format=tar"
          " --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'"
          " --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/doc/*'"
          " --dpkgopt='path-include=/usr/share/doc/*/copyright' bookworm '" +
          part + "' > '" + cache + "/mmdebstrap.log' 2>&1";
      if (std::system(cmd.c_str()) != 0) return "mmdebstrap failed; see " + cache;
      std::filesystem::rename(part, tar);
    }
    std::string out;
    if (Podman({"import", "--quiet", tar, "docker.io/library/debian:bookworm-slim"}, &out) != 0 ||
        Podman(
            {"tag", "docker.io/library/debian:bookworm-slim", "docker.io/library/debian:bookworm"},
            &out) != 0) {
      return "importing the Debian base failed: " + out;
    }
    return "";
  }

  // Runs the podman CLI on this host's storage; returns its exit code, output in *output.
  int Podman(const std::vector<std::string>& args, std::string* output = nullptr) const {
    std::string command = "CONTAINERS_CONF=" + conf_ +
                          " CONTAINERS_REGISTRIES_CONF=" + registries_ + " podman" + StorageFlags();
    for (const std::string& a : args) command += " '" + a + "'";
    command += " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return -1;
    std::string text;
    std::array<char, 4096> buf{};
    size_t n = 0;
    while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) text.append(buf.data(), n);
    const int status = pclose(pipe);
    if (output != nullptr) *output = text;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  TestContainerHost() = default;

  std::string StorageFlags() const {
    return " --root " + dir_.path() + "/storage --runroot " + dir_.path() +
           "/run --storage-driver " + storage_driver_;
  }

  bool StartRegistry(std::string* why_not) {
    const uint16_t port = FreeLoopbackPort();
    registry_ = "127.0.0.1:" + std::to_string(port);
    const std::string config = dir_.path() + "/registry.yml";
    std::ofstream(config) << "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
                             "    rootdirectory: "
                          << dir_.path() << "/registry\nhttp:\n  addr: " << registry_ << "\n";
    registry_pid_ =
        Spawn({"/usr/bin/docker-registry", "serve", config}, dir_.path() + "/registry.log");
    return WaitFor([&] { return Curl("http://" + registry_ + "/v2/") == 0; }, why_not,
                   "docker-registry did not answer on " + registry_);
  }

  bool StartPodman(std::string* why_not) {
    conf_ = dir_.path() + "/containers.conf";
    registries_ = dir_.path() + "/registries.conf";
    socket_ = dir_.path() + "/podman.sock";
    // Networks are defined in this host's directory too (system reset removes them), and the
    // system tests run one at a time (cmake/DreichorTest.cmake): bridges and subnets are global.
    std::ofstream(conf_) << "[containers]\ndefault_ulimits = [\"nofile=4096:4096\", "
                            "\"nproc=4096:4096\"]\n[engine]\nruntime = \"runc\"\n"
                            "[network]\nnetwork_config_dir = \""
                         << dir_.path() << "/networks\"\n";
    std::ofstream(registries_) << "[[registry]]\nlocation = \"" << registry_
                               << "\"\ninsecure = true\n";
    setenv("CONTAINERS_CONF", conf_.c_str(), 1);
    setenv("CONTAINERS_REGISTRIES_CONF", registries_.c_str(), 1);
    // overlay where the kernel and file system allow it (fast), else vfs (copies, always works).
    if (Podman({"info"}) != 0) {
      Podman({"system", "reset", "--force"});
      storage_driver_ = "vfs";
    }
    const std::vector<std::string> argv = {"/usr/bin/podman",
                                           "--root",
                                           dir_.path() + "/storage",
                                           "--runroot",
                                           dir_.path() + "/run",
                                           "--storage-driver",
                                           storage_driver_,
                                           "system",
                                           "service",
                                           "--time=0",
                                           "unix://" + socket_};
    podman_pid_ = Spawn(argv, dir_.path() + "/podman.log");
    return WaitFor([&] { return Curl("--unix-socket " + socket_ + " http://podman/_ping") == 0; },
                   why_not, "podman system service did not answer on " + socket_);
  }

  static int Curl(const std::string& args) {
    return std::system(("curl -sf -o /dev/null --max-time 2 " + args).c_str());
  }

  template <typename Ready>
  static bool WaitFor(Ready ready, std::string* why_not, const std::string& failure) {
    for (int i = 0; i < 300; ++i) {
      if (ready()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    *why_not = failure;
    return false;
  }

  static pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
    fflush(nullptr);  // the child's freopen would write our buffered output a second time
    const pid_t pid = fork();
    if (pid == 0) {
      FILE* out = freopen(log.c_str(), "w", stdout);
      if (out == nullptr) _exit(127);
      dup2(fileno(stdout), STDERR_FILENO);
      std::vector<char*> argv;
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    return pid;
  }

  static void Stop(pid_t pid) {
    kill(pid, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid, nullptr, WNOHANG) == pid) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }

  TempDir dir_;
  std::string conf_, registries_, socket_, registry_;
  std::string storage_driver_ = "overlay";
  pid_t podman_pid_ = -1, registry_pid_ = -1;
};

}  // namespace dreichor::testing
