#include "migrate/migration_set.h"

#include <algorithm>
#include <map>
#include <regex>

#include "util/sha256.h"

namespace dreichor::migrate {

namespace {

const std::regex kMigrationName(R"(^(\d{4})_(expand|contract)_([a-z0-9_]+)\.sql$)");
const std::regex kRollbackName(R"(^(\d{4})_contract_([a-z0-9_]+)\.rollback\.sql$)");

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  const size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Reads the "-- dreichor: ..." lines at the top of the file.
Status ReadDirectives(const std::string& file, const std::string& contents, Migration* m) {
  size_t pos = 0;
  while (pos < contents.size()) {
    const size_t end = std::min(contents.find('\n', pos), contents.size());
    const std::string line = Trim(contents.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty()) continue;
    if (line.rfind("--", 0) != 0) break;  // the SQL starts: no more directives
    const std::string comment = Trim(line.substr(2));
    if (comment.rfind("dreichor:", 0) != 0) continue;
    const std::string directive = Trim(comment.substr(9));
    if (directive == "non-transactional") {
      m->transactional = false;
    } else if (directive == "per-tenant") {
      m->per_tenant = true;
    } else {
      return Status::InvalidArgument(file + ": unknown directive \"" + directive +
                                     "\" (known: non-transactional, per-tenant)");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Migration> ParseMigration(const std::string& file, const std::string& contents) {
  std::smatch match;
  if (!std::regex_match(file, match, kMigrationName)) {
    return Status::InvalidArgument(
        file +
        ": not a migration name (NNNN_expand_<name>.sql or NNNN_contract_<name>.sql, "
        "<name> of a-z 0-9 _)");
  }
  Migration m;
  m.version = static_cast<uint32_t>(std::stoul(match[1]));
  m.phase = match[2] == "expand" ? Phase::kExpand : Phase::kContract;
  m.name = match[3];
  m.file = file;
  m.sql = contents;
  m.checksum = ToHex(Sha256::Of(contents));
  if (m.version == 0) return Status::InvalidArgument(file + ": version 0000 is not allowed");
  if (Status s = ReadDirectives(file, contents, &m); !s.ok()) return s;
  if (Trim(contents).empty()) return Status::InvalidArgument(file + ": empty migration");
  return m;
}

Result<std::vector<Migration>> LoadMigrations(Env* env, const std::string& dir) {
  std::vector<std::string> names;
  if (Status s = env->GetChildren(dir, &names); !s.ok()) {
    return Status::IoError("migrations directory " + dir + ": " + s.message());
  }
  std::sort(names.begin(), names.end());
  std::map<uint32_t, Migration> by_version;
  std::map<std::string, std::string> rollbacks;  // "NNNN_name" -> file
  for (const std::string& name : names) {
    if (!EndsWith(name, ".sql")) continue;
    std::string contents;
    if (Status s = env->ReadFile(dir + "/" + name, &contents); !s.ok()) {
      return Status::IoError(dir + "/" + name + ": " + s.message());
    }
    std::smatch match;
    if (std::regex_match(name, match, kRollbackName)) {
      rollbacks[match.str(1) + "_" + match.str(2)] = name;
      continue;
    }
    auto parsed = ParseMigration(name, contents);
    if (!parsed.ok()) return parsed.status();
    Migration m = std::move(parsed).value();
    if (by_version.count(m.version) != 0) {
      return Status::InvalidArgument(name + ": version " + std::to_string(m.version) +
                                     " is also used by " + by_version[m.version].file);
    }
    by_version[m.version] = std::move(m);
  }
  for (auto& [version, m] : by_version) {
    char key[16];
    snprintf(key, sizeof(key), "%04u", version);
    auto it = rollbacks.find(std::string(key) + "_" + m.name);
    if (m.phase == Phase::kContract) {
      if (it == rollbacks.end()) {
        return Status::InvalidArgument(m.file + ": a contract migration needs " + std::string(key) +
                                       "_contract_" + m.name + ".rollback.sql beside it");
      }
      m.rollback_file = it->second;
      if (Status s = env->ReadFile(dir + "/" + it->second, &m.rollback_sql); !s.ok()) {
        return Status::IoError(dir + "/" + it->second + ": " + s.message());
      }
      rollbacks.erase(it);
    }
  }
  if (!rollbacks.empty()) {
    return Status::InvalidArgument(rollbacks.begin()->second +
                                   ": a rollback file without its contract migration");
  }
  std::vector<Migration> out;
  for (auto& [version, m] : by_version) out.push_back(std::move(m));
  return out;
}

}  // namespace dreichor::migrate
