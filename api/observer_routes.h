// The observer API's reads (docs/api.md, "Observer"). Each takes a state view — the runtime's
// sequencer, or a market-data follower's engine — whose lock every read goes through (so it
// sees a state between two commands, never during one), and the matched request's parameters,
// and returns the whole answer. Only ReadAuditRecords needs the log; the others take null.
#pragma once

#include "audit/audit_log.h"
#include "http/router.h"
#include "runtime/state_view.h"

namespace dreichor::api {

using Read = http::Response (*)(const runtime::StateView&, audit::AuditLog*,
                                const http::RouteParams&);

// GET /v1/state
http::Response ReadState(const runtime::StateView&, audit::AuditLog*, const http::RouteParams&);
// GET /v1/markets, /v1/markets/{market}, /v1/markets/{market}/depth, .../trades
http::Response ReadMarkets(const runtime::StateView&, audit::AuditLog*, const http::RouteParams&);
http::Response ReadMarket(const runtime::StateView&, audit::AuditLog*, const http::RouteParams&);
http::Response ReadDepth(const runtime::StateView&, audit::AuditLog*, const http::RouteParams&);
http::Response ReadTrades(const runtime::StateView&, audit::AuditLog*, const http::RouteParams&);
// GET /v1/accounts/{account}/balances, /v1/accounts/{account}/orders
http::Response ReadBalances(const runtime::StateView&, audit::AuditLog*, const http::RouteParams&);
http::Response ReadAccountOrders(const runtime::StateView&, audit::AuditLog*,
                                 const http::RouteParams&);
// GET /v1/orders/{order_id}
http::Response ReadOrder(const runtime::StateView&, audit::AuditLog*, const http::RouteParams&);
// GET /v1/audit/retention: the engine's evidence policy (retention rules, legal holds)
http::Response ReadRetention(const runtime::StateView&, audit::AuditLog*, const http::RouteParams&);
// GET /v1/audit/records?from=&limit=
http::Response ReadAuditRecords(const runtime::StateView&, audit::AuditLog*,
                                const http::RouteParams&);

}  // namespace dreichor::api
