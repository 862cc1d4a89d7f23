// `dreichor deploy history verify|show DIR`: the deploy agent's history (deploy/history.h).
#pragma once

#include <ostream>
#include <string>

namespace dreichor::cli {

// Checks every record's checksum, the whole hash chain and that every payload is a JSON object;
// prints the entry count and the last chain hash.
int DeployHistoryVerify(const std::string& dir, std::ostream& out, std::ostream& err);
// Prints the last `count` entries, oldest first, one JSON object per line.
int DeployHistoryShow(const std::string& dir, size_t count, std::ostream& out, std::ostream& err);

}  // namespace dreichor::cli
