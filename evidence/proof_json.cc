#include "evidence/proof_json.h"

namespace dreichor::evidence {
namespace {

nlohmann::ordered_json HashList(const std::vector<Hash>& hashes) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Hash& h : hashes) list.push_back(HashToBase64(h));
  return list;
}

}  // namespace

nlohmann::ordered_json InclusionProofJson(uint64_t sequence, uint64_t tree_size, const Hash& leaf,
                                          const Hash& root, const std::vector<Hash>& proof) {
  nlohmann::ordered_json j;
  j["sequence"] = sequence;
  j["leaf_index"] = sequence - 1;
  j["tree_size"] = tree_size;
  j["leaf_hash"] = HashToBase64(leaf);
  j["root_hash"] = HashToBase64(root);
  j["hashes"] = HashList(proof);
  return j;
}

nlohmann::ordered_json ConsistencyProofJson(uint64_t from, uint64_t to, const Hash& from_root,
                                            const Hash& to_root, const std::vector<Hash>& proof) {
  nlohmann::ordered_json j;
  j["from"] = from;
  j["to"] = to;
  j["from_root_hash"] = HashToBase64(from_root);
  j["to_root_hash"] = HashToBase64(to_root);
  j["hashes"] = HashList(proof);
  return j;
}

}  // namespace dreichor::evidence
