#include "deploy/engine/docker_engine.h"

#include <curl/curl.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace dreichor::deploy {

namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds kPullTimeout{15 * 60 * 1000};
constexpr size_t kPullStreamBytes = 16 << 20;
constexpr size_t kExecOutputBytes = 4096;

std::string Escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.c_str(), static_cast<int>(s.size()));
  std::string out = e == nullptr ? "" : e;
  curl_free(e);
  return out;
}

// Each top-level JSON object in a stream of concatenated or newline-separated objects.
std::vector<json> JsonObjects(std::string_view stream) {
  std::vector<json> out;
  int depth = 0;
  bool in_string = false, escaped = false;
  size_t start = 0;
  for (size_t i = 0; i < stream.size(); ++i) {
    const char c = stream[i];
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{' && depth++ == 0)
      start = i;
    else if (c == '}' && depth > 0 && --depth == 0) {
      json j = json::parse(stream.substr(start, i - start + 1), nullptr, false);
      if (!j.is_discarded()) out.push_back(std::move(j));
    }
  }
  return out;
}

// The engine's error message from an error answer's body ({"message": ...}).
std::string EngineMessage(const HttpReply& r) {
  const json j = json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    return j["message"].get<std::string>();
  }
  return r.body.substr(0, 200);
}

Status Expect(const Result<HttpReply>& r, std::initializer_list<long> ok, const std::string& what) {
  if (!r.ok()) return r.status();
  for (long s : ok) {
    if (r.value().status == s) return Status::Ok();
  }
  return Status::IoError(what + ": HTTP " + std::to_string(r.value().status) + ": " +
                         EngineMessage(r.value()));
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

// Parses "1.41" into its minor number; -1 when not "1.<n>".
int ApiMinor(const std::string& version) {
  if (version.rfind("1.", 0) != 0) return -1;
  try {
    return std::stoi(version.substr(2));
  } catch (...) {
    return -1;
  }
}

ContainerState StateFromInspect(const json& j) {
  ContainerState s;
  s.id = j.value("Id", "");
  s.name = j.value("Name", "");
  if (!s.name.empty() && s.name[0] == '/') s.name.erase(0, 1);
  const json& state = j.contains("State") && j["State"].is_object() ? j["State"] : json::object();
  s.image_id = j.value("Image", "");
  if (j.contains("HostConfig") && j["HostConfig"].is_object()) {
    s.read_only_root = j["HostConfig"].value("ReadonlyRootfs", false);
  }
  s.status = state.value("Status", "");
  s.running = state.value("Running", false);
  s.exit_code = state.value("ExitCode", 0);
  if (state.contains("Health") && state["Health"].is_object()) {
    s.health = state["Health"].value("Status", "");
  }
  const json& config =
      j.contains("Config") && j["Config"].is_object() ? j["Config"] : json::object();
  s.image = config.value("Image", "");
  if (config.contains("Labels") && config["Labels"].is_object()) {
    for (const auto& [k, v] : config["Labels"].items()) {
      if (v.is_string()) s.labels[k] = v.get<std::string>();
    }
  }
  if (config.contains("Healthcheck") && config["Healthcheck"].is_object() &&
      config["Healthcheck"].contains("Test") && config["Healthcheck"]["Test"].is_array()) {
    for (const json& t : config["Healthcheck"]["Test"]) {
      if (t.is_string()) s.healthcheck.push_back(t.get<std::string>());
    }
  }
  if (j.contains("Mounts") && j["Mounts"].is_array()) {
    for (const json& m : j["Mounts"]) {
      if (m.value("Type", "") == "bind") {
        s.mounts.push_back({m.value("Source", ""), m.value("Destination", "")});
      }
    }
    // Engines list mounts in no fixed order (Podman's varies between calls).
    std::sort(s.mounts.begin(), s.mounts.end(),
              [](const BindMount& a, const BindMount& b) { return a.target < b.target; });
  }
  return s;
}

}  // namespace

std::string Demultiplex(std::string_view stream) {
  std::string out;
  size_t pos = 0;
  while (pos + 8 <= stream.size()) {
    const auto type = static_cast<uint8_t>(stream[pos]);
    if (type > 2 || stream[pos + 1] != 0 || stream[pos + 2] != 0 || stream[pos + 3] != 0) {
      return std::string(stream);  // not multiplexed (a TTY container)
    }
    const uint32_t size = (static_cast<uint32_t>(static_cast<uint8_t>(stream[pos + 4])) << 24) |
                          (static_cast<uint32_t>(static_cast<uint8_t>(stream[pos + 5])) << 16) |
                          (static_cast<uint32_t>(static_cast<uint8_t>(stream[pos + 6])) << 8) |
                          static_cast<uint32_t>(static_cast<uint8_t>(stream[pos + 7]));
    if (pos + 8 + size > stream.size()) break;
    out.append(stream.substr(pos + 8, size));
    pos += 8 + size;
  }
  return pos == 0 && !stream.empty() && stream.size() < 8 ? std::string(stream) : out;
}

std::string PullStreamError(std::string_view stream) {
  for (const json& j : JsonObjects(stream)) {
    if (j.contains("errorDetail") && j["errorDetail"].is_object() &&
        j["errorDetail"].contains("message")) {
      return j["errorDetail"]["message"].dump();
    }
    if (j.contains("error"))
      return j["error"].is_string() ? j["error"].get<std::string>() : j["error"].dump();
  }
  return "";
}

std::string PullStreamDigest(std::string_view stream) {
  std::string digest;
  for (const json& j : JsonObjects(stream)) {
    const std::string status = j.value("status", "");
    if (status.rfind("Digest: ", 0) == 0) digest = status.substr(8);
  }
  return digest;
}

Result<std::unique_ptr<DockerEngine>> DockerEngine::Connect(const std::string& socket_path) {
  std::unique_ptr<DockerEngine> engine(new DockerEngine(socket_path));
  auto ping = engine->CallUnversioned("/_ping");
  if (!ping.ok())
    return Status::IoError("engine at " + socket_path + ": " + ping.status().message());
  if (ping.value().status != 200) {
    return Status::IoError("engine at " + socket_path + ": /_ping answered HTTP " +
                           std::to_string(ping.value().status));
  }
  auto version = engine->CallUnversioned("/version");
  if (!version.ok()) return version.status();
  const json v = json::parse(version.value().body, nullptr, false);
  std::string api = v.is_object() ? v.value("ApiVersion", "") : "";
  if (api.empty()) api = ping.value().headers["api-version"];
  const int minor = ApiMinor(api);
  if (minor < kMinApiMinor) {
    return Status::Unsupported("engine at " + socket_path + " speaks API '" + api + "'; 1." +
                               std::to_string(kMinApiMinor) + " or newer is required");
  }
  engine->api_version_ = "1." + std::to_string(std::min(minor, kMaxApiMinor));
  if (v.is_object() && v.contains("Components") && v["Components"].is_array() &&
      !v["Components"].empty() && v["Components"][0].is_object()) {
    engine->server_ =
        v["Components"][0].value("Name", "") + " " + v["Components"][0].value("Version", "");
  } else if (v.is_object()) {
    engine->server_ = "Docker Engine " + v.value("Version", "");
  }
  return engine;
}

Result<HttpReply> DockerEngine::CallUnversioned(const std::string& path) {
  HttpCall call;
  call.url = "http://engine" + path;
  call.unix_socket = socket_;
  call.timeout = std::chrono::milliseconds(10'000);
  return CurlPerform(call);
}

Result<HttpReply> DockerEngine::Call(const std::string& method, const std::string& path,
                                     const std::string& body, std::chrono::milliseconds timeout,
                                     size_t max_reply) {
  HttpCall call;
  call.method = method;
  call.url = "http://engine/v" + api_version_ + path;
  call.unix_socket = socket_;
  call.body = body;
  call.timeout = timeout;
  call.max_reply_bytes = max_reply;
  return CurlPerform(call);
}

Result<PulledImage> DockerEngine::Pull(const std::string& repository, const std::string& tag) {
  const std::string reference = repository + ":" + tag;
  auto r = Call("POST", "/images/create?fromImage=" + Escape(repository) + "&tag=" + Escape(tag),
                "", kPullTimeout, kPullStreamBytes);
  if (Status s = Expect(r, {200}, "pull " + reference); !s.ok()) return s;
  if (std::string error = PullStreamError(r.value().body); !error.empty()) {
    return Status::IoError("pull " + reference + ": " + error);
  }
  auto inspect = Call("GET", "/images/" + Escape(reference) + "/json");
  if (Status s = Expect(inspect, {200}, "inspect image " + reference); !s.ok()) return s;
  const json image = json::parse(inspect.value().body, nullptr, false);
  if (!image.is_object()) return Status::IoError("inspect image " + reference + ": not JSON");
  PulledImage pulled;
  pulled.reference = reference;
  pulled.id = image.value("Id", "");
  pulled.digest = PullStreamDigest(r.value().body);
  if (pulled.digest.empty() && image.contains("RepoDigests") && image["RepoDigests"].is_array()) {
    for (const json& d : image["RepoDigests"]) {
      const std::string s = d.is_string() ? d.get<std::string>() : "";
      if (s.rfind(repository + "@", 0) == 0) {
        pulled.digest = s.substr(repository.size() + 1);
        break;
      }
    }
  }
  if (pulled.digest.empty()) {
    return Status::IoError("pull " + reference + ": the engine reports no registry digest");
  }
  return pulled;
}

Result<bool> DockerEngine::HasImage(const std::string& reference) {
  auto r = Call("GET", "/images/" + Escape(reference) + "/json");
  if (r.ok() && r.value().status == 404) return false;
  if (Status s = Expect(r, {200}, "inspect image " + reference); !s.ok()) return s;
  return true;
}

Result<std::vector<ContainerState>> DockerEngine::List(const Labels& labels) {
  json filter = {{"label", json::array()}};
  for (const auto& [k, v] : labels) filter["label"].push_back(k + "=" + v);
  auto r = Call("GET", "/containers/json?all=1&filters=" + Escape(filter.dump()));
  if (Status s = Expect(r, {200}, "list containers"); !s.ok()) return s;
  const json list = json::parse(r.value().body, nullptr, false);
  if (!list.is_array()) return Status::IoError("list containers: not a JSON array");
  std::vector<ContainerState> out;
  for (const json& c : list) {
    // The list's fields differ between engines; inspect each for one shape.
    auto state = Inspect(c.value("Id", ""));
    if (!state.ok()) return state.status();
    if (state.value()) out.push_back(*state.value());
  }
  return out;
}

Result<std::optional<ContainerState>> DockerEngine::Inspect(const std::string& name_or_id) {
  auto r = Call("GET", "/containers/" + Escape(name_or_id) + "/json");
  if (r.ok() && r.value().status == 404) return std::optional<ContainerState>();
  if (Status s = Expect(r, {200}, "inspect " + name_or_id); !s.ok()) return s;
  const json j = json::parse(r.value().body, nullptr, false);
  if (!j.is_object()) return Status::IoError("inspect " + name_or_id + ": not JSON");
  return std::optional<ContainerState>(StateFromInspect(j));
}

Result<std::string> DockerEngine::Create(const ContainerSpec& spec) {
  json body = {{"Image", spec.image}, {"Env", spec.env}, {"Labels", spec.labels}};
  if (!spec.cmd.empty()) body["Cmd"] = spec.cmd;
  json host = {{"RestartPolicy", {{"Name", "no"}}},
               {"Mounts", json::array()},
               {"ReadonlyRootfs", spec.read_only_root}};
  for (const BindMount& m : spec.mounts) {
    host["Mounts"].push_back(
        {{"Type", "bind"}, {"Source", m.source}, {"Target", m.target}, {"ReadOnly", false}});
  }
  if (spec.publish) {
    const std::string port = std::to_string(spec.publish->container_port) + "/tcp";
    body["ExposedPorts"] = {{port, json::object()}};
    host["PortBindings"] = {{port,
                             {{{"HostIp", spec.publish->host_ip},
                               {"HostPort", std::to_string(spec.publish->host_port)}}}}};
  }
  body["HostConfig"] = host;
  auto r = Call("POST", "/containers/create?name=" + Escape(spec.name), body.dump());
  if (Status s = Expect(r, {201}, "create " + spec.name); !s.ok()) return s;
  const json j = json::parse(r.value().body, nullptr, false);
  if (!j.is_object() || !j.contains("Id")) return Status::IoError("create: answer has no Id");
  return j["Id"].get<std::string>();
}

Status DockerEngine::Start(const std::string& id) {
  return Expect(Call("POST", "/containers/" + Escape(id) + "/start"), {204, 304}, "start " + id);
}

Status DockerEngine::Stop(const std::string& id, std::chrono::seconds timeout) {
  return Expect(
      Call("POST", "/containers/" + Escape(id) + "/stop?t=" + std::to_string(timeout.count()), "",
           timeout + std::chrono::seconds(30)),
      {204, 304}, "stop " + id);
}

Status DockerEngine::Remove(const std::string& id) {
  return Expect(Call("DELETE", "/containers/" + Escape(id) + "?force=1"), {200, 204, 404},
                "remove " + id);
}

Status DockerEngine::Rename(const std::string& id, const std::string& new_name) {
  return Expect(Call("POST", "/containers/" + Escape(id) + "/rename?name=" + Escape(new_name)),
                {200, 204}, "rename " + id);
}

Result<ExecResult> DockerEngine::Exec(const std::string& id, const std::vector<std::string>& cmd,
                                      std::chrono::milliseconds timeout) {
  const json create = {{"Cmd", cmd}, {"AttachStdout", true}, {"AttachStderr", true}};
  auto c = Call("POST", "/containers/" + Escape(id) + "/exec", create.dump());
  if (Status s = Expect(c, {201}, "exec in " + id); !s.ok()) return s;
  const json created = json::parse(c.value().body, nullptr, false);
  if (!created.is_object() || !created.contains("Id")) return Status::IoError("exec: no Id");
  const std::string exec_id = created["Id"].get<std::string>();
  auto run = Call("POST", "/exec/" + exec_id + "/start",
                  json({{"Detach", false}, {"Tty", false}}).dump(), timeout, 1 << 20);
  if (Status s = Expect(run, {200}, "exec start in " + id); !s.ok()) return s;
  auto info = Call("GET", "/exec/" + exec_id + "/json");
  if (Status s = Expect(info, {200}, "exec inspect in " + id); !s.ok()) return s;
  const json j = json::parse(info.value().body, nullptr, false);
  ExecResult result;
  result.exit_code = j.is_object() && j.contains("ExitCode") && j["ExitCode"].is_number_integer()
                         ? j["ExitCode"].get<int>()
                         : -1;
  result.output = Demultiplex(run.value().body).substr(0, kExecOutputBytes);
  return result;
}

Result<std::vector<std::string>> DockerEngine::Logs(const std::string& id, int lines) {
  auto r = Call(
      "GET", "/containers/" + Escape(id) + "/logs?stdout=1&stderr=1&tail=" + std::to_string(lines));
  if (Status s = Expect(r, {200}, "logs of " + id); !s.ok()) return s;
  std::vector<std::string> out = SplitLines(Demultiplex(r.value().body));
  if (out.size() > static_cast<size_t>(lines)) out.erase(out.begin(), out.end() - lines);
  return out;
}

}  // namespace dreichor::deploy
