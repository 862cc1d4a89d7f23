#include "migrate/journal.h"

#include "util/parse_number.h"

namespace dreichor::migrate {

const char* PhaseName(Phase p) { return p == Phase::kExpand ? "expand" : "contract"; }

Result<std::vector<JournalEntry>> ReadJournal(PgConnection& conn, const std::string& schema) {
  const std::string table = QuoteIdent(schema) + ".dreichor_migrations";
  auto exists = conn.Exec("SELECT to_regclass($1) IS NOT NULL", {table});
  if (!exists.ok()) return exists.status();
  std::vector<JournalEntry> out;
  if (exists.value().rows[0][0] != "t") return out;
  auto rows = conn.Exec(
      "SELECT version, name, phase, checksum, checksum_algorithm, applied_at::text, applied_by, "
      "duration_ms FROM " +
      table + " ORDER BY version");
  if (!rows.ok()) return rows.status();
  for (const auto& r : rows.value().rows) {
    const auto version = ParseDecimal(r[0]);
    const auto duration = ParseSignedDecimal(r[7]);
    if (!version || *version > UINT32_MAX || !duration ||
        (r[2] != "expand" && r[2] != "contract")) {
      return Status::Corruption(table + ": the row of version '" + r[0] +
                                "' does not read as a journal entry");
    }
    JournalEntry e;
    e.version = static_cast<uint32_t>(*version);
    e.name = r[1];
    e.phase = r[2] == "contract" ? Phase::kContract : Phase::kExpand;
    e.checksum = r[3];
    e.checksum_algorithm = r[4];
    e.applied_at = r[5];
    e.applied_by = r[6];
    e.duration_ms = *duration;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace dreichor::migrate
