// The database migrations this build of the runtime needs (postgres audit backend): every
// expand migration of infra/db/migrations/ for the main target. The runtime's schema phase
// refuses to start while any is missing from the target's journal; it never runs DDL itself.
// A test checks this list against the migration files.
#pragma once

#include <cstdint>

namespace dreichor::service {

struct RequiredMigration {
  uint32_t version;
  const char* name;
};

inline constexpr RequiredMigration kRequiredMigrations[] = {
    {1, "audit_events"},
    {2, "audit_log_epochs"},
};

}  // namespace dreichor::service
