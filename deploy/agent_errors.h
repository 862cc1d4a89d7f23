// Every error code the deploy agent sends, with its status (docs/deploy-agent.md lists them),
// beside the server's and the JSON reader's codes of http/error.h.
#pragma once

#include "http/error.h"

namespace dreichor::deploy {

inline constexpr http::ErrorCode kBadTag{400, "bad_tag"};
inline constexpr http::ErrorCode kUnauthenticated{401, "unauthenticated"};
inline constexpr http::ErrorCode kForbidden{403, "forbidden"};
inline constexpr http::ErrorCode kBusy{409, "busy"};
inline constexpr http::ErrorCode kNothingToRollBackTo{409, "nothing_to_roll_back_to"};
inline constexpr http::ErrorCode kNotRunning{409, "not_running"};
inline constexpr http::ErrorCode kNoContainer{409, "no_container"};
inline constexpr http::ErrorCode kAlreadyRunning{409, "already_running"};
inline constexpr http::ErrorCode kNoPromotionSource{409, "no_promotion_source"};
inline constexpr http::ErrorCode kNothingToPromote{409, "nothing_to_promote"};
inline constexpr http::ErrorCode kHistoryFailed{500, "history_failed"};
inline constexpr http::ErrorCode kPromotionSourceUnavailable{502, "promotion_source_unavailable"};
inline constexpr http::ErrorCode kEngineError{502, "engine_error"};
inline constexpr http::ErrorCode kAgentShuttingDown{503, "shutting_down"};

}  // namespace dreichor::deploy
