// KfdPort onto the virtual KFD: forwards every call to sim::VirtualKfd.
#include "sim_port.h"

#include <sys/mman.h>

#include <cerrno>

#include <fmt/format.h>

#include "amdhal_sim_kfd/virtual_kfd.h"

namespace amdhal::kfd {
namespace {

class SimPort final : public KfdPort {
 public:
  explicit SimPort(std::shared_ptr<sim::VirtualKfd> vkfd) : vkfd_(std::move(vkfd)) {}

  std::string_view name() const override { return "sim"; }

  Expected<int> open(const std::string& path, int flags) override {
    return vkfd_->open(path, flags);
  }

  Status close(int fd) override { return vkfd_->close(fd); }

  Status ioctl(int fd, unsigned long request, void* arg, std::string_view what) override {
    return vkfd_->ioctl(fd, request, arg, what);
  }

  Expected<void*> mmap(void* addr, size_t length, int prot, int flags, int fd,
                       off_t offset) override {
    if (fd < 0 && (flags & MAP_ANONYMOUS) != 0) {
      void* p = ::mmap(addr, length, prot, flags, -1, 0);
      if (p == MAP_FAILED) {
        return errno_status(errno, fmt::format("mmap of {} anonymous bytes", length));
      }
      return p;
    }
    if (!vkfd_->owns_fd(fd)) return errno_status(EBADF, fmt::format("mmap of fd {}", fd));
    return vkfd_->mmap(addr, length, prot, flags, fd, offset);
  }

  Status munmap(void* addr, size_t length) override { return vkfd_->munmap(addr, length); }

  std::filesystem::path topology_root() const override { return vkfd_->topology_root(); }

  const std::shared_ptr<sim::VirtualKfd>& vkfd() const { return vkfd_; }

 private:
  std::shared_ptr<sim::VirtualKfd> vkfd_;
};

}  // namespace

std::shared_ptr<KfdPort> make_sim_port(std::shared_ptr<sim::VirtualKfd> vkfd) {
  return std::make_shared<SimPort>(std::move(vkfd));
}

std::shared_ptr<sim::VirtualKfd> sim_port_vkfd(const KfdPort& port) {
  const auto* p = dynamic_cast<const SimPort*>(&port);
  return p != nullptr ? p->vkfd() : nullptr;
}

}  // namespace amdhal::kfd
