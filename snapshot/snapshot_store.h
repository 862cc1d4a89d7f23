// SnapshotStore: writes, lists and reads snapshot files in the snapshots directory.
//
// A snapshot is the engine's canonical state after a given audit record, with that record's
// sequence number and chain hash and the state's hash, compressed with zstd and closed by a
// checksum (docs/snapshot-format.md). Snapshots are derived data: a missing or bad one only
// costs replay time; runtime/replay.h decides which one to trust.
//
// Write is atomic: a temporary file is written and synced, renamed into place, and the directory
// is synced; then all but the newest `retain` snapshots are removed. Callers run it off the
// engine's thread (it compresses and syncs).
//
//   SnapshotStore store(Env::Default(), "/var/lib/dreichor/snapshots", SnapshotOptions{});
//   Status s = store.Write(SnapshotMeta{seq, chain, engine.StateHash(), now}, state_bytes);
//
// Thread-compatible: one writer at a time; reads may run concurrently with each other.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/env.h"
#include "util/sha256.h"
#include "util/status.h"

namespace dreichor::snapshot {

using Digest = Sha256::Digest;

struct SnapshotMeta {
  uint64_t sequence = 0;      // the last audit record the state includes
  Digest chain{};             // that record's chain hash
  Digest state_hash{};        // SHA-256 of the state bytes
  int64_t created_at_ns = 0;  // wall clock when written (informational)
};

struct SnapshotFile {
  std::string name;
  uint64_t sequence = 0;  // from the file name
  uint64_t size = 0;
};

struct LoadedSnapshot {
  SnapshotMeta meta;
  std::string state;  // decompressed engine state
};

struct SnapshotOptions {
  size_t retain = 3;  // newest snapshots kept after each write (at least 1)
  int zstd_level = 3;
};

class SnapshotStore {
 public:
  SnapshotStore(Env* env, std::string dir, SnapshotOptions options)
      : env_(env), dir_(std::move(dir)), options_(options) {}

  Status Write(const SnapshotMeta& meta, std::string_view state);
  // Snapshot files, newest (highest sequence) first. Temporary files are not listed.
  Result<std::vector<SnapshotFile>> List() const;
  // Reads one snapshot, checking its structure and checksum and decompressing it; the error
  // says what is wrong (checksum, truncation, unsupported version, bad compression).
  Result<LoadedSnapshot> Read(const std::string& name) const;
  // Moves a snapshot, unchanged, into <dir>/quarantine/ (created if missing) and syncs both
  // directories. Quarantined files are evidence: never listed, read for replay or pruned.
  Status Quarantine(const std::string& name);

  const std::string& dir() const { return dir_; }

 private:
  Status Prune();

  Env* env_;
  std::string dir_;
  SnapshotOptions options_;
};

std::string SnapshotFileName(uint64_t sequence);

}  // namespace dreichor::snapshot
