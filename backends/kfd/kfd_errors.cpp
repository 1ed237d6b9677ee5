#include "kfd_errors.h"

#include <cerrno>
#include <string>

#include <fmt/format.h>

namespace amdhal::kfd {
namespace {

constexpr int kKnownErrnos[] = {EPERM,  ENOENT, ESRCH,      EINTR,     EIO,    ENXIO,  E2BIG,
                                EBADF,  EAGAIN, ENOMEM,     EACCES,    EFAULT, EBUSY,  EEXIST,
                                ENODEV, EINVAL, ENFILE,     EMFILE,    ENOTTY, ENOSPC, ERANGE,
                                ENOSYS, ETIME,  EOPNOTSUPP, ETIMEDOUT, ENOTSUP};

constexpr std::string_view kRenderGroupHint =
    "add the user to the 'render' group (and 'video' on some distributions), then log in again";

Status with_meaning(const Status& s, std::string_view meaning) {
  if (meaning.empty()) return s;
  return Status(s.code(), fmt::format("{}: {}", s.message(), meaning));
}

std::string_view ioctl_meaning(std::string_view ioctl, int err) {
  auto is = [&](std::string_view name) { return ioctl == name; };
  switch (err) {
    case EACCES:
    case EPERM:
      return kRenderGroupHint;
    case ENOTTY:
      return "the file is not /dev/kfd or the kernel does not know this ioctl (amdgpu driver too "
             "old for this build)";
    case ESRCH:
      return "KFD could not bind this process to the GPU (device removed or being reset)";
    case ENODEV:
    case ENXIO:
      return "the GPU has gone away (unplugged, or its driver is resetting it)";
    case EIO:
      return "the GPU is in a bad state (hang or reset); check dmesg for amdgpu errors";
    case EFAULT:
      return "KFD could not read or write a pointer in the arguments (a buffer of this process "
             "was not mapped)";
    case EBUSY:
      if (is("AMDKFD_IOC_ACQUIRE_VM")) {
        return "the GPU's virtual memory is already acquired through another render node file "
               "in this process";
      }
      return "the resource is in use";
    case ENOMEM:
      if (is("AMDKFD_IOC_ALLOC_MEMORY_OF_GPU")) {
        return "not enough free memory in that domain (free buffers, or allocate less)";
      }
      if (is("AMDKFD_IOC_CREATE_QUEUE")) return "no memory for the queue's kernel structures";
      if (is("AMDKFD_IOC_CREATE_EVENT")) return "no memory for another KFD event";
      return "the kernel ran out of memory";
    case ENOSPC:
      if (is("AMDKFD_IOC_CREATE_QUEUE")) {
        return "no hardware queue slot left (too many queues in this process or on this GPU)";
      }
      if (is("AMDKFD_IOC_CREATE_EVENT")) {
        return "this process has used all of KFD's signal events (4096)";
      }
      return "a kernel limit was reached";
    case EINVAL:
      if (is("AMDKFD_IOC_ACQUIRE_VM")) {
        return "KFD refused the render node (not this GPU's render node, or not a DRM file)";
      }
      if (is("AMDKFD_IOC_ALLOC_MEMORY_OF_GPU")) {
        return "KFD refused the allocation (unknown gpu_id, bad flag combination, or a virtual "
               "address outside the GPU aperture)";
      }
      if (is("AMDKFD_IOC_MAP_MEMORY_TO_GPU") || is("AMDKFD_IOC_UNMAP_MEMORY_FROM_GPU") ||
          is("AMDKFD_IOC_FREE_MEMORY_OF_GPU")) {
        return "unknown memory handle or gpu_id";
      }
      if (is("AMDKFD_IOC_CREATE_QUEUE")) {
        return "KFD refused the queue: the ring size must be a power of two and the ring, "
               "pointer, EOP and save-area buffers must be whole mappings of the sizes the node "
               "expects (kernel kfd_queue.c)";
      }
      if (is("AMDKFD_IOC_DESTROY_QUEUE")) return "unknown queue id";
      if (is("AMDKFD_IOC_CREATE_EVENT")) {
        return "KFD refused the event (the event page is already set for this process, or is "
               "not a GTT allocation of at least 32 KiB)";
      }
      if (is("AMDKFD_IOC_SET_EVENT") || is("AMDKFD_IOC_DESTROY_EVENT") ||
          is("AMDKFD_IOC_WAIT_EVENTS")) {
        return "unknown event id";
      }
      if (is("AMDKFD_IOC_GET_CLOCK_COUNTERS")) return "unknown gpu_id";
      return "KFD refused the arguments";
    default:
      return {};
  }
}

}  // namespace

int port_errno(const Status& status) {
  if (status.ok()) return 0;
  const std::string& m = status.message();
  for (int err : kKnownErrnos) {
    const std::string needle = fmt::format(": {} (", errno_name(err));
    if (m.find(needle) != std::string::npos) return err;
  }
  return 0;
}

Status explain_ioctl_error(const Status& status, std::string_view ioctl) {
  if (status.ok()) return status;
  return with_meaning(status, ioctl_meaning(ioctl, port_errno(status)));
}

Status explain_open_error(const Status& status, std::string_view path) {
  if (status.ok()) return status;
  const bool kfd = path == "/dev/kfd";
  switch (port_errno(status)) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
      return with_meaning(status, kfd ? "the amdgpu kernel driver is not loaded or no AMD GPU "
                                        "is present"
                                      : "the GPU's render node is missing (is the amdgpu driver "
                                        "bound to it?)");
    case EACCES:
    case EPERM:
      return with_meaning(status, kRenderGroupHint);
    case EMFILE:
    case ENFILE:
      return with_meaning(status, "too many open files in this process or system");
    default:
      return status;
  }
}

}  // namespace amdhal::kfd
