// FaultInjectionEnv: an Env for tests that wraps a real one and can make it fail the way disks
// and kernels do.
//
// - SimulateCrash(): every file written through this Env loses what was appended after its last
//   successful Sync, and files created since their directory's last SyncDir disappear: what a
//   machine that lost power would show, at the worst moment.
// - SetWriteBudget(n, err): after n more appended bytes, an Append writes the part that fits
//   and fails with `err` (ENOSPC: a full disk; a short write followed by an error).
// - FailWrites(err): every Append fails with `err` before writing anything.
// - FailSyncs(err): every Sync fails with `err` (EIO) and syncs nothing.
// - FailReadsOf(path, err): every read of `path` fails with `err` (EIO: a latent sector error).
// - SetSyncsLie(true): every Sync reports success and makes nothing durable (a disk or
//   controller that acknowledges a flush it did not do): what a checker must catch after a crash.
//
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "util/env.h"

namespace dreichor {

class FaultInjectionEnv final : public Env {
 public:
  explicit FaultInjectionEnv(Env* base) : base_(base) {}

  void SimulateCrash();
  void SetWriteBudget(uint64_t bytes, int err);
  void FailWrites(int err);
  void FailSyncs(int err);
  void FailReadsOf(const std::string& path, int err);
  void SetSyncsLie(bool lie);
  void ClearFaults();

  Status ReadFile(const std::string& path, std::string* contents) override;
  Status ReadRange(const std::string& path, uint64_t offset, size_t n, std::string* out) override;
  Status DropCachedPages(const std::string& path) override { return base_->DropCachedPages(path); }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override {
    return base_->GetChildren(dir, names);
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  bool IsDirectory(const std::string& path) override { return base_->IsDirectory(path); }
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status CreateDirs(const std::string& dir) override { return base_->CreateDirs(dir); }
  Status SyncDir(const std::string& dir) override;
  Status SyncFile(const std::string& path) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Status MakeReadOnly(const std::string& path) override { return base_->MakeReadOnly(path); }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return base_->LockFile(path);
  }

 private:
  friend class FaultInjectionFile;
  struct FileState {
    uint64_t size = 0;
    uint64_t synced = 0;
    bool entry_durable = true;  // false until the directory is synced after creation
  };
  // Hooks for FaultInjectionFile, under mu_.
  Status BeforeAppend(const std::string& path, std::string_view* data, bool* then_fail);
  void AfterAppend(const std::string& path, size_t n);
  int SyncErrno();  // 0 unless syncs are to fail
  bool SyncsLie();
  // A sync of `path` as the faults say: an injected error, a lie, or `base_sync` then recorded.
  Status FaultySync(const std::string& path, const std::function<Status()>& base_sync);
  void AfterSync(const std::string& path);
  Result<std::unique_ptr<WritableFile>> Wrap(const std::string& path,
                                             Result<std::unique_ptr<WritableFile>> base,
                                             bool truncated);

  Env* base_;
  std::mutex mu_;
  std::map<std::string, FileState> files_;
  std::optional<uint64_t> write_budget_;
  int budget_errno_ = 0;
  int write_errno_ = 0;
  int sync_errno_ = 0;
  bool syncs_lie_ = false;
  std::map<std::string, int> read_errno_;  // by path
};

}  // namespace dreichor
