// CloudEvents 1.0 (JSON event format) for audit records, one event per line:
//
//   {"specversion":"1.0","id":"<event id>","source":"<source>",
//    "type":"com.dreichor.command.place_order","time":"2026-11-22T10:15:30.123456789Z",
//    "subject":"account/7","datacontenttype":"application/json",
//    "sequence":"00000000000000000042",
//    "data":{"command":"place_order",...,"chain_hash":"<hex>"}}
//
// `sequence` is the CloudEvents sequence extension: the record's sequence number zero-padded to
// 20 digits, so that it sorts as text. `subject` is what the command is about: "account/<id>"
// for trading, deposits, withdrawals and risk limits, "market/<id>" for market commands. A
// payload that does not decode is exported with type com.dreichor.record.undecodable and its
// bytes in data_base64.
#pragma once

#include <string>
#include <string_view>

#include "audit/record.h"

namespace dreichor::cli {

std::string CloudEventLine(const audit::Record& record, const std::string& source);

// The `source` of a log's events: "urn:dreichor:audit:" + the log's description
// ("file:/var/lib/dreichor/audit-events"), with every byte outside RFC 3986's unreserved
// characters and ":", "/", "@" percent-encoded, so that any path (spaces, non-ASCII names) gives
// a valid URI reference.
std::string AuditSourceUri(std::string_view log_description);

}  // namespace dreichor::cli
