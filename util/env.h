// Env: every file-system access outside tests goes through this interface (leveldb's Env is the
// model), so tests can inject short writes, ENOSPC, EIO on read, write or sync, and crashes that
// drop whatever was not yet synced (util/fault_injection_env.h). Time is util/clock.h's.
//
//   Env* env = Env::Default();
//   auto file = env->NewAppendableFile(dir + "/x");
//   if (!file.ok()) return file.status();
//   Status s = file.value()->Append(bytes);
//   if (s.ok()) s = file.value()->Sync();
//
// Errors name the path and the operating system's reason. Env::Default() is thread-safe;
// a WritableFile is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace dreichor {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends all of `data`, continuing after short writes. On error an unknown prefix of `data`
  // may have been written.
  virtual Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync). After a failed Sync nothing is known
  // about what reached the disk; callers must not retry it and pretend it succeeded.
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
};

// An exclusive advisory lock on a file, held until destruction.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX environment.
  static Env* Default();

  virtual Status ReadFile(const std::string& path, std::string* contents) = 0;
  // Reads up to n bytes at `offset`; fewer at the end of the file.
  virtual Status ReadRange(const std::string& path, uint64_t offset, size_t n,
                           std::string* out) = 0;
  // Asks the kernel to drop the file's clean cached pages, so that the next read comes from the
  // storage device (for a scrub: damage on the disk hides behind a cached copy). Advisory: a
  // success does not promise the pages are gone.
  virtual Status DropCachedPages(const std::string& path) = 0;
  // Creates or truncates.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Creates if missing; appends at the end.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory, excluding "." and "..", sorted.
  virtual Status GetChildren(const std::string& dir, std::vector<std::string>* names) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual bool IsDirectory(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Creates a directory and any missing parents.
  virtual Status CreateDirs(const std::string& dir) = 0;
  // Makes the directory's entries (creations, renames, removals) durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Makes everything the file holds durable (fsync through a read-only descriptor, so it
  // works on read-only files): for data found at recovery that may never have been synced.
  virtual Status SyncFile(const std::string& path) = 0;
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  // Removes every write permission from the file.
  virtual Status MakeReadOnly(const std::string& path) = 0;
  // Takes an exclusive lock on `path` (created if missing) without waiting; fails naming the
  // path when another process or another lock in this process holds it.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;
};

// Proves `dir` (created if missing) writable by creating, syncing and removing a probe file: what
// a service checks at startup about the directories it must write.
Status CheckWritableDir(Env* env, const std::string& dir);

}  // namespace dreichor
