// `dreichor audit failover`: the recorded step that makes a promoted standby the PostgreSQL log's
// primary (infra/db/REPLICATION.md). It appends the next epoch to the promoted server's log, with
// the sequence and chain hash the log has there; the runtime, configured with that epoch
// (DREICHOR_DATABASE_EPOCH), then writes to this server and refuses every server of an older
// epoch, such as the old primary.
#pragma once

#include <ostream>
#include <string>

#include "cli/commands.h"

namespace dreichor::cli {

// `source` must name a database (as the environment's migration role, which owns the epochs
// table). Refused while the server is still a standby, while a runtime holds the log's lock, or
// without a note saying why.
int AuditFailover(const LogSource& source, const std::string& note, std::ostream& out,
                  std::ostream& err);

}  // namespace dreichor::cli
