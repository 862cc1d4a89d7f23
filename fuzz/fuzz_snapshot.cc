// Fuzz target: a snapshot file (docs/snapshot-format.md): header, zstd-compressed state, CRC.
//
// Any bytes as a snapshot file: reading either refuses with a reason or gives a state whose
// SHA-256 the caller can check, and the state itself goes through the engine's decoder. The
// store never trusts a header's sizes (a hostile raw size must not allocate gigabytes).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/engine.h"
#include "snapshot/snapshot_store.h"
#include "util/mem_env.h"

using namespace dreichor;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  MemEnv env;
  if (!env.CreateDirs("/snapshots").ok()) std::abort();
  const std::string name = snapshot::SnapshotFileName(7);
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!env.WriteWholeFile("/snapshots/" + name, input).ok()) std::abort();
  snapshot::SnapshotStore store(&env, "/snapshots", snapshot::SnapshotOptions{});
  auto loaded = store.Read(name);
  if (!loaded.ok()) {
    if (loaded.status().message().empty()) std::abort();
    return 0;
  }
  auto engine = engine::Engine::Deserialize(loaded.value().state);
  if (engine.ok() && !engine.value()->CheckInvariants().ok()) std::abort();
  return 0;
}
