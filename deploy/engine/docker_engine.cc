#include "deploy/engine/docker_engine.h"

#include <algorithm>
#include <climits>
#include <nlohmann/json.hpp>

#include "util/json_cursor.h"
#include "util/json_scan.h"
#include "util/json_text.h"
#include "util/parse_number.h"

namespace dreichor::deploy {

namespace {

using nlohmann::json;

constexpr std::chrono::milliseconds kPullTimeout{15 * 60 * 1000};
constexpr size_t kPullStreamBytes = 16 << 20;
constexpr size_t kExecOutputBytes = 4096;

// Each top-level JSON object in a stream of concatenated or newline-separated objects.
std::vector<json> JsonObjects(std::string_view stream) {
  std::vector<json> out;
  ForEachTopLevelObject(stream, [&](std::string_view text) {
    json j = json::parse(text, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  });
  return out;
}

// The engine's error message from an error answer's body ({"message": ...}).
std::string EngineMessage(const http::HttpReply& r) {
  const json j = json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    return j["message"].get<std::string>();
  }
  return r.body.substr(0, 200);
}

Status Expect(const Result<http::HttpReply>& r, std::initializer_list<long> ok,
              const std::string& what) {
  if (!r.ok()) return r.status();
  for (long s : ok) {
    if (r.value().status == s) return Status::Ok();
  }
  return Status::IoError(what + ": HTTP " + std::to_string(r.value().status) + ": " +
                         EngineMessage(r.value()));
}

// The body of a successful answer as a JSON document; an error naming `what` if it is not JSON.
Result<json> ParseAnswer(const http::HttpReply& reply, const std::string& what) {
  json j = json::parse(reply.body, nullptr, false);
  if (j.is_discarded()) return Status::IoError(what + ": the engine's answer is not JSON");
  return j;
}

// The first problem found reading an answer, as the call's error.
Status AnswerProblem(const std::string& what, const JsonProblems& problems) {
  return Status::IoError(what + ": unexpected answer from the engine: " + problems.first());
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
int ApiMinor(std::string_view version) {
  if (!version.starts_with("1.")) return -1;
  const std::optional<uint64_t> minor = ParseDecimal(version.substr(2));
  return minor && *minor <= 1000 ? static_cast<int>(*minor) : -1;
}

Result<ContainerState> StateFromInspect(const json& j, const std::string& what) {
  JsonProblems problems;
  const JsonCursor root(j, &problems);
  ContainerState s;
  s.id = root["Id"].String();
  s.name = root["Name"].String(Presence::kOptional);
  if (!s.name.empty() && s.name[0] == '/') s.name.erase(0, 1);
  s.image_id = root["Image"].String(Presence::kOptional);
  const JsonCursor host = root["HostConfig"];
  s.read_only_root = host["ReadonlyRootfs"].Bool(Presence::kOptional);
  for (const JsonCursor& c : host["CapDrop"].Elements(Presence::kOptional)) {
    s.cap_drop.push_back(c.String());
  }
  for (const JsonCursor& o : host["SecurityOpt"].Elements(Presence::kOptional)) {
    s.security_opt.push_back(o.String());
  }
  s.limits.memory_bytes = host["Memory"].Int(0, INT64_MAX, Presence::kOptional);
  s.limits.nano_cpus = host["NanoCpus"].Int(0, INT64_MAX, Presence::kOptional);
  // Docker reports "no limit" as 0 or -1.
  s.limits.pids = std::max<int64_t>(0, host["PidsLimit"].Int(-1, INT64_MAX, Presence::kOptional));
  const JsonCursor state = root["State"];
  s.status = state["Status"].String(Presence::kOptional);
  s.running = state["Running"].Bool(Presence::kOptional);
  s.exit_code = static_cast<int>(state["ExitCode"].Int(INT32_MIN, INT32_MAX, Presence::kOptional));
  s.health = state["Health"]["Status"].String(Presence::kOptional);
  const JsonCursor config = root["Config"];
  s.image = config["Image"].String(Presence::kOptional);
  s.user = config["User"].String(Presence::kOptional);
  for (const auto& [key, value] : config["Labels"].Members(Presence::kOptional)) {
    s.labels[key] = value.String();
  }
  for (const JsonCursor& t : config["Healthcheck"]["Test"].Elements(Presence::kOptional)) {
    s.healthcheck.push_back(t.String());
  }
  for (const auto& [name, network] :
       root["NetworkSettings"]["Networks"].Members(Presence::kOptional)) {
    s.networks.push_back(name);
  }
  std::sort(s.networks.begin(), s.networks.end());
  for (const JsonCursor& m : root["Mounts"].Elements(Presence::kOptional)) {
    if (m["Type"].String(Presence::kOptional) == "bind") {
      s.mounts.push_back({m["Source"].String(), m["Destination"].String()});
    }
  }
  if (!problems.ok()) return AnswerProblem(what, problems);
  // Engines list mounts in no fixed order (Podman's varies between calls).
  std::sort(s.mounts.begin(), s.mounts.end(),
            [](const BindMount& a, const BindMount& b) { return a.target < b.target; });
  return s;
}

Result<NetworkState> NetworkFromInspect(const json& j, const std::string& what) {
  JsonProblems problems;
  const JsonCursor root(j, &problems);
  NetworkState n;
  n.name = root["Name"].String();
  for (const JsonCursor& c : root["IPAM"]["Config"].Elements(Presence::kOptional)) {
    n.subnets.push_back(c["Subnet"].String(Presence::kOptional));
  }
  for (const auto& [key, value] : root["Labels"].Members(Presence::kOptional)) {
    n.labels[key] = value.String();
  }
  n.internal = root["Internal"].Bool(Presence::kOptional);
  if (!problems.ok()) return AnswerProblem(what, problems);
  return n;
}

// The "Id" of a create answer ({"Id": "...", "Warnings": [...]}).
Result<std::string> IdFromAnswer(const http::HttpReply& reply, const std::string& what) {
  auto j = ParseAnswer(reply, what);
  if (!j.ok()) return j.status();
  JsonProblems problems;
  std::string id = JsonCursor(j.value(), &problems)["Id"].String();
  if (id.empty() && problems.ok()) problems.Add("Id: empty");
  if (!problems.ok()) return AnswerProblem(what, problems);
  return id;
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
    if (!j.is_object()) continue;
    const auto detail = j.find("errorDetail");
    if (detail != j.end() && detail->is_object() && detail->contains("message")) {
      return JsonText((*detail)["message"]);
    }
    const auto error = j.find("error");
    if (error != j.end()) {
      return error->is_string() ? error->get<std::string>() : JsonText(*error);
    }
  }
  return "";
}

std::string PullStreamDigest(std::string_view stream) {
  std::string digest;
  for (const json& j : JsonObjects(stream)) {
    const auto status = j.is_object() ? j.find("status") : j.end();
    if (status == j.end() || !status->is_string()) continue;
    const std::string& text = status->get_ref<const std::string&>();
    if (text.rfind("Digest: ", 0) == 0) digest = text.substr(8);
  }
  return digest;
}

Result<std::unique_ptr<DockerEngine>> DockerEngine::Connect(const std::string& socket_path) {
  return Connect(socket_path, http::CurlPerform);
}

Result<std::unique_ptr<DockerEngine>> DockerEngine::Connect(const std::string& socket_path,
                                                            EngineTransport transport) {
  std::unique_ptr<DockerEngine> engine(new DockerEngine(socket_path, std::move(transport)));
  const std::string what = "engine at " + socket_path;
  auto ping = engine->CallUnversioned("/_ping");
  if (!ping.ok()) return Status::IoError(what + ": " + ping.status().message());
  if (ping.value().status != 200) {
    return Status::IoError(what + ": /_ping answered HTTP " + std::to_string(ping.value().status));
  }
  auto version = engine->CallUnversioned("/version");
  if (!version.ok()) return version.status();
  // An engine that sends no JSON here still names its version in the ping's header.
  json v = json::parse(version.value().body, nullptr, false);
  if (v.is_discarded()) v = json::object();
  JsonProblems problems;
  const JsonCursor root(v, &problems);
  std::string api = root["ApiVersion"].String(Presence::kOptional);
  if (!problems.ok()) return AnswerProblem(what + ": /version", problems);
  if (api.empty()) api = ping.value().headers["api-version"];
  const int minor = ApiMinor(api);
  if (minor < kMinApiMinor) {
    return Status::Unsupported(what + " speaks API '" + api + "'; 1." +
                               std::to_string(kMinApiMinor) + " or newer is required");
  }
  engine->api_version_ = "1." + std::to_string(std::min(minor, kMaxApiMinor));
  const std::vector<JsonCursor> components = root["Components"].Elements(Presence::kOptional);
  if (!components.empty()) {
    engine->server_ = components[0]["Name"].String(Presence::kOptional) + " " +
                      components[0]["Version"].String(Presence::kOptional);
  } else {
    engine->server_ = "Docker Engine " + root["Version"].String(Presence::kOptional);
  }
  if (!problems.ok()) return AnswerProblem(what + ": /version", problems);
  return engine;
}

Result<http::HttpReply> DockerEngine::CallUnversioned(const std::string& path) {
  http::HttpCall call;
  call.url = "http://engine" + path;
  call.unix_socket = socket_;
  call.timeout = std::chrono::milliseconds(10'000);
  return transport_(call);
}

Result<http::HttpReply> DockerEngine::Call(const std::string& method, const std::string& path,
                                           const std::string& body,
                                           std::chrono::milliseconds timeout, size_t max_reply) {
  http::HttpCall call;
  call.method = method;
  call.url = "http://engine/v" + api_version_ + path;
  call.unix_socket = socket_;
  call.body = body;
  call.timeout = timeout;
  call.max_reply_bytes = max_reply;
  return transport_(call);
}

Result<PulledImage> DockerEngine::Pull(const std::string& repository, const std::string& tag) {
  const std::string reference = repository + ":" + tag;
  auto r = Call(
      "POST",
      "/images/create?fromImage=" + http::UrlEscape(repository) + "&tag=" + http::UrlEscape(tag),
      "", kPullTimeout, kPullStreamBytes);
  if (Status s = Expect(r, {200}, "pull " + reference); !s.ok()) return s;
  if (std::string error = PullStreamError(r.value().body); !error.empty()) {
    return Status::IoError("pull " + reference + ": " + error);
  }
  const std::string what = "inspect image " + reference;
  auto inspect = Call("GET", "/images/" + http::UrlEscape(reference) + "/json");
  if (Status s = Expect(inspect, {200}, what); !s.ok()) return s;
  auto image = ParseAnswer(inspect.value(), what);
  if (!image.ok()) return image.status();
  JsonProblems problems;
  const JsonCursor root(image.value(), &problems);
  PulledImage pulled;
  pulled.reference = reference;
  pulled.id = root["Id"].String();
  pulled.digest = PullStreamDigest(r.value().body);
  for (const JsonCursor& d : root["RepoDigests"].Elements(Presence::kOptional)) {
    const std::string s = d.String();
    if (pulled.digest.empty() && s.rfind(repository + "@", 0) == 0) {
      pulled.digest = s.substr(repository.size() + 1);
    }
  }
  if (!problems.ok()) return AnswerProblem(what, problems);
  if (pulled.digest.empty()) {
    return Status::IoError("pull " + reference + ": the engine reports no registry digest");
  }
  return pulled;
}

Result<bool> DockerEngine::HasImage(const std::string& reference) {
  auto r = Call("GET", "/images/" + http::UrlEscape(reference) + "/json");
  if (r.ok() && r.value().status == 404) return false;
  if (Status s = Expect(r, {200}, "inspect image " + reference); !s.ok()) return s;
  return true;
}

Result<NetworkState> DockerEngine::EnsureNetwork(const NetworkSpec& spec) {
  const std::string what = "inspect network " + spec.name;
  auto r = Call("GET", "/networks/" + http::UrlEscape(spec.name));
  if (r.ok() && r.value().status == 404) {
    const json body = {{"Name", spec.name},
                       {"CheckDuplicate", true},
                       {"Driver", "bridge"},
                       {"Internal", false},
                       {"Labels", spec.labels},
                       {"IPAM", {{"Driver", "default"}, {"Config", {{{"Subnet", spec.subnet}}}}}},
                       {"Options", {{"isolate", "true"}}}};
    auto created = Call("POST", "/networks/create", JsonText(body));
    if (Status s = Expect(created, {200, 201}, "create network " + spec.name); !s.ok()) return s;
    r = Call("GET", "/networks/" + http::UrlEscape(spec.name));
  }
  if (Status s = Expect(r, {200}, what); !s.ok()) return s;
  auto j = ParseAnswer(r.value(), what);
  if (!j.ok()) return j.status();
  return NetworkFromInspect(j.value(), what);
}

Result<std::vector<ContainerState>> DockerEngine::List(const Labels& labels) {
  json filter = {{"label", json::array()}};
  for (const auto& [k, v] : labels) filter["label"].push_back(k + "=" + v);
  auto r = Call("GET", "/containers/json?all=1&filters=" + http::UrlEscape(filter.dump()));
  if (Status s = Expect(r, {200}, "list containers"); !s.ok()) return s;
  auto list = ParseAnswer(r.value(), "list containers");
  if (!list.ok()) return list.status();
  JsonProblems problems;
  std::vector<std::string> ids;
  for (const JsonCursor& c : JsonCursor(list.value(), &problems).Elements()) {
    ids.push_back(c["Id"].String());
  }
  if (!problems.ok()) return AnswerProblem("list containers", problems);
  std::vector<ContainerState> out;
  for (const std::string& id : ids) {
    // The list's fields differ between engines; inspect each for one shape.
    auto state = Inspect(id);
    if (!state.ok()) return state.status();
    if (state.value()) out.push_back(*state.value());
  }
  return out;
}

Result<std::optional<ContainerState>> DockerEngine::Inspect(const std::string& name_or_id) {
  const std::string what = "inspect " + name_or_id;
  auto r = Call("GET", "/containers/" + http::UrlEscape(name_or_id) + "/json");
  if (r.ok() && r.value().status == 404) return std::optional<ContainerState>();
  if (Status s = Expect(r, {200}, what); !s.ok()) return s;
  auto j = ParseAnswer(r.value(), what);
  if (!j.ok()) return j.status();
  auto state = StateFromInspect(j.value(), what);
  if (!state.ok()) return state.status();
  return std::optional<ContainerState>(std::move(state).value());
}

Result<std::string> DockerEngine::Create(const ContainerSpec& spec) {
  json body = {{"Image", spec.image}, {"Env", spec.env}, {"Labels", spec.labels}};
  if (!spec.cmd.empty()) body["Cmd"] = spec.cmd;
  if (!spec.user.empty()) body["User"] = spec.user;
  json host = {{"RestartPolicy", {{"Name", "no"}}},
               {"Mounts", json::array()},
               {"ReadonlyRootfs", spec.read_only_root}};
  if (spec.unprivileged) {
    host["CapDrop"] = {"ALL"};
    host["SecurityOpt"] = {"no-new-privileges"};
  }
  if (spec.limits.memory_bytes > 0) {
    host["Memory"] = spec.limits.memory_bytes;
    host["MemorySwap"] = spec.limits.memory_bytes;
  }
  if (spec.limits.nano_cpus > 0) host["NanoCpus"] = spec.limits.nano_cpus;
  if (spec.limits.pids > 0) host["PidsLimit"] = spec.limits.pids;
  if (!spec.network.empty()) host["NetworkMode"] = spec.network;
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
  const std::string what = "create " + spec.name;
  auto r = Call("POST", "/containers/create?name=" + http::UrlEscape(spec.name), JsonText(body));
  if (Status s = Expect(r, {201}, what); !s.ok()) return s;
  return IdFromAnswer(r.value(), what);
}

Status DockerEngine::Start(const std::string& id) {
  return Expect(Call("POST", "/containers/" + http::UrlEscape(id) + "/start"), {204, 304},
                "start " + id);
}

Status DockerEngine::Stop(const std::string& id, std::chrono::seconds timeout) {
  return Expect(
      Call("POST",
           "/containers/" + http::UrlEscape(id) + "/stop?t=" + std::to_string(timeout.count()), "",
           timeout + std::chrono::seconds(30)),
      {204, 304}, "stop " + id);
}

Status DockerEngine::Remove(const std::string& id) {
  return Expect(Call("DELETE", "/containers/" + http::UrlEscape(id) + "?force=1"), {200, 204, 404},
                "remove " + id);
}

Status DockerEngine::Rename(const std::string& id, const std::string& new_name) {
  return Expect(Call("POST", "/containers/" + http::UrlEscape(id) +
                                 "/rename?name=" + http::UrlEscape(new_name)),
                {200, 204}, "rename " + id);
}

Result<ExecResult> DockerEngine::Exec(const std::string& id, const std::vector<std::string>& cmd,
                                      std::chrono::milliseconds timeout) {
  const json create = {{"Cmd", cmd}, {"AttachStdout", true}, {"AttachStderr", true}};
  const std::string what = "exec in " + id;
  auto c = Call("POST", "/containers/" + http::UrlEscape(id) + "/exec", JsonText(create));
  if (Status s = Expect(c, {201}, what); !s.ok()) return s;
  auto exec_id = IdFromAnswer(c.value(), what);
  if (!exec_id.ok()) return exec_id.status();
  auto run = Call("POST", "/exec/" + http::UrlEscape(exec_id.value()) + "/start",
                  json({{"Detach", false}, {"Tty", false}}).dump(), timeout, 1 << 20);
  if (Status s = Expect(run, {200}, "exec start in " + id); !s.ok()) return s;
  auto info = Call("GET", "/exec/" + http::UrlEscape(exec_id.value()) + "/json");
  if (Status s = Expect(info, {200}, "exec inspect in " + id); !s.ok()) return s;
  auto j = ParseAnswer(info.value(), "exec inspect in " + id);
  if (!j.ok()) return j.status();
  JsonProblems problems;
  const JsonCursor root(j.value(), &problems);
  ExecResult result;
  // ExitCode is null while the command still runs (it timed out): that is not a success.
  const JsonCursor exit_code = root["ExitCode"];
  result.exit_code =
      exit_code.present() ? static_cast<int>(exit_code.Int(INT32_MIN, INT32_MAX)) : -1;
  if (!problems.ok()) return AnswerProblem("exec inspect in " + id, problems);
  result.output = Demultiplex(run.value().body).substr(0, kExecOutputBytes);
  return result;
}

Result<std::vector<std::string>> DockerEngine::Logs(const std::string& id, int lines) {
  auto r = Call("GET", "/containers/" + http::UrlEscape(id) +
                           "/logs?stdout=1&stderr=1&tail=" + std::to_string(lines));
  if (Status s = Expect(r, {200}, "logs of " + id); !s.ok()) return s;
  std::vector<std::string> out = SplitLines(Demultiplex(r.value().body));
  if (out.size() > static_cast<size_t>(lines)) out.erase(out.begin(), out.end() - lines);
  return out;
}

}  // namespace dreichor::deploy
