#include "api/proof_routes.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/query.h"
#include "evidence/proof_json.h"
#include "http/reply.h"
#include "util/base64.h"

namespace dreichor::api {
namespace {

using http::ApiError;
using http::ErrorReply;
using http::Response;
using nlohmann::ordered_json;

// A failure of the tree itself (its files), as opposed to a question outside it.
Response TreeFailure(const Status& s) {
  if (s.code() == StatusCode::kInvalidArgument)
    return ErrorReply(ApiError::BadField("tree_size", s.message()));
  return ErrorReply(kAuditReadFailed, s.message());
}

Response Unsigned() {
  return ErrorReply(kCheckpointsUnsigned,
                    "this runtime signs no checkpoints (DREICHOR_CHECKPOINT_KEY is not set)");
}

}  // namespace

Response ReadCheckpoint(const evidence::Notary& notary, const http::RouteParams& params) {
  Query query(params.query(), {});
  if (query.error()) return ErrorReply(*query.error());
  std::optional<std::string> note = notary.LatestCheckpoint();
  if (!note) return Unsigned();
  Response r{boost::beast::http::status::ok, 11};
  r.set(boost::beast::http::field::content_type, "text/plain; charset=utf-8");
  r.body() = std::move(*note);
  return r;
}

Response ReadCheckpointKey(const evidence::Notary& notary, const http::RouteParams& params) {
  Query query(params.query(), {});
  if (query.error()) return ErrorReply(*query.error());
  if (!notary.signing()) return Unsigned();
  auto verifier = evidence::NoteVerifier::Parse(notary.verifier_key()).value();
  ordered_json j;
  j["origin"] = notary.origin();
  j["algorithm"] = "Ed25519";
  j["key_id"] = ToHex(verifier->key_id().data(), verifier->key_id().size());
  j["public_key"] = Base64Encode(std::string_view(
      reinterpret_cast<const char*>(verifier->public_key().data()), verifier->public_key().size()));
  j["verifier_key"] = notary.verifier_key();
  return http::JsonReply(200, j);
}

Response ReadInclusionProof(const evidence::Notary& notary, const http::RouteParams& params) {
  const evidence::TreeHead head = notary.head();
  Query query(params.query(), {"sequence", "tree_size"});
  const uint64_t tree_size = query.Get("tree_size", head.size, 1, head.size);
  const uint64_t sequence = query.Get("sequence", 0, 1, tree_size);
  if (query.error()) return ErrorReply(*query.error());
  if (sequence == 0) return ErrorReply(ApiError::BadField("sequence", "is required"));
  const evidence::TreeStore& tree = notary.tree();
  auto proof = tree.InclusionProof(sequence - 1, tree_size);
  if (!proof.ok()) return TreeFailure(proof.status());
  auto leaf = tree.LeafAt(sequence - 1);
  auto root = tree.RootAt(tree_size);
  if (!leaf.ok()) return TreeFailure(leaf.status());
  if (!root.ok()) return TreeFailure(root.status());
  return http::JsonReply(200, evidence::InclusionProofJson(sequence, tree_size, leaf.value(),
                                                           root.value(), proof.value()));
}

Response ReadConsistencyProof(const evidence::Notary& notary, const http::RouteParams& params) {
  const evidence::TreeHead head = notary.head();
  Query query(params.query(), {"from", "to"});
  const uint64_t to = query.Get("to", head.size, 1, head.size);
  const uint64_t from = query.Get("from", 0, 1, to);
  if (query.error()) return ErrorReply(*query.error());
  if (from == 0) return ErrorReply(ApiError::BadField("from", "is required"));
  const evidence::TreeStore& tree = notary.tree();
  auto proof = tree.ConsistencyProof(from, to);
  if (!proof.ok()) return TreeFailure(proof.status());
  auto from_root = tree.RootAt(from);
  auto to_root = tree.RootAt(to);
  if (!from_root.ok()) return TreeFailure(from_root.status());
  if (!to_root.ok()) return TreeFailure(to_root.status());
  return http::JsonReply(200, evidence::ConsistencyProofJson(from, to, from_root.value(),
                                                             to_root.value(), proof.value()));
}

}  // namespace dreichor::api
