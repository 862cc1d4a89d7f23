// The audit log's evidence routes (docs/audit-proofs.md; observer side, read-only):
//
//   GET /v1/audit/checkpoint                            the newest signed checkpoint (text)
//   GET /v1/audit/key                                   the key that signs checkpoints
//   GET /v1/audit/proof/inclusion?sequence=S[&tree_size=N]
//   GET /v1/audit/proof/consistency?from=M&to=N
//
// Hashes are base64, proofs in RFC 9162 order. A tree size left out is the newest checkpoint's.
#pragma once

#include "evidence/notary.h"
#include "http/router.h"

namespace dreichor::api {

inline constexpr std::string_view kCheckpointPath = "/v1/audit/checkpoint";
inline constexpr std::string_view kCheckpointKeyPath = "/v1/audit/key";
inline constexpr std::string_view kInclusionProofPath = "/v1/audit/proof/inclusion";
inline constexpr std::string_view kConsistencyProofPath = "/v1/audit/proof/consistency";

using ProofRead = http::Response (*)(const evidence::Notary&, const http::RouteParams&);

http::Response ReadCheckpoint(const evidence::Notary& notary, const http::RouteParams& params);
http::Response ReadCheckpointKey(const evidence::Notary& notary, const http::RouteParams& params);
http::Response ReadInclusionProof(const evidence::Notary& notary, const http::RouteParams& params);
http::Response ReadConsistencyProof(const evidence::Notary& notary,
                                    const http::RouteParams& params);

}  // namespace dreichor::api
