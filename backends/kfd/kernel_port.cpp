// KfdPort onto the running kernel (libc on /dev/kfd, /dev/dri/renderD*).
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "kfd_port.h"

namespace amdhal::kfd {
namespace {

class KernelPort final : public KfdPort {
 public:
  std::string_view name() const override { return "kernel"; }

  Expected<int> open(const std::string& path, int flags) override {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) return errno_status(errno, path);
    return fd;
  }

  Status close(int fd) override {
    if (::close(fd) != 0) return errno_status(errno, fmt::format("close fd {}", fd));
    return ok_status();
  }

  Status ioctl(int fd, unsigned long request, void* arg, std::string_view what) override {
    int rc;
    do {
      rc = ::ioctl(fd, request, arg);
    } while (rc == -1 && (errno == EINTR || errno == EAGAIN));
    if (rc == -1) return errno_status(errno, what);
    return ok_status();
  }

  Expected<void*> mmap(void* addr, size_t length, int prot, int flags, int fd,
                       off_t offset) override {
    void* p = ::mmap(addr, length, prot, flags, fd, offset);
    if (p == MAP_FAILED) {
      return errno_status(errno, fmt::format("mmap of {} bytes at offset 0x{:x} of fd {}", length,
                                             static_cast<uint64_t>(offset), fd));
    }
    return p;
  }

  Status munmap(void* addr, size_t length) override {
    if (::munmap(addr, length) != 0) return errno_status(errno, "munmap");
    return ok_status();
  }

  std::filesystem::path topology_root() const override {
    return "/sys/devices/virtual/kfd/kfd/topology";
  }
};

}  // namespace

std::unique_ptr<KfdPort> make_kernel_port() {
  return std::make_unique<KernelPort>();
}

}  // namespace amdhal::kfd
