// Shared-secret bearer credentials: the runtime's admin and trading tokens, the deploy agents'
// promotion-link tokens.
#pragma once

#include <string>

#include "http/server.h"

namespace dreichor::http {

// Whether `request` carries exactly one `Authorization: Bearer <token>` (with two, which one a
// proxy checked and which one is read here could differ). Both sides are hashed before the
// constant-time comparison, so neither the length nor the content of the token leaks. An empty
// `token` matches nothing.
bool HasBearerToken(const Request& request, const std::string& token);

}  // namespace dreichor::http
