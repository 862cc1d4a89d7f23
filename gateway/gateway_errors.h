// Every error code the gateway itself sends, with its status (docs/gateway.md, "Errors"). The
// runtime's answers to forwarded requests pass through unchanged and carry the runtime's codes
// (docs/api.md). In a session the same codes arrive as {"type":"error","code":...} messages.
#pragma once

#include "http/error.h"

namespace dreichor::gateway {

inline constexpr http::ErrorCode kMissingSignature{401, "missing_signature"};
inline constexpr http::ErrorCode kUnknownApiKey{401, "unknown_api_key"};
inline constexpr http::ErrorCode kApiKeyRevoked{401, "api_key_revoked"};
inline constexpr http::ErrorCode kStaleTimestamp{401, "stale_timestamp"};
inline constexpr http::ErrorCode kBadSignature{401, "bad_signature"};
inline constexpr http::ErrorCode kReplayed{401, "replayed"};
inline constexpr http::ErrorCode kPermissionDenied{403, "permission_denied"};
inline constexpr http::ErrorCode kAccountMismatch{403, "account_mismatch"};
inline constexpr http::ErrorCode kOrderNotOpen{404, "order_not_open"};
inline constexpr http::ErrorCode kRateLimited{429, "rate_limited"};
inline constexpr http::ErrorCode kRuntimeUnavailable{502, "runtime_unavailable"};
inline constexpr http::ErrorCode kGatewayBusy{503, "gateway_busy"};
inline constexpr http::ErrorCode kNotReady{503, "not_ready"};
// Session protocol only.
inline constexpr http::ErrorCode kLogonRequired{400, "logon_required"};
inline constexpr http::ErrorCode kSequenceOutOfOrder{400, "seq_out_of_order"};
inline constexpr http::ErrorCode kUnknownOp{400, "unknown_op"};
inline constexpr http::ErrorCode kTooManyInFlight{429, "too_many_in_flight"};

inline constexpr const http::ErrorCode* kGatewayErrors[] = {
    &http::kMalformedJson,
    &http::kInvalidField,
    &http::kMalformedHttp,
    &kMissingSignature,
    &kUnknownApiKey,
    &kApiKeyRevoked,
    &kStaleTimestamp,
    &kBadSignature,
    &kReplayed,
    &kPermissionDenied,
    &kAccountMismatch,
    &http::kNotFound,
    &kOrderNotOpen,
    &http::kMethodNotAllowed,
    &http::kBodyTooLarge,
    &http::kUpgradeRequired,
    &http::kHeadersTooLarge,
    &kRateLimited,
    &kRuntimeUnavailable,
    &kGatewayBusy,
    &kNotReady,
    &http::kTooManyConnections,
    &kLogonRequired,
    &kSequenceOutOfOrder,
    &kUnknownOp,
    &kTooManyInFlight,
};

}  // namespace dreichor::gateway
