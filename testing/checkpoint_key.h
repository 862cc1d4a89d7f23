// A checkpoint signing key for a runtime started by a test (DREICHOR_CHECKPOINT_KEY): generated
// fresh for each call, so no key is ever in the repository. Tests that check signatures read the
// verifier key back from the runtime (GET /v1/audit/key) or derive it from the returned text.
#pragma once

#include <string>

#include "evidence/note_key.h"

namespace dreichor::testing {

inline std::string NewCheckpointKey(const std::string& env) {
  return evidence::NoteSigner::Generate("dreichor.test/" + env + "/audit").value()->SignerKey();
}

}  // namespace dreichor::testing
