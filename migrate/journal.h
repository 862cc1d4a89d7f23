// A target's migration journal, <schema>.dreichor_migrations (infra/db/README.md documents the
// table): reading it is this one piece of code, used by the migrator and by the runtime's schema
// phase, which only reads it and never runs DDL.
//
//   auto journal = ReadJournal(conn, "dreichor");   // empty when the table does not exist yet
//   for (const JournalEntry& e : journal.value()) ...
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/pg_connection.h"
#include "util/status.h"

namespace dreichor::migrate {

enum class Phase { kExpand, kContract };
const char* PhaseName(Phase p);  // "expand", "contract"

// One row of the journal.
struct JournalEntry {
  uint32_t version = 0;
  std::string name;
  Phase phase = Phase::kExpand;
  std::string checksum;
  std::string checksum_algorithm;
  std::string applied_at;
  std::string applied_by;
  int64_t duration_ms = 0;
};

// The journal of `schema` in version order; empty when it has no journal table. A row that does
// not read as the table's documented types is an error naming it.
Result<std::vector<JournalEntry>> ReadJournal(PgConnection& conn, const std::string& schema);

}  // namespace dreichor::migrate
