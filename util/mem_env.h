// MemEnv: an Env whose files live in memory (leveldb's helpers/memenv is the model), for the
// fuzz targets and the deterministic simulator, which open and recover logs and snapshots many
// thousands of times a second and must not depend on the machine's disk.
//
// Semantics follow POSIX where the callers can see them: a file is created only inside an
// existing directory; GetChildren lists the direct entries (files and directories) sorted;
// RenameFile replaces the target; a read-only file refuses new writers; a lock held through this
// Env refuses a second holder until released. Everything appended is visible at once and Sync
// always succeeds: crashes and disk faults are FaultInjectionEnv's job, stacked on top.
//
// Thread-safe. A WritableFile stays usable after its file is removed or renamed (it writes to
// the same contents, as an open descriptor would).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "util/env.h"

namespace dreichor {

class MemEnv final : public Env {
 public:
  MemEnv();
  ~MemEnv() override;

  Status ReadFile(const std::string& path, std::string* contents) override;
  Status ReadRange(const std::string& path, uint64_t offset, size_t n, std::string* out) override;
  Status DropCachedPages(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override;
  bool FileExists(const std::string& path) override;
  bool IsDirectory(const std::string& path) override;
  Result<uint64_t> FileSize(const std::string& path) override;
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status CreateDirs(const std::string& dir) override;
  Status SyncDir(const std::string& dir) override;
  Status SyncFile(const std::string& path) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Status MakeReadOnly(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;

  // Replaces (or creates) a file's whole contents; the directory must exist. For tests and fuzz
  // targets that start from given bytes.
  Status WriteWholeFile(const std::string& path, std::string_view contents);

 private:
  struct Contents;
  class File;
  class Lock;
  friend class Lock;

  // Under mu_.
  std::shared_ptr<Contents> Find(const std::string& path) const;
  // Takes mu_.
  std::shared_ptr<Contents> Lookup(const std::string& path) const;
  Result<std::unique_ptr<WritableFile>> OpenForWrite(const std::string& path, bool truncate);
  void Unlock(const std::string& path);

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Contents>> files_;
  std::set<std::string> dirs_;
  std::set<std::string> locked_;
};

}  // namespace dreichor
