// The migration files of one directory (infra/db/migrations/), loaded and checked as a whole.
//
// File names:
//   NNNN_expand_<name>.sql              additive, backward-compatible; applied by default
//   NNNN_contract_<name>.sql            removal or incompatible clean-up; needs --allow-contract
//   NNNN_contract_<name>.rollback.sql   required beside every contract migration
// NNNN is the version (four digits, unique); <name> is [a-z0-9_]+. Other .sql names, a repeated
// version, or a contract migration without its rollback file make the whole directory invalid:
// LoadMigrations refuses it and names the file. Files not ending in .sql are ignored.
//
// Header directives: comment lines at the very top of a migration, before any SQL:
//   -- dreichor: non-transactional   run without a transaction (e.g. CREATE INDEX CONCURRENTLY);
//                                    such a file must hold exactly one statement
//   -- dreichor: per-tenant          applied to every tenant schema, not to the main target
// An unknown directive is an error.
//
// The checksum is SHA-256 of the file's bytes, hex; the journal records it with the algorithm
// name "sha256".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "migrate/journal.h"
#include "util/env.h"
#include "util/status.h"

namespace dreichor::migrate {

inline constexpr char kChecksumAlgorithm[] = "sha256";

struct Migration {
  uint32_t version = 0;
  std::string name;
  Phase phase = Phase::kExpand;
  std::string file;  // base name
  std::string sql;
  std::string checksum;  // hex SHA-256 of the file's bytes
  bool transactional = true;
  bool per_tenant = false;
  std::string rollback_file;  // contract only
  std::string rollback_sql;   // contract only
};

// By version, ascending.
Result<std::vector<Migration>> LoadMigrations(Env* env, const std::string& dir);

// Parses one file's name and contents (exposed for tests).
Result<Migration> ParseMigration(const std::string& file, const std::string& contents);

}  // namespace dreichor::migrate
