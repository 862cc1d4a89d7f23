// The answer to a durable command (docs/api.md, "Command answers"):
//
//   {"sequence":..,"timestamp":"..","timestamp_ns":..,"event_id":"..","accepted":..,
//    "reason":{"code":..,"message":..}|null,"order_id":..,"events":[...]}
//
// Written without building a document (one per order: allocation matters).
#pragma once

#include <string>

#include "runtime/sequencer.h"

namespace dreichor::api {

std::string CommandResponseBody(const runtime::CommandResult& result);

}  // namespace dreichor::api
