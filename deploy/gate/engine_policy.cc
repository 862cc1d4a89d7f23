#include "deploy/gate/engine_policy.h"

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <vector>

#include "config/env_config.h"

namespace dreichor::deploy {

namespace {

using nlohmann::json;

Verdict Allow() { return {true, ""}; }
Verdict Deny(std::string why) { return {false, std::move(why)}; }

// %XX-decoding; nullopt for a malformed escape or a decoded NUL.
std::optional<std::string> PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      return std::nullopt;
    }
    const char c = static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
    if (c == '\0') return std::nullopt;
    out.push_back(c);
    i += 2;
  }
  return out;
}

struct Target {
  std::vector<std::string> segments;         // decoded, without the API version
  std::map<std::string, std::string> query;  // decoded; a repeated key is refused
};

std::optional<Target> ParseTarget(const std::string& raw) {
  const size_t q = raw.find('?');
  std::string path = raw.substr(0, q);
  static const std::regex kVersion(R"(^/v[0-9]{1,2}\.[0-9]{1,3}(/.*)$)");
  std::smatch m;
  if (std::regex_match(path, m, kVersion)) path = m[1];
  if (path.empty() || path[0] != '/') return std::nullopt;
  Target t;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    auto segment = PercentDecode(path.substr(start, end - start));
    if (!segment || segment->empty() || *segment == "." || *segment == "..") return std::nullopt;
    t.segments.push_back(*segment);
    start = end + 1;
  }
  if (q == std::string::npos) return t;
  const std::string query = raw.substr(q + 1);
  size_t pos = 0;
  while (pos <= query.size()) {
    const size_t end = std::min(query.find('&', pos), query.size());
    const std::string pair = query.substr(pos, end - pos);
    const size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq));
    auto value = PercentDecode(eq == std::string::npos ? "" : pair.substr(eq + 1));
    if (!key || !value || key->empty() || !t.query.emplace(*key, *value).second) {
      return std::nullopt;
    }
    pos = end + 1;
  }
  return t;
}

// Query keys outside `allowed`, or "".
std::string UnexpectedQuery(const Target& t, std::set<std::string> allowed) {
  for (const auto& [key, value] : t.query) {
    if (!allowed.count(key)) return "query parameter " + key + " is not allowed";
  }
  return "";
}

bool IsEnvironmentsName(const std::string& name, const GateScope& scope) {
  const std::regex pattern("^dreichor-[a-z]{1,32}-" + scope.env + "(-previous)?$");
  return std::regex_match(name, pattern);
}

// The agent may act on a container only if the engine says it is the environment's. One that does
// not exist may be asked about only under the environment's names (the engine then answers 404).
Verdict OwnedContainer(const std::string& name_or_id, const GateScope& scope, EngineFacts* facts) {
  auto env = facts->ContainerEnv(name_or_id);
  if (!env.ok())
    return Deny("cannot inspect container " + name_or_id + ": " + env.status().message());
  if (!env.value()) {
    return IsEnvironmentsName(name_or_id, scope)
               ? Allow()
               : Deny("no container " + name_or_id + " of this environment");
  }
  if (*env.value() != scope.env) {
    return Deny("container " + name_or_id + " is not labelled dreichor.env=" + scope.env);
  }
  return Allow();
}

// A path is under `dir` without `..`, `.` or doubled slashes in it.
bool IsCleanPathUnder(const std::string& path, const std::string& dir) {
  if (path.rfind(dir + "/", 0) != 0 || path.size() == dir.size() + 1) return false;
  if (path.find("//") != std::string::npos || path.back() == '/') return false;
  for (const char* bad : {"/../", "/./"}) {
    if ((path + "/").find(bad) != std::string::npos) return false;
  }
  return true;
}

Verdict CheckKeys(const json& object, const std::set<std::string>& allowed, const std::string& in) {
  if (!object.is_object()) return Deny(in + " is not a JSON object");
  for (const auto& [key, value] : object.items()) {
    if (!allowed.count(key)) return Deny(in + " may not set " + key);
  }
  return Allow();
}

bool IsStringArray(const json& j) {
  if (!j.is_array()) return false;
  for (const json& e : j) {
    if (!e.is_string()) return false;
  }
  return true;
}

Verdict CheckHostConfig(const json& host, const GateScope& scope) {
  if (Verdict v = CheckKeys(
          host,
          {"RestartPolicy", "Mounts", "ReadonlyRootfs", "CapDrop", "SecurityOpt", "Memory",
           "MemorySwap", "NanoCpus", "PidsLimit", "NetworkMode", "PortBindings"},
          "HostConfig");
      !v.allowed) {
    return v;
  }
  if (host.value("NetworkMode", json()) != scope.network()) {
    return Deny("HostConfig.NetworkMode must be " + scope.network());
  }
  if (host.value("CapDrop", json()) != json::array({"ALL"})) {
    return Deny("HostConfig.CapDrop must be [\"ALL\"]");
  }
  if (host.value("SecurityOpt", json()) != json::array({"no-new-privileges"})) {
    return Deny("HostConfig.SecurityOpt must be [\"no-new-privileges\"]");
  }
  if (host.contains("RestartPolicy") && host["RestartPolicy"] != json::object({{"Name", "no"}})) {
    return Deny("HostConfig.RestartPolicy must be {\"Name\":\"no\"}");
  }
  for (const char* number : {"Memory", "MemorySwap", "NanoCpus", "PidsLimit"}) {
    if (host.contains(number) && !host[number].is_number_integer()) {
      return Deny(std::string("HostConfig.") + number + " must be an integer");
    }
  }
  if (host.contains("ReadonlyRootfs") && !host["ReadonlyRootfs"].is_boolean()) {
    return Deny("HostConfig.ReadonlyRootfs must be a boolean");
  }
  const json mounts = host.value("Mounts", json::array());
  if (!mounts.is_array()) return Deny("HostConfig.Mounts must be an array");
  for (const json& m : mounts) {
    if (Verdict v = CheckKeys(m, {"Type", "Source", "Target", "ReadOnly"}, "a mount"); !v.allowed) {
      return v;
    }
    const json source_field = m.value("Source", json());
    const std::string source = source_field.is_string() ? source_field.get<std::string>() : "";
    if (m.value("Type", json()) != "bind" ||
        !IsCleanPathUnder(source, scope.base_dir + "/volumes")) {
      return Deny("a mount must bind a directory under " + scope.base_dir + "/volumes/");
    }
  }
  const json ports = host.value("PortBindings", json::object());
  if (!ports.is_object()) return Deny("HostConfig.PortBindings must be an object");
  for (const auto& [port, bindings] : ports.items()) {
    if (!bindings.is_array()) return Deny("HostConfig.PortBindings." + port + " must be an array");
    for (const json& b : bindings) {
      if (Verdict v = CheckKeys(b, {"HostIp", "HostPort"}, "a port binding"); !v.allowed) return v;
      if (!b.value("HostIp", json("")).is_string() ||
          !config::IsLoopbackAddress(b.value("HostIp", ""))) {
        return Deny("ports may be published on loopback only");
      }
    }
  }
  return Allow();
}

Verdict CheckCreate(const Target& t, const std::string& body, const GateScope& scope) {
  if (std::string bad = UnexpectedQuery(t, {"name"}); !bad.empty()) return Deny(bad);
  const auto name = t.query.find("name");
  if (name == t.query.end() || !IsEnvironmentsName(name->second, scope)) {
    return Deny("a new container must be named dreichor-<role>-" + scope.env);
  }
  const json j = json::parse(body, nullptr, false);
  if (Verdict v =
          CheckKeys(j, {"Image", "Env", "Cmd", "Labels", "ExposedPorts", "HostConfig", "User"},
                    "a container");
      !v.allowed) {
    return v;
  }
  if (!j.value("Image", json()).is_string()) return Deny("a container needs an Image");
  for (const char* list : {"Env", "Cmd"}) {
    if (j.contains(list) && !IsStringArray(j[list])) {
      return Deny(std::string(list) + " must be an array of strings");
    }
  }
  const json labels = j.value("Labels", json());
  if (!labels.is_object() || labels.value("dreichor.env", json()) != scope.env) {
    return Deny("a new container must be labelled dreichor.env=" + scope.env);
  }
  if (j.contains("User")) {
    const json& user = j["User"];
    if (!user.is_string()) return Deny("User must be a string");
    const std::string u = user.get<std::string>();
    const std::string who = u.substr(0, u.find(':'));
    if (who.empty() || who == "0" || who == "root") return Deny("a container may not run as root");
  }
  if (j.contains("ExposedPorts") && !j["ExposedPorts"].is_object()) {
    return Deny("ExposedPorts must be an object");
  }
  if (!j.contains("HostConfig")) return Deny("a container needs a HostConfig");
  return CheckHostConfig(j["HostConfig"], scope);
}

Verdict CheckNetworkCreate(const std::string& body, const GateScope& scope) {
  const json j = json::parse(body, nullptr, false);
  if (Verdict v = CheckKeys(
          j, {"Name", "CheckDuplicate", "Driver", "Internal", "Labels", "IPAM", "Options"},
          "a network");
      !v.allowed) {
    return v;
  }
  if (j.value("Name", json()) != scope.network()) {
    return Deny("the only network this environment may create is " + scope.network());
  }
  if (j.value("Driver", json("bridge")) != "bridge") return Deny("a network must be a bridge");
  const json labels = j.value("Labels", json());
  if (!labels.is_object() || labels.value("dreichor.env", json()) != scope.env) {
    return Deny("a new network must be labelled dreichor.env=" + scope.env);
  }
  return Allow();
}

// GET /containers/json: only with a label filter naming the environment.
Verdict CheckList(const Target& t, const GateScope& scope) {
  if (std::string bad = UnexpectedQuery(t, {"all", "filters"}); !bad.empty()) return Deny(bad);
  const auto filters = t.query.find("filters");
  const json f = filters == t.query.end() ? json() : json::parse(filters->second, nullptr, false);
  const json labels = f.is_object() ? f.value("label", json()) : json();
  if (!IsStringArray(labels) ||
      std::find(labels.begin(), labels.end(), json("dreichor.env=" + scope.env)) == labels.end()) {
    return Deny("a container listing must filter on label dreichor.env=" + scope.env);
  }
  for (const auto& [key, value] : f.items()) {
    if (key != "label") return Deny("a container listing may filter on labels only");
  }
  return Allow();
}

Verdict CheckContainerCall(const std::string& method, const Target& t, const std::string& body,
                           const GateScope& scope, EngineFacts* facts) {
  const std::vector<std::string>& s = t.segments;
  const std::string& id = s[1];
  const std::string action = s.size() == 3 ? s[2] : "";
  std::set<std::string> query;
  if (method == "GET" && action == "json") {
    query = {};
  } else if (method == "GET" && action == "logs") {
    query = {"stdout", "stderr", "tail"};
  } else if (method == "POST" && action == "start") {
    query = {};
  } else if (method == "POST" && action == "stop") {
    query = {"t"};
  } else if (method == "POST" && action == "rename") {
    query = {"name"};
    const auto to = t.query.find("name");
    if (to == t.query.end() || !IsEnvironmentsName(to->second, scope)) {
      return Deny("a container may be renamed only to dreichor-<role>-" + scope.env +
                  "[-previous]");
    }
  } else if (method == "POST" && action == "exec") {
    const json j = json::parse(body, nullptr, false);
    if (Verdict v = CheckKeys(j, {"Cmd", "AttachStdout", "AttachStderr"}, "an exec"); !v.allowed) {
      return v;
    }
  } else if (method == "DELETE" && s.size() == 2) {
    query = {"force"};
  } else {
    return Deny("the gate allows no " + method + " on containers/<id>/" + action);
  }
  if (std::string bad = UnexpectedQuery(t, query); !bad.empty()) return Deny(bad);
  return OwnedContainer(id, scope, facts);
}

Verdict CheckExecCall(const std::string& method, const Target& t, const std::string& body,
                      const GateScope& scope, EngineFacts* facts) {
  const std::string& action = t.segments[2];
  if (!((method == "POST" && action == "start") || (method == "GET" && action == "json"))) {
    return Deny("the gate allows no " + method + " on exec/<id>/" + action);
  }
  if (std::string bad = UnexpectedQuery(t, {}); !bad.empty()) return Deny(bad);
  if (method == "POST") {
    const json j = json::parse(body, nullptr, false);
    if (Verdict v = CheckKeys(j, {"Detach", "Tty"}, "an exec start"); !v.allowed) return v;
  }
  auto container = facts->ExecContainer(t.segments[1]);
  if (!container.ok())
    return Deny("cannot inspect exec " + t.segments[1] + ": " + container.status().message());
  if (!container.value()) return Deny("no exec instance " + t.segments[1]);
  auto env = facts->ContainerEnv(*container.value());
  if (!env.ok() || !env.value() || *env.value() != scope.env) {
    return Deny("exec " + t.segments[1] + " is not in a container of this environment");
  }
  return Allow();
}

}  // namespace

Verdict Authorize(const GateRequest& request, const GateScope& scope, EngineFacts* facts) {
  if (request.target.size() > kMaxGateTargetBytes) return Deny("the request target is too long");
  if (request.body.size() > kMaxGateBodyBytes) return Deny("the request body is too large");
  const std::optional<Target> parsed = ParseTarget(request.target);
  if (!parsed) return Deny("the request target is malformed");
  const Target& t = *parsed;
  const std::vector<std::string>& s = t.segments;
  const std::string& m = request.method;
  const auto is = [&](const char* method, std::initializer_list<const char*> path) {
    if (m != method || s.size() != path.size()) return false;
    size_t i = 0;
    for (const char* p : path) {
      if (std::string(p) != "*" && s[i] != p) return false;
      ++i;
    }
    return true;
  };

  if (is("GET", {"_ping"}) || is("GET", {"version"})) {
    return t.query.empty() ? Allow() : Deny("query parameters are not allowed here");
  }
  if (is("POST", {"images", "create"})) {
    if (std::string bad = UnexpectedQuery(t, {"fromImage", "tag"}); !bad.empty()) return Deny(bad);
    if (!t.query.count("fromImage") || !request.body.empty()) {
      return Deny("an image may only be pulled (fromImage), never imported");
    }
    return Allow();
  }
  if (m == "GET" && s.size() >= 3 && s[0] == "images" && s.back() == "json") {
    return t.query.empty() ? Allow() : Deny("query parameters are not allowed here");
  }
  if (is("GET", {"containers", "json"})) return CheckList(t, scope);
  if (is("POST", {"containers", "create"})) return CheckCreate(t, request.body, scope);
  if (s.size() >= 2 && s.size() <= 3 && s[0] == "containers") {
    return CheckContainerCall(m, t, request.body, scope, facts);
  }
  if (s.size() == 3 && s[0] == "exec") return CheckExecCall(m, t, request.body, scope, facts);
  if (is("GET", {"networks", "*"})) {
    return s[1] == scope.network()
               ? Allow()
               : Deny("the only network this environment may see is " + scope.network());
  }
  if (is("POST", {"networks", "create"})) return CheckNetworkCreate(request.body, scope);
  return Deny("the gate allows no " + m + " " + t.segments.front() + " request of this shape");
}

}  // namespace dreichor::deploy
