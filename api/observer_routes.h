// The observer API's reads (docs/api.md, "Observer"). Each takes the sequencer, whose shared
// lock every read goes through (so it sees a state between two commands, never during one),
// and the matched request's parameters, and returns the whole answer.
#pragma once

#include "audit/audit_log.h"
#include "http/router.h"
#include "runtime/sequencer.h"

namespace dreichor::api {

using Read = http::Response (*)(const runtime::Sequencer&, audit::AuditLog*,
                                const http::RouteParams&);

// GET /v1/state
http::Response ReadState(const runtime::Sequencer&, audit::AuditLog*, const http::RouteParams&);
// GET /v1/markets, /v1/markets/{market}, /v1/markets/{market}/depth, .../trades
http::Response ReadMarkets(const runtime::Sequencer&, audit::AuditLog*, const http::RouteParams&);
http::Response ReadMarket(const runtime::Sequencer&, audit::AuditLog*, const http::RouteParams&);
http::Response ReadDepth(const runtime::Sequencer&, audit::AuditLog*, const http::RouteParams&);
http::Response ReadTrades(const runtime::Sequencer&, audit::AuditLog*, const http::RouteParams&);
// GET /v1/accounts/{account}/balances, /v1/accounts/{account}/orders
http::Response ReadBalances(const runtime::Sequencer&, audit::AuditLog*, const http::RouteParams&);
http::Response ReadAccountOrders(const runtime::Sequencer&, audit::AuditLog*,
                                 const http::RouteParams&);
// GET /v1/orders/{order_id}
http::Response ReadOrder(const runtime::Sequencer&, audit::AuditLog*, const http::RouteParams&);
// GET /v1/audit/records?from=&limit=
http::Response ReadAuditRecords(const runtime::Sequencer&, audit::AuditLog*,
                                const http::RouteParams&);

}  // namespace dreichor::api
