// The file system's immutable attribute (chattr +i): an immutable file cannot be changed, renamed
// or deleted, even by its owner, until the attribute is cleared, which takes CAP_LINUX_IMMUTABLE
// (root). ext4, XFS and btrfs have it; tmpfs, overlayfs and network file systems mostly do not.
//
//   if (Status s = SetImmutable(path, true); !s.ok()) ...   // Unsupported: this FS or no privilege
#pragma once

#include <string>

#include "util/status.h"

namespace dreichor {

// Unsupported (naming the reason) when the file system or the process's privileges do not allow
// it; IoError for any other failure.
Status SetImmutable(const std::string& path, bool immutable);
// Whether `path` has the attribute; Unsupported where the file system has none.
Result<bool> IsImmutable(const std::string& path);

}  // namespace dreichor
