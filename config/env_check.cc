#include "config/env_check.h"

#include <fstream>
#include <ostream>
#include <sstream>

#include "config/version.h"

namespace dreichor::config {

namespace {

constexpr size_t kMaxEnvFileBytes = 1 << 20;

}  // namespace

int EnvFileCheck(const std::string& file, const EnvLoader& load, std::ostream& out,
                 std::ostream& err) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    err << file << ": cannot be read\n";
    return kEnvCheckUnreadable;
  }
  std::string text(kMaxEnvFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxEnvFileBytes) {
    err << file << ": larger than " << kMaxEnvFileBytes << " bytes\n";
    return kEnvCheckProblems;
  }
  auto env = ParseEnvFile(text);
  if (!env.ok()) {
    err << file << ": " << env.status().message() << "\n";
    return kEnvCheckProblems;
  }
  const Status loaded = load(env.value());
  if (!loaded.ok()) {
    std::istringstream lines(loaded.message());
    for (std::string line; std::getline(lines, line);) {
      const size_t start = line.find_first_not_of(' ');
      if (start != std::string::npos) err << file << ": " << line.substr(start) << "\n";
    }
    return kEnvCheckProblems;
  }
  out << file << ": ok (" << env.value().size() << " variables)\n";
  return kEnvCheckOk;
}

Status ValidateAll(const std::vector<VarSpec>& schema, const EnvMap& env) {
  const Validation v = Validate(schema, env);
  if (v.ok()) return Status::Ok();
  std::string message = std::to_string(v.problems.size()) + " configuration problem(s):";
  for (const ConfigProblem& p : v.problems) message += "\n  " + p.var + ": " + p.problem;
  return Status::InvalidArgument(message);
}

std::string VersionLine(const std::string& program) { return program + " " + kVersion; }

}  // namespace dreichor::config
