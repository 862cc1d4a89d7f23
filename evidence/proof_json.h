// The JSON forms of the proofs (docs/audit-proofs.md, "Routes"): what the runtime's routes answer
// and what `dreichor audit prove` prints, one definition for both.
//
//   {"sequence","leaf_index","tree_size","leaf_hash","root_hash","hashes":[…]}
//   {"from","to","from_root_hash","to_root_hash","hashes":[…]}
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "evidence/merkle.h"

namespace dreichor::evidence {

nlohmann::ordered_json InclusionProofJson(uint64_t sequence, uint64_t tree_size, const Hash& leaf,
                                          const Hash& root, const std::vector<Hash>& proof);
nlohmann::ordered_json ConsistencyProofJson(uint64_t from, uint64_t to, const Hash& from_root,
                                            const Hash& to_root, const std::vector<Hash>& proof);

}  // namespace dreichor::evidence
