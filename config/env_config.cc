#include "config/env_config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iostream>

#include "config/env_check.h"

namespace dreichor::config {

namespace {
bool ParseInteger(std::string_view s, int64_t* out);
}  // namespace

bool IsLoopbackAddress(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return host == "::1";
}

std::optional<HostPort> ParseHostPort(std::string_view s) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = s.substr(0, colon), port = s.substr(colon + 1);
  const bool bracketed = host.front() == '[';
  if (bracketed ? host.back() != ']' || host.size() < 3 : host.find(':') != host.npos) {
    return std::nullopt;
  }
  int64_t p;
  if (!ParseInteger(port, &p) || p < 0 || p > 65535) return std::nullopt;
  if (bracketed) host = host.substr(1, host.size() - 2);
  return HostPort{std::string(host), static_cast<uint16_t>(p)};
}

namespace {

bool IsKeyChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

// A byte below 0x20 or DEL: never part of a value an operator means (a tab included), and a
// trailing carriage return beyond the one a CRLF line ends with would change on every rewrite.
bool IsControlChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool ParseInteger(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool ValidHostPort(std::string_view s) { return ParseHostPort(s).has_value(); }

bool ValidUrl(std::string_view s) {
  size_t sep = s.find("://");
  if (sep == std::string_view::npos || sep == 0) return false;
  for (char c : s.substr(0, sep)) {
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  std::string_view rest = s.substr(sep + 3);
  size_t at = rest.rfind('@');
  std::string_view authority = rest.substr(at == rest.npos ? 0 : at + 1);
  authority = authority.substr(0, authority.find('/'));
  return !authority.empty() && s.find_first_of(" \t\n") == std::string_view::npos;
}

std::string CheckValue(const VarSpec& spec, const std::string& value, int64_t* number) {
  if (value.empty()) return "is empty";
  switch (spec.type) {
    case VarType::kString:
      if (spec.none_allowed && value == "none") return "";
      if (value.size() < spec.min_length) {
        return "is shorter than " + std::to_string(spec.min_length) + " characters";
      }
      return spec.check != nullptr ? spec.check(value) : "";
    case VarType::kInteger:
      if (!ParseInteger(value, number)) return "is not an integer";
      if (*number < spec.min || *number > spec.max) {
        return "must be between " + std::to_string(spec.min) + " and " + std::to_string(spec.max);
      }
      return "";
    case VarType::kDuration:
      if (!ParseDurationMs(value, number)) return "is not a duration such as 250ms, 10s, 5m or 1h";
      if (*number < spec.min || *number > spec.max) {
        return "must be between " + std::to_string(spec.min) + "ms and " +
               std::to_string(spec.max) + "ms";
      }
      return "";
    case VarType::kEnum:
      if (std::find(spec.choices.begin(), spec.choices.end(), value) == spec.choices.end()) {
        std::string list;
        for (auto c : spec.choices) {
          if (!list.empty()) list += ", ";
          list += c;
        }
        return "must be one of: " + list;
      }
      return "";
    case VarType::kPath:
      if (value.front() != '/') return "must be an absolute path";
      if (value.find('\0') != std::string::npos) return "contains a NUL byte";
      return "";
    case VarType::kUrl:
      if (spec.none_allowed && value == "none") return "";
      return ValidUrl(value)     ? ""
             : spec.none_allowed ? "is neither `none` nor a URL of the form "
                                   "scheme://host/..."
                                 : "is not a URL of the form scheme://host/...";
    case VarType::kHostPort:
      return ValidHostPort(value) ? ""
                                  : "is not host:port (IPv6 as [::1]:port; port 0-65535, where "
                                    "0 picks a free port)";
  }
  return "has an unknown type";
}

}  // namespace

std::string Requirement::Describe() const {
  std::string out;
  if (var.empty()) return out;
  out.append("when ").append(var).append(except ? " is not " : "=").append(value);
  return out;
}

namespace {

bool IsRequired(const VarSpec& spec, const EnvMap& env) {
  if (spec.optional) return false;
  const Requirement& r = spec.required;
  if (r.var.empty()) return true;
  auto it = env.find(std::string(r.var));
  if (it == env.end()) return false;
  return r.except ? it->second != r.value : it->second == r.value;
}

}  // namespace

bool ParseDurationMs(std::string_view s, int64_t* ms) {
  static const std::pair<std::string_view, int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
  for (const auto& [unit, scale] : kUnits) {
    if (s.size() > unit.size() && s.ends_with(unit)) {
      std::string_view digits = s.substr(0, s.size() - unit.size());
      if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        continue;  // e.g. "10ms" tried as "10m" + "s"
      }
      int64_t n;
      if (!ParseInteger(digits, &n) || __builtin_mul_overflow(n, scale, ms)) return false;
      return true;
    }
  }
  return false;
}

struct Validator {
  static Validation Run(const std::vector<VarSpec>& schema, const EnvMap& env) {
    Validation v;
    for (const VarSpec& spec : schema) {
      const std::string name(spec.name);
      auto it = env.find(name);
      if (it == env.end()) {
        if (IsRequired(spec, env)) {
          std::string why = "is required ";
          why.append(spec.required.Describe());
          if (!spec.required.var.empty()) why.push_back(' ');
          why.append("but missing");
          v.problems.push_back({name, why});
        }
        continue;
      }
      int64_t number = 0;
      std::string problem = CheckValue(spec, it->second, &number);
      if (!problem.empty()) {
        v.problems.push_back({name, problem});
        continue;
      }
      v.config.values_[name] = it->second;
      if (spec.type == VarType::kInteger || spec.type == VarType::kDuration) {
        v.config.numbers_[name] = number;
      }
    }
    for (const auto& entry : env) {
      const std::string& name = entry.first;
      if (!name.starts_with(kPrefix)) continue;
      bool known = std::any_of(schema.begin(), schema.end(),
                               [&](const VarSpec& s) { return s.name == name; });
      if (!known) v.problems.push_back({name, "is not a known variable (see ENV_SCHEMA.md)"});
    }
    std::stable_sort(v.problems.begin(), v.problems.end(),
                     [](const ConfigProblem& a, const ConfigProblem& b) { return a.var < b.var; });
    return v;
  }
};

Validation Validate(const std::vector<VarSpec>& schema, const EnvMap& env) {
  return Validator::Run(schema, env);
}

EnvMap ProcessEnvironment(char** envp) {
  EnvMap env;
  for (char** e = envp; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = entry.substr(0, eq);
    if (key.starts_with(kPrefix)) env.emplace(key, entry.substr(eq + 1));
  }
  return env;
}

Result<EnvMap> ParseEnvFile(std::string_view text) {
  EnvMap env;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    std::string_view key = line.substr(0, eq);
    if (eq == std::string_view::npos || key.empty() ||
        !std::all_of(key.begin(), key.end(), IsKeyChar)) {
      return Status::InvalidArgument("line " + std::to_string(line_no) +
                                     ": expected KEY=VALUE with KEY of [A-Z0-9_]");
    }
    const std::string_view value = line.substr(eq + 1);
    if (std::any_of(value.begin(), value.end(), IsControlChar)) {
      return Status::InvalidArgument("line " + std::to_string(line_no) + ": the value of " +
                                     std::string(key) +
                                     " holds a control character (a stray carriage return?)");
    }
    if (!env.emplace(key, value).second) {
      return Status::InvalidArgument("line " + std::to_string(line_no) + ": " + std::string(key) +
                                     " is set twice");
    }
  }
  return env;
}

std::string Redact(const VarSpec& spec, std::string_view value) {
  if (!spec.secret) return std::string(value);
  if (spec.type == VarType::kUrl) {
    size_t sep = value.find("://"), at = value.rfind('@');
    if (sep != std::string_view::npos && at != std::string_view::npos && at > sep) {
      std::string_view userinfo = value.substr(sep + 3, at - sep - 3);
      size_t colon = userinfo.find(':');
      if (colon != std::string_view::npos) {
        return std::string(value.substr(0, sep + 3 + colon + 1)) + "<redacted>" +
               std::string(value.substr(at));
      }
      return std::string(value);  // no password in it
    }
  }
  return "<redacted>";
}

std::string RenderSchemaDocument(const std::vector<VarSpec>& schema, const SchemaHeading& heading) {
  std::string out =
      "# " + heading.title + "\n\n<!-- Generated from " + heading.source + " by `" +
      heading.command + "`; do not edit. -->\n\n" + heading.who +
      ". There are no defaults: a required variable that is missing stops startup, "
      "as does a malformed value or an unknown `DREICHOR_` variable; all problems are "
      "reported together. Secret values are never printed.\n\n"
      "| variable | type | required | secret | meaning | example |\n"
      "| --- | --- | --- | --- | --- | --- |\n";
  for (const VarSpec& s : schema) {
    std::string type(VarTypeName(s.type));
    if (s.type == VarType::kEnum) {
      type += ": ";
      for (size_t i = 0; i < s.choices.size(); ++i) {
        if (i > 0) type += ", ";
        type += s.choices[i];
      }
    } else if (s.type == VarType::kInteger && (s.min != 0 || s.max != INT64_MAX)) {
      type += " ";
      type += std::to_string(s.min);
      if (s.max == INT64_MAX) {
        type += "+";
      } else {
        type += "..";
        type += std::to_string(s.max);
      }
    } else if (s.type == VarType::kDuration) {
      type += " (ms, s, m, h)";
    } else if (s.none_allowed) {
      type += " or `none`";
    }
    std::string required = s.optional               ? "no"
                           : s.required.var.empty() ? "yes"
                                                    : s.required.Describe();
    out += "| `" + std::string(s.name) + "` | " + type + " | " + required + " | " +
           (s.secret ? "yes" : "no") + " | " + std::string(s.meaning) + " | `" +
           std::string(s.example) + "` |\n";
  }
  return out;
}

int ServiceMain(int argc, char** argv, const std::vector<VarSpec>& schema,
                const SchemaHeading& heading, const std::function<Status(const EnvMap&)>& load,
                const std::function<int()>& serve) {
  const std::string program = heading.command.substr(0, heading.command.find(' '));
  const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  if (args.empty() || args == std::vector<std::string>{"serve"}) return serve();
  if (args == std::vector<std::string>{"env-schema"}) {
    std::cout << RenderSchemaDocument(schema, heading);
    return 0;
  }
  if (args == std::vector<std::string>{"--version"}) {
    std::cout << VersionLine(program) << "\n";
    return 0;
  }
  if (args.size() == 3 && args[0] == "env" && args[1] == "check") {
    return EnvFileCheck(args[2], load, std::cout, std::cerr);
  }
  std::cerr << "usage: " << program << " [serve | env-schema | env check FILE | --version]\n";
  return 2;
}

}  // namespace dreichor::config
