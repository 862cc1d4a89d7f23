// Replacing a whole small file so that a reader (or a crash) sees the old bytes or the new ones,
// never a mixture: written to `path.tmp`, renamed over `path`.
//
//   WriteFileAtomically(env, dir + "/PRUNED", bytes);                        // durable
//   WriteFileAtomically(env, file, note, {.sync = false});                   // atomic only
//   WriteFileAtomically(env, path, note, {.sync = true, .read_only = true}); // kept as evidence
#pragma once

#include <string>
#include <string_view>

#include "util/env.h"
#include "util/status.h"

namespace dreichor {

struct AtomicWriteOptions {
  // Sync the file before the rename and its directory after it: once this returns, the new
  // bytes survive a power loss. Without it the replacement is atomic but may be lost.
  bool sync = true;
  bool read_only = false;  // the file is made read-only before it takes its name
};

// A `path.tmp` left by an earlier attempt is removed first.
Status WriteFileAtomically(Env* env, const std::string& path, std::string_view bytes,
                           AtomicWriteOptions options = {});

}  // namespace dreichor
