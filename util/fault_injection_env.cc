#include "util/fault_injection_env.h"

#include <cstring>

namespace dreichor {

namespace {
std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}
Status Injected(const std::string& what, const std::string& path, int err) {
  return Status::IoError(what + " " + path + ": " + std::strerror(err) + " (injected)");
}
}  // namespace

class FaultInjectionFile final : public WritableFile {
 public:
  FaultInjectionFile(FaultInjectionEnv* env, std::string path, std::unique_ptr<WritableFile> base)
      : env_(env), path_(std::move(path)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    bool then_fail = false;
    Status s = env_->BeforeAppend(path_, &data, &then_fail);
    if (!s.ok() && !then_fail) return s;
    Status w = base_->Append(data);
    if (!w.ok()) return w;
    env_->AfterAppend(path_, data.size());
    return s;  // the injected error after a short write, or ok
  }
  Status Sync() override {
    return env_->FaultySync(path_, [this] { return base_->Sync(); });
  }
  Status Close() override { return base_->Close(); }

 private:
  FaultInjectionEnv* env_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::Wrap(
    const std::string& path, Result<std::unique_ptr<WritableFile>> base, bool truncated) {
  if (!base.ok()) return base.status();
  std::lock_guard<std::mutex> guard(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) {
    FileState st;
    auto size = base_->FileSize(path);
    st.size = st.synced = truncated || !size.ok() ? 0 : size.value();
    // A file that did not exist before is only durable once its directory is synced.
    st.entry_durable = false;
    files_[path] = st;
  } else if (truncated) {
    it->second.size = it->second.synced = 0;
  }
  return std::unique_ptr<WritableFile>(new FaultInjectionFile(this, path, std::move(base).value()));
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(const std::string& path) {
  const bool existed = base_->FileExists(path);
  auto r = Wrap(path, base_->NewWritableFile(path), /*truncated=*/true);
  if (r.ok() && existed) {
    std::lock_guard<std::mutex> guard(mu_);
    files_[path].entry_durable = true;
  }
  return r;
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewAppendableFile(
    const std::string& path) {
  const bool existed = base_->FileExists(path);
  auto r = Wrap(path, base_->NewAppendableFile(path), /*truncated=*/false);
  if (r.ok() && existed) {
    std::lock_guard<std::mutex> guard(mu_);
    files_[path].entry_durable = true;
  }
  return r;
}

Status FaultInjectionEnv::BeforeAppend(const std::string& path, std::string_view* data,
                                       bool* then_fail) {
  std::lock_guard<std::mutex> guard(mu_);
  if (write_errno_ != 0) return Injected("write", path, write_errno_);
  if (write_budget_ && data->size() > *write_budget_) {
    *data = data->substr(0, *write_budget_);
    *write_budget_ = 0;
    *then_fail = true;
    return Injected("write", path, budget_errno_);
  }
  if (write_budget_) *write_budget_ -= data->size();
  return Status::Ok();
}

void FaultInjectionEnv::AfterAppend(const std::string& path, size_t n) {
  std::lock_guard<std::mutex> guard(mu_);
  files_[path].size += n;
}

int FaultInjectionEnv::SyncErrno() {
  std::lock_guard<std::mutex> guard(mu_);
  return sync_errno_;
}

bool FaultInjectionEnv::SyncsLie() {
  std::lock_guard<std::mutex> guard(mu_);
  return syncs_lie_;
}

void FaultInjectionEnv::SetSyncsLie(bool lie) {
  std::lock_guard<std::mutex> guard(mu_);
  syncs_lie_ = lie;
}

void FaultInjectionEnv::AfterSync(const std::string& path) {
  std::lock_guard<std::mutex> guard(mu_);
  files_[path].synced = files_[path].size;
}

Status FaultInjectionEnv::SyncDir(const std::string& dir) {
  Status s = base_->SyncDir(dir);
  if (!s.ok()) return s;
  std::lock_guard<std::mutex> guard(mu_);
  for (auto& [path, st] : files_) {
    if (DirOf(path) == dir) st.entry_durable = true;
  }
  return s;
}

Status FaultInjectionEnv::SyncFile(const std::string& path) {
  return FaultySync(path, [&] { return base_->SyncFile(path); });
}

Status FaultInjectionEnv::FaultySync(const std::string& path,
                                     const std::function<Status()>& base_sync) {
  if (const int err = SyncErrno(); err != 0) return Injected("fdatasync", path, err);
  if (SyncsLie()) return Status::Ok();
  Status s = base_sync();
  if (s.ok()) AfterSync(path);
  return s;
}

Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> guard(mu_);
  files_.erase(path);
  return base_->RemoveFile(path);
}

Status FaultInjectionEnv::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> guard(mu_);
  Status s = base_->RenameFile(from, to);
  if (!s.ok()) return s;
  auto it = files_.find(from);
  if (it != files_.end()) {
    FileState st = it->second;
    st.entry_durable = false;  // the new name needs a directory sync
    files_.erase(it);
    files_[to] = st;
  }
  return s;
}

Status FaultInjectionEnv::TruncateFile(const std::string& path, uint64_t size) {
  std::lock_guard<std::mutex> guard(mu_);
  Status s = base_->TruncateFile(path, size);
  if (s.ok() && files_.count(path)) {
    files_[path].size = size;
    files_[path].synced = std::min(files_[path].synced, size);
  }
  return s;
}

void FaultInjectionEnv::SimulateCrash() {
  std::lock_guard<std::mutex> guard(mu_);
  for (auto it = files_.begin(); it != files_.end();) {
    if (!it->second.entry_durable) {
      (void)base_->RemoveFile(it->first);
      it = files_.erase(it);
      continue;
    }
    (void)base_->TruncateFile(it->first, it->second.synced);
    it->second.size = it->second.synced;
    ++it;
  }
}

void FaultInjectionEnv::SetWriteBudget(uint64_t bytes, int err) {
  std::lock_guard<std::mutex> guard(mu_);
  write_budget_ = bytes;
  budget_errno_ = err;
}

void FaultInjectionEnv::FailWrites(int err) {
  std::lock_guard<std::mutex> guard(mu_);
  write_errno_ = err;
}

void FaultInjectionEnv::FailSyncs(int err) {
  std::lock_guard<std::mutex> guard(mu_);
  sync_errno_ = err;
}

void FaultInjectionEnv::FailReadsOf(const std::string& path, int err) {
  std::lock_guard<std::mutex> guard(mu_);
  read_errno_[path] = err;
}

Status FaultInjectionEnv::ReadFile(const std::string& path, std::string* contents) {
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (auto it = read_errno_.find(path); it != read_errno_.end()) {
      return Injected("read", path, it->second);
    }
  }
  return base_->ReadFile(path, contents);
}

Status FaultInjectionEnv::ReadRange(const std::string& path, uint64_t offset, size_t n,
                                    std::string* out) {
  {
    std::lock_guard<std::mutex> guard(mu_);
    if (auto it = read_errno_.find(path); it != read_errno_.end()) {
      return Injected("read", path, it->second);
    }
  }
  return base_->ReadRange(path, offset, n, out);
}

void FaultInjectionEnv::ClearFaults() {
  std::lock_guard<std::mutex> guard(mu_);
  write_budget_.reset();
  write_errno_ = sync_errno_ = 0;
  syncs_lie_ = false;
  read_errno_.clear();
}

}  // namespace dreichor
