// Every error code the runtime's API sends, with its status: the routes' own codes here, the
// server's and the JSON reader's in http/error.h. kRuntimeApiErrors is the complete list;
// docs/api.md's error table must list exactly these (a test compares them).
#pragma once

#include "http/error.h"

namespace dreichor::api {

inline constexpr http::ErrorCode kUnknownParameter{400, "unknown_parameter"};
inline constexpr http::ErrorCode kUnauthorized{401, "unauthorized"};
inline constexpr http::ErrorCode kUnknownMarket{404, "unknown_market"};
inline constexpr http::ErrorCode kUnknownAccount{404, "unknown_account"};
inline constexpr http::ErrorCode kOrderNotOpen{404, "order_not_open"};
inline constexpr http::ErrorCode kCheckpointsUnsigned{404, "checkpoints_unsigned"};
inline constexpr http::ErrorCode kUnsupportedMediaType{415, "unsupported_media_type"};
inline constexpr http::ErrorCode kAuditReadFailed{500, "audit_read_failed"};
inline constexpr http::ErrorCode kStarting{503, "starting"};
inline constexpr http::ErrorCode kShuttingDown{503, "shutting_down"};
inline constexpr http::ErrorCode kPersistenceFailed{503, "persistence_failed"};
inline constexpr http::ErrorCode kNotDurable{503, "not_durable"};
inline constexpr http::ErrorCode kNotReady{503, "not_ready"};
inline constexpr http::ErrorCode kAuditTreeUnavailable{503, "audit_tree_unavailable"};

inline constexpr const http::ErrorCode* kRuntimeApiErrors[] = {
    &http::kMalformedJson,
    &http::kInvalidField,
    &http::kUnknownField,
    &kUnknownParameter,
    &http::kMalformedHttp,
    &kUnauthorized,
    &http::kNotFound,
    &kUnknownMarket,
    &kUnknownAccount,
    &kOrderNotOpen,
    &kCheckpointsUnsigned,
    &http::kMethodNotAllowed,
    &http::kBodyTooLarge,
    &http::kHeadersTooLarge,
    &kUnsupportedMediaType,
    &http::kUpgradeRequired,
    &http::kInternal,
    &kAuditReadFailed,
    &kStarting,
    &kShuttingDown,
    &kPersistenceFailed,
    &kNotDurable,
    &kNotReady,
    &kAuditTreeUnavailable,
    &http::kTooManyConnections,
};

}  // namespace dreichor::api
