// Fuzz target: env files (config/env_config.h): the runtime's and the agents' configuration as an
// operator writes it, and the file the deploy agent checks before a deploy.
//
// Promises checked: parsing either refuses naming the line or gives a map that, written back as
// KEY=VALUE lines, parses to the same map; validation against the runtime's schema reports
// problems without ever putting a secret's value in a message.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/env_config.h"
#include "config/env_schema.h"

using namespace dreichor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto env = config::ParseEnvFile(text);
  if (!env.ok()) {
    if (env.status().message().find("line") == std::string::npos) std::abort();
    return 0;
  }
  std::string written;
  for (const auto& [key, value] : env.value()) written += key + "=" + value + "\n";
  auto again = config::ParseEnvFile(written);
  if (!again.ok() || again.value() != env.value()) std::abort();

  // Every secret the schema names gets a canary in its fuzzed value (a URL's in its password); no
  // problem message and no redacted form may show it.
  static const std::string kCanary = "Zq9CANARY";
  const auto& schema = config::RuntimeSchema();
  config::EnvMap marked = env.value();
  for (const config::VarSpec& spec : schema) {
    auto it = marked.find(std::string(spec.name));
    if (spec.secret && it != marked.end()) {
      if (spec.type == config::VarType::kUrl) {
        // A URL's redacted form keeps all but the password: the canary goes there.
        std::string password = it->second;
        std::erase_if(password, [](char c) { return c == '@' || c == '/'; });
        it->second = "postgres://user:" + kCanary + password + "@db.internal/dreichor_dev";
      } else {
        it->second = kCanary + it->second;
      }
      if (config::Redact(spec, it->second).find(kCanary) != std::string::npos) std::abort();
    }
  }
  config::Validation v = config::Validate(schema, marked);
  for (const config::ConfigProblem& p : v.problems) {
    if (p.problem.find(kCanary) != std::string::npos) std::abort();
  }
  return 0;
}
