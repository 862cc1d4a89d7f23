// One-line, human-readable descriptions of commands for operator output, e.g.
//   place_order account=7 market=1 buy limit 5@100 client_order_id=42
#pragma once

#include <string>

#include "engine/command.h"

namespace dreichor::cli {

std::string DescribeCommand(const engine::Command& command);

}  // namespace dreichor::cli
