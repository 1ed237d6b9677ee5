// KfdPort: the seam between the kfd backend and the kernel. Everything the backend does to
// /dev/kfd, the render nodes and the KFD sysfs tree goes through one of these calls, so the same
// backend code runs on the real kernel driver and on the simulator's virtual KFD.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "amdhal/status.h"

namespace amdhal::kfd {

class KfdPort {
 public:
  virtual ~KfdPort() = default;
  /// Short name for messages: "kernel", "sim".
  virtual std::string_view name() const = 0;
  /// open(2). Errors name the path and the errno.
  virtual Expected<int> open(const std::string& path, int flags) = 0;
  virtual Status close(int fd) = 0;
  /// ioctl(2), retried on EINTR/EAGAIN. `what` names the ioctl for messages
  /// ("AMDKFD_IOC_GET_VERSION").
  virtual Status ioctl(int fd, unsigned long request, void* arg, std::string_view what) = 0;
  virtual Expected<void*> mmap(void* addr, size_t length, int prot, int flags, int fd,
                               off_t offset) = 0;
  virtual Status munmap(void* addr, size_t length) = 0;
  /// Directory holding generation_id, system_properties and nodes/ (KFD topology).
  virtual std::filesystem::path topology_root() const = 0;
};

/// The port onto the running kernel: libc calls on /dev/kfd and /dev/dri/renderD*.
std::unique_ptr<KfdPort> make_kernel_port();

}  // namespace amdhal::kfd
