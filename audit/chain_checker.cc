#include "audit/chain_checker.h"

#include <string>

namespace dreichor::audit {

Status ChainChecker::Check(const Record& r) {
  if (r.sequence != sequence_ + 1) {
    return Status::Corruption("sequence gap: expected " + std::to_string(sequence_ + 1) +
                              ", found " + std::to_string(r.sequence));
  }
  const Digest computed = ChainHash(chain_, r);
  if (computed != r.chain) {
    return Status::Corruption("chain break at sequence " + std::to_string(r.sequence) +
                              ": stored " + ToHex(r.chain).substr(0, 16) + "..., computed " +
                              ToHex(computed).substr(0, 16) + "...");
  }
  sequence_ = r.sequence;
  chain_ = computed;
  return Status::Ok();
}

}  // namespace dreichor::audit
