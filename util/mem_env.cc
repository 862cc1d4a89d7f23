#include "util/mem_env.h"

#include <algorithm>

namespace dreichor {

namespace {

Status NoSuch(const std::string& what, const std::string& path) {
  return Status::NotFound(what + " " + path + ": No such file or directory");
}

std::string ParentOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// "a/b/" and "a/b" name the same directory.
std::string WithoutTrailingSlash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

struct MemEnv::Contents {
  std::mutex mu;
  std::string bytes;
  bool read_only = false;
};

class MemEnv::File final : public WritableFile {
 public:
  explicit File(std::shared_ptr<Contents> contents) : contents_(std::move(contents)) {}
  Status Append(std::string_view data) override {
    std::lock_guard<std::mutex> guard(contents_->mu);
    contents_->bytes.append(data);
    return Status::Ok();
  }
  Status Sync() override { return Status::Ok(); }
  Status Close() override { return Status::Ok(); }

 private:
  std::shared_ptr<Contents> contents_;
};

class MemEnv::Lock final : public FileLock {
 public:
  Lock(MemEnv* env, std::string path) : env_(env), path_(std::move(path)) {}
  ~Lock() override { env_->Unlock(path_); }

 private:
  MemEnv* env_;
  std::string path_;
};

MemEnv::MemEnv() {
  dirs_.insert("/");
  dirs_.insert(".");
}

MemEnv::~MemEnv() = default;

std::shared_ptr<MemEnv::Contents> MemEnv::Find(const std::string& path) const {
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : it->second;
}

std::shared_ptr<MemEnv::Contents> MemEnv::Lookup(const std::string& path) const {
  std::lock_guard<std::mutex> guard(mu_);
  return Find(path);
}

Status MemEnv::ReadFile(const std::string& path, std::string* contents) {
  std::shared_ptr<Contents> c = Lookup(path);
  if (c == nullptr) return NoSuch("open", path);
  std::lock_guard<std::mutex> guard(c->mu);
  *contents = c->bytes;
  return Status::Ok();
}

Status MemEnv::ReadRange(const std::string& path, uint64_t offset, size_t n, std::string* out) {
  std::shared_ptr<Contents> c = Lookup(path);
  if (c == nullptr) return NoSuch("open", path);
  std::lock_guard<std::mutex> guard(c->mu);
  out->clear();
  if (offset < c->bytes.size()) out->assign(c->bytes, static_cast<size_t>(offset), n);
  return Status::Ok();
}

Status MemEnv::DropCachedPages(const std::string& path) {
  std::lock_guard<std::mutex> guard(mu_);
  return Find(path) == nullptr ? NoSuch("open", path) : Status::Ok();
}

Result<std::unique_ptr<WritableFile>> MemEnv::OpenForWrite(const std::string& path, bool truncate) {
  std::lock_guard<std::mutex> guard(mu_);
  if (dirs_.count(path) != 0) return Status::IoError("open " + path + ": Is a directory");
  if (dirs_.count(ParentOf(path)) == 0) return NoSuch("open", path);
  std::shared_ptr<Contents> c = Find(path);
  if (c == nullptr) {
    c = std::make_shared<Contents>();
    files_[path] = c;
  }
  std::lock_guard<std::mutex> file_guard(c->mu);
  if (c->read_only) return Status::IoError("open " + path + ": Permission denied");
  if (truncate) c->bytes.clear();
  return std::unique_ptr<WritableFile>(new File(c));
}

Result<std::unique_ptr<WritableFile>> MemEnv::NewWritableFile(const std::string& path) {
  return OpenForWrite(path, /*truncate=*/true);
}

Result<std::unique_ptr<WritableFile>> MemEnv::NewAppendableFile(const std::string& path) {
  return OpenForWrite(path, /*truncate=*/false);
}

Status MemEnv::GetChildren(const std::string& dir_path, std::vector<std::string>* names) {
  const std::string dir = WithoutTrailingSlash(dir_path);
  std::lock_guard<std::mutex> guard(mu_);
  if (dirs_.count(dir) == 0) return NoSuch("opendir", dir);
  names->clear();
  auto add_if_child = [&](const std::string& path) {
    if (path != dir && ParentOf(path) == dir) names->push_back(path.substr(path.rfind('/') + 1));
  };
  for (const auto& [path, contents] : files_) add_if_child(path);
  for (const std::string& path : dirs_) add_if_child(path);
  std::sort(names->begin(), names->end());
  return Status::Ok();
}

bool MemEnv::FileExists(const std::string& path) {
  std::lock_guard<std::mutex> guard(mu_);
  return Find(path) != nullptr || dirs_.count(WithoutTrailingSlash(path)) != 0;
}

bool MemEnv::IsDirectory(const std::string& path) {
  std::lock_guard<std::mutex> guard(mu_);
  return dirs_.count(WithoutTrailingSlash(path)) != 0;
}

Result<uint64_t> MemEnv::FileSize(const std::string& path) {
  std::shared_ptr<Contents> c = Lookup(path);
  if (c == nullptr) return NoSuch("stat", path);
  std::lock_guard<std::mutex> guard(c->mu);
  return static_cast<uint64_t>(c->bytes.size());
}

Status MemEnv::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> guard(mu_);
  if (files_.erase(path) == 0) return NoSuch("unlink", path);
  return Status::Ok();
}

Status MemEnv::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> guard(mu_);
  std::shared_ptr<Contents> c = Find(from);
  if (c == nullptr) return NoSuch("rename", from);
  if (dirs_.count(ParentOf(to)) == 0) return NoSuch("rename", to);
  files_.erase(from);
  files_[to] = std::move(c);
  return Status::Ok();
}

Status MemEnv::CreateDirs(const std::string& dir_path) {
  const std::string dir = WithoutTrailingSlash(dir_path);
  std::lock_guard<std::mutex> guard(mu_);
  for (std::string d = dir; dirs_.count(d) == 0; d = ParentOf(d)) {
    if (files_.count(d) != 0) return Status::IoError("mkdir " + d + ": File exists");
    dirs_.insert(d);
  }
  return Status::Ok();
}

Status MemEnv::SyncDir(const std::string& dir) {
  std::lock_guard<std::mutex> guard(mu_);
  return dirs_.count(WithoutTrailingSlash(dir)) == 0 ? NoSuch("open", dir) : Status::Ok();
}

Status MemEnv::SyncFile(const std::string& path) {
  std::lock_guard<std::mutex> guard(mu_);
  return Find(path) == nullptr ? NoSuch("open", path) : Status::Ok();
}

Status MemEnv::TruncateFile(const std::string& path, uint64_t size) {
  std::shared_ptr<Contents> c = Lookup(path);
  if (c == nullptr) return NoSuch("truncate", path);
  std::lock_guard<std::mutex> guard(c->mu);
  c->bytes.resize(static_cast<size_t>(size), '\0');
  return Status::Ok();
}

Status MemEnv::MakeReadOnly(const std::string& path) {
  std::shared_ptr<Contents> c = Lookup(path);
  if (c == nullptr) return NoSuch("stat", path);
  std::lock_guard<std::mutex> guard(c->mu);
  c->read_only = true;
  return Status::Ok();
}

Result<std::unique_ptr<FileLock>> MemEnv::LockFile(const std::string& path) {
  std::lock_guard<std::mutex> guard(mu_);
  if (dirs_.count(ParentOf(path)) == 0) return NoSuch("lock", path);
  if (!locked_.insert(path).second) {
    return Status::FailedPrecondition("lock " + path + ": already held by this process");
  }
  if (Find(path) == nullptr) files_[path] = std::make_shared<Contents>();
  return std::unique_ptr<FileLock>(new Lock(this, path));
}

void MemEnv::Unlock(const std::string& path) {
  std::lock_guard<std::mutex> guard(mu_);
  locked_.erase(path);
}

Status MemEnv::WriteWholeFile(const std::string& path, std::string_view contents) {
  auto file = NewWritableFile(path);
  if (!file.ok()) return file.status();
  return file.value()->Append(contents);
}

}  // namespace dreichor
