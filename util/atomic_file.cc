#include "util/atomic_file.h"

namespace dreichor {

Status WriteFileAtomically(Env* env, const std::string& path, std::string_view bytes,
                           AtomicWriteOptions options) {
  const std::string tmp = path + ".tmp";
  if (env->FileExists(tmp)) {
    if (Status s = env->RemoveFile(tmp); !s.ok()) return s;
  }
  auto file = env->NewWritableFile(tmp);
  if (!file.ok()) return file.status();
  Status s = file.value()->Append(bytes);
  if (s.ok() && options.sync) s = file.value()->Sync();
  if (s.ok()) s = file.value()->Close();
  if (s.ok() && options.read_only) s = env->MakeReadOnly(tmp);
  if (s.ok()) s = env->RenameFile(tmp, path);
  if (s.ok() && options.sync) {
    const size_t slash = path.rfind('/');
    s = env->SyncDir(slash == std::string::npos ? "." : path.substr(0, slash));
  }
  return s;
}

}  // namespace dreichor
