// CloudEvents 1.0 (JSON event format) for audit records: the mapping `dreichor audit export`
// writes (one event per line) and the record stream sends (docs/record-stream.md).
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
//
// A committed record (CommittedEventJson) is the same event whose data also carries what a
// follower needs to rebuild the record exactly and what the command did:
//   "timestamp_ns":<int>, "payload_base64":"<the stored command bytes>",
//   "outcome":{"accepted":bool,"reason":null|{"code","message"},"order_id":<int, when one>},
//   "events":[<engine events, as in command answers>]
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "audit/record.h"
#include "engine/event.h"

namespace dreichor::stream {

std::string CloudEventLine(const audit::Record& record, const std::string& source);

// A record the runtime applied, with its outcome and events.
std::string CommittedEventJson(const audit::Record& record, const engine::Outcome& outcome,
                               const std::vector<engine::Event>& events, const std::string& source);

// The `source` of a log's events: "urn:dreichor:audit:" + the log's description
// ("file:/var/lib/dreichor/audit-events"), with every byte outside RFC 3986's unreserved
// characters and ":", "/", "@" percent-encoded, so that any path (spaces, non-ASCII names) gives
// a valid URI reference.
std::string AuditSourceUri(std::string_view log_description);

}  // namespace dreichor::stream
