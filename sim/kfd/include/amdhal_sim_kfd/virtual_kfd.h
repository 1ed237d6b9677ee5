// The virtual KFD: the kernel driver's /dev/kfd contract (linux/kfd_ioctl.h) implemented on the
// simulated GPU core, for one simulated OS process. It owns a sim::System, writes a topology tree
// in the kernel's sysfs format to a private temporary directory, hands out file descriptors for
// "/dev/kfd" and "/dev/dri/renderD<minor>", and answers ioctl/mmap/munmap on them with the
// argument checks and errno values of drivers/gpu/drm/amd/amdkfd/kfd_chardev.c (see
// docs/simulator.md, "Virtual KFD").
//
// Nothing here knows about the backends: a KfdPort (backends/kfd/sim_port.cpp) or an interposer
// forwards calls to it. It never touches the real /dev or /sys.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "amdhal/status.h"
#include "amdhal/topology.h"
#include "amdhal_sim/device.h"

namespace amdhal::sim {

/// One AMDHAL_SIM_FAULT rule: fail the `nth` call (1-based; 0 = every call) of ioctl `name`
/// ("CREATE_QUEUE", without the AMDKFD_IOC_ prefix) with `err`.
struct KfdFaultRule {
  std::string name;
  int err = 0;
  uint64_t nth = 1;
};

/// Parses "ioctl:NAME[:ERRNO][:N]" rules separated by ';' (ERRNO a name such as ENOMEM or a
/// number, default ENOMEM; N default 1, 0 = every call). kInvalidArgument naming the bad part.
Expected<std::vector<KfdFaultRule>> parse_kfd_fault_spec(std::string_view text);

class VirtualKfd {
 public:
  /// "sim:gfx942x4[,opts]" (SystemSpec syntax). Extra options the virtual KFD reads:
  /// largebar=0 (VRAM not CPU-visible: PUBLIC VRAM allocations fail with EINVAL, as on a small
  /// BAR). Without vram= the VRAM heap is 16 GiB (host memory, backed lazily).
  /// Reads AMDHAL_SIM_FAULT (parsed once per process); a malformed value is reported on stderr
  /// and makes create() fail.
  static Expected<std::shared_ptr<VirtualKfd>> create(std::string_view spec);
  ~VirtualKfd();
  VirtualKfd(const VirtualKfd&) = delete;
  VirtualKfd& operator=(const VirtualKfd&) = delete;

  System& system();
  const std::string& spec() const;
  size_t device_count() const;
  /// gpu_id KFD reports for simulated device `index` (non-zero, distinct).
  uint32_t gpu_id(size_t index) const;
  /// "/dev/dri/renderD<128 + index>".
  std::string render_node_path(size_t index) const;
  /// The topology published under topology_root() (node properties, caches, links).
  const Topology& topology() const;
  /// The private directory holding generation_id, system_properties and nodes/.
  const std::filesystem::path& topology_root() const;

  // ---- the file interface (errno semantics, reported with errno_status) ----
  /// "/dev/kfd" or a render node path; anything else is ENOENT. The fd is a real descriptor (of
  /// an empty memfd) so it never collides with another file of the process.
  Expected<int> open(const std::string& path, int flags);
  /// EBADF for an fd this object did not open. As with KFD, closing files tears nothing down:
  /// the simulated kfd_process lives until the VirtualKfd is destroyed (process exit).
  Status close(int fd);
  /// `what` names the ioctl in error messages. Errors are errno_status(errno, what). On a render
  /// node the DRM ioctls libdrm_amdgpu issues are answered (DRM_IOCTL_VERSION, AMDGPU_INFO
  /// ACCEL_WORKING / DEV_INFO / READ_MMR_REG of GB_ADDR_CONFIG); see docs/simulator.md.
  Status ioctl(int fd, unsigned long request, void* arg, std::string_view what);
  /// The same, returning 0 or the errno (for interposers).
  int ioctl_errno(int fd, unsigned long request, void* arg);
  /// /dev/kfd offsets: doorbell slice, event page, MMIO page; render-node offsets: a buffer
  /// object's mmap_offset. With addr == nullptr the doorbell slice is the device's own doorbell
  /// page; MAP_FIXED placement of the doorbell slice is refused (EINVAL).
  Expected<void*> mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset);
  /// Forgets a doorbell mapping handed out by mmap(); anything else goes to munmap(2).
  Status munmap(void* addr, size_t length);
  bool owns_fd(int fd) const;
  /// Records `newfd`, a duplicate the caller made of `oldfd` (dup/dup2/dup3/F_DUPFD), as the
  /// same open file (as the kernel's dup shares the struct file). EBADF if oldfd is not ours.
  Status adopt_dup(int oldfd, int newfd);
  /// Forgets `fd` without closing it (the descriptor was closed or replaced by the caller).
  void forget_fd(int fd);

  /// What amdgpu's sysfs reports for GPU `index`: VRAM allocated by this process (the
  /// mem_info_vram_used the process sees), the VRAM heap, and a busy percentage (100 while any
  /// compute queue of the GPU has unprocessed packets, else 0: an instantaneous sample, not the
  /// SMU's averaged activity).
  struct Usage {
    uint64_t vram_used = 0;
    uint64_t vram_total = 0;
    uint32_t busy_percent = 0;
  };
  Usage usage(size_t index) const;

  /// What SET_SCRATCH_BACKING_VA last stored for GPU `index` (the kernel's
  /// qpd.sh_hidden_private_base, kept as passed: libhsakmt passes the scratch VA >> 16); 0 until
  /// it is called.
  uint64_t scratch_backing_va(size_t index) const;

  /// A user queue's properties as CREATE_QUEUE / UPDATE_QUEUE / SET_CU_MASK left them.
  struct QueueInfo {
    size_t gpu_index = 0;
    uint32_t sim_queue = 0;  ///< the simulated device's queue id (Device::queue_state)
    uint64_t ring_base = 0;
    uint64_t ring_size = 0;
    uint32_t percentage = 0;
    uint32_t priority = 0;
    bool active = false;            ///< ring set and percentage > 0: the queue fetches packets
    std::vector<uint32_t> cu_mask;  ///< as last set (recorded only: the simulator ignores it)
  };
  /// kNotFound for an unknown queue id.
  Expected<QueueInfo> queue_info(uint32_t queue_id) const;

  /// "AMDKFD_IOC_ALLOC_MEMORY_OF_GPU", "DRM_IOCTL_AMDGPU_INFO", ... for a request number on
  /// /dev/kfd (`render` false) or a render node; "" when unknown.
  static std::string_view ioctl_name(unsigned long request, bool render);

  // ---- fault injection and inspection (tests) ----
  /// Adds a rule on top of AMDHAL_SIM_FAULT; call counts start from the object's creation.
  void inject_fault(const KfdFaultRule& rule);
  void clear_faults();
  struct Counts {
    size_t open_fds = 0;
    size_t buffer_objects = 0;
    size_t gpu_mappings = 0;  ///< (buffer, gpu) pairs mapped
    size_t queues = 0;
    size_t events = 0;
    size_t doorbell_mappings = 0;
  };
  Counts counts() const;
  /// Calls of an ioctl (by short name) so far.
  uint64_t ioctl_calls(std::string_view name) const;

  struct Impl;

 private:
  explicit VirtualKfd(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace amdhal::sim
