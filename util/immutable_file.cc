#include "util/immutable_file.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dreichor {

Status SetImmutable(const std::string& path, bool immutable) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Status::IoError("open " + path + ": " + std::strerror(errno));
  int flags = 0;
  int rc = ::ioctl(fd, FS_IOC_GETFLAGS, &flags);
  if (rc == 0 && ((flags & FS_IMMUTABLE_FL) != 0) != immutable) {
    flags = immutable ? (flags | FS_IMMUTABLE_FL) : (flags & ~FS_IMMUTABLE_FL);
    rc = ::ioctl(fd, FS_IOC_SETFLAGS, &flags);
  }
  const int err = errno;
  ::close(fd);
  if (rc == 0) return Status::Ok();
  const std::string why = path + ": " + std::strerror(err);
  if (err == ENOTTY || err == EOPNOTSUPP || err == EPERM || err == EACCES || err == EINVAL) {
    return Status::Unsupported("the immutable attribute cannot be " +
                               std::string(immutable ? "set" : "cleared") + " on " + why);
  }
  return Status::IoError("immutable attribute of " + why);
}

Result<bool> IsImmutable(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Status::IoError("open " + path + ": " + std::strerror(errno));
  int flags = 0;
  const int rc = ::ioctl(fd, FS_IOC_GETFLAGS, &flags);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Status::Unsupported(path + ": " + std::strerror(err));
  return (flags & FS_IMMUTABLE_FL) != 0;
}

}  // namespace dreichor
